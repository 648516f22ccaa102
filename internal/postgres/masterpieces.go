package postgres

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/jackc/pgx/v5/pgtype"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

// StartMasterpieces stores a new project year with its first event and
// audit record, and runs start (which starts its workflow) before
// committing. The same year again is a conflict and nothing is started.
func (s *Store) StartMasterpieces(ctx context.Context, m domain.Masterpieces, rec domain.AuditRecord, start func() error) error {
	state, err := json.Marshal(m)
	if err != nil {
		return err
	}
	detail, _ := json.Marshal(map[string]any{"year": m.Year, "carried": len(m.Projects)})
	return s.startProcess(ctx, m.ID, rec, domain.Conflict("error.masterpiece_exists", map[string]any{"year": m.Year}), start,
		func(q *sqlcgen.Queries) (int64, error) {
			return q.InsertMasterpieceYear(ctx, sqlcgen.InsertMasterpieceYearParams{ID: m.ID, Year: int32(m.Year), Phase: string(m.Phase),
				Version: int32(m.Version), StartedAt: tstz(m.StartedAt), State: state})
		},
		func(q *sqlcgen.Queries) error {
			_, err := q.InsertMasterpieceEvent(ctx, sqlcgen.InsertMasterpieceEventParams{YearID: m.ID, At: tstz(m.StartedAt), Actor: m.StartedBy, Kind: "started", Detail: detail})
			return err
		})
}

// RecordMasterpieces stores a step of a project year: its event (once per
// key), the new snapshot (unless a newer one is stored) and the audit
// record.
func (s *Store) RecordMasterpieces(ctx context.Context, ch domain.MasterpieceChange) error {
	m := ch.Year
	state, err := json.Marshal(m)
	if err != nil {
		return err
	}
	detail, err := eventDetail(ch.Event.Detail)
	if err != nil {
		return err
	}
	return s.recordStep(ctx, m.ID, ch.Audit,
		func(q *sqlcgen.Queries) error {
			return q.UpsertMasterpieceYear(ctx, sqlcgen.UpsertMasterpieceYearParams{ID: m.ID, Phase: string(m.Phase), Version: int32(m.Version),
				ClosedAt: tstz(m.ClosedAt), State: state})
		},
		func(q *sqlcgen.Queries) (int64, error) {
			return q.InsertMasterpieceEvent(ctx, sqlcgen.InsertMasterpieceEventParams{Key: ntext(ch.Key), YearID: m.ID, At: tstz(ch.Event.At),
				Actor: ch.Event.Actor, Kind: ch.Event.Kind, Detail: detail})
		})
}

// GetMasterpieces returns a project year as last recorded.
func (s *Store) GetMasterpieces(ctx context.Context, year int) (domain.Masterpieces, error) {
	row, err := s.q.GetMasterpieceYear(ctx, int32(year))
	if err != nil {
		return domain.Masterpieces{}, notFound(err, "masterpiece-round", strconv.Itoa(year))
	}
	var m domain.Masterpieces
	return m, json.Unmarshal(row.State, &m)
}

// ListMasterpieces returns the project years, the latest first.
func (s *Store) ListMasterpieces(ctx context.Context, limit int) ([]domain.Masterpieces, error) {
	rows, err := s.q.ListMasterpieceYears(ctx, int32(limit))
	return statesOf[domain.Masterpieces](rows, err, func(r sqlcgen.MasterpieceYear) []byte { return r.State })
}

// MasterpieceHistory returns a project year's events in order.
func (s *Store) MasterpieceHistory(ctx context.Context, id string) ([]domain.CycleEvent, error) {
	rows, err := s.q.ListMasterpieceEvents(ctx, id)
	return eventsOf(rows, err, func(r sqlcgen.MasterpieceEvent) (pgtype.Timestamptz, string, string, []byte) {
		return r.At, r.Actor, r.Kind, r.Detail
	})
}
