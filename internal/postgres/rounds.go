package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5/pgtype"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

// StartRound stores a new round with its first event and audit record, and
// runs start (which starts the round's workflow) before committing. A round
// of the same programme and year is a conflict and nothing is started.
func (s *Store) StartRound(ctx context.Context, r domain.Round, rec domain.AuditRecord, start func() error) error {
	state, err := json.Marshal(r)
	if err != nil {
		return err
	}
	detail, _ := json.Marshal(map[string]any{"programme_version": r.Programme.Version, "year": r.Year})
	return s.startProcess(ctx, r.ID, rec, domain.Conflict("error.round_exists", map[string]any{"id": r.ID}), start,
		func(q *sqlcgen.Queries) (int64, error) {
			return q.InsertRound(ctx, sqlcgen.InsertRoundParams{ID: r.ID, ProgrammeCode: r.Programme.Code, ProgrammeVersion: int32(r.Programme.Version),
				Year: int32(r.Year), CommitteeCode: r.Programme.Committee, Phase: string(r.Phase), Version: int32(r.Version), StartedAt: tstz(r.StartedAt), State: state})
		},
		func(q *sqlcgen.Queries) error {
			_, err := q.InsertRoundEvent(ctx, sqlcgen.InsertRoundEventParams{RoundID: r.ID, At: tstz(r.StartedAt), Actor: r.StartedBy, Kind: "started", Detail: detail})
			return err
		})
}

// RecordRound stores a step of a round: its event (once per key), the new
// snapshot (unless a newer one is stored) and the audit record, together.
func (s *Store) RecordRound(ctx context.Context, ch domain.RoundChange) error {
	r := ch.Round
	state, err := json.Marshal(r)
	if err != nil {
		return err
	}
	detail, err := eventDetail(ch.Event.Detail)
	if err != nil {
		return err
	}
	return s.recordStep(ctx, r.ID, ch.Audit,
		func(q *sqlcgen.Queries) error {
			return q.UpsertRound(ctx, sqlcgen.UpsertRoundParams{ID: r.ID, Phase: string(r.Phase), Version: int32(r.Version), ClosedAt: tstz(r.ClosedAt), State: state})
		},
		func(q *sqlcgen.Queries) (int64, error) {
			return q.InsertRoundEvent(ctx, sqlcgen.InsertRoundEventParams{Key: ntext(ch.Key), RoundID: r.ID, At: tstz(ch.Event.At),
				Actor: ch.Event.Actor, Kind: ch.Event.Kind, Detail: detail})
		})
}

// GetRound returns a round as last recorded.
func (s *Store) GetRound(ctx context.Context, id string) (domain.Round, error) {
	row, err := s.q.GetRound(ctx, id)
	if err != nil {
		return domain.Round{}, notFound(err, "round", id)
	}
	var r domain.Round
	return r, json.Unmarshal(row.State, &r)
}

// ListRounds returns a programme's rounds, the latest year first.
func (s *Store) ListRounds(ctx context.Context, programme string, limit int) ([]domain.Round, error) {
	rows, err := s.q.ListRounds(ctx, sqlcgen.ListRoundsParams{ProgrammeCode: programme, Limit: int32(limit)})
	return statesOf[domain.Round](rows, err, func(r sqlcgen.SelectionRound) []byte { return r.State })
}

// RoundHistory returns a round's events in order.
func (s *Store) RoundHistory(ctx context.Context, id string) ([]domain.CycleEvent, error) {
	rows, err := s.q.ListRoundEvents(ctx, id)
	return eventsOf(rows, err, func(r sqlcgen.SelectionEvent) (pgtype.Timestamptz, string, string, []byte) {
		return r.At, r.Actor, r.Kind, r.Detail
	})
}

// OpenRounds returns the rounds still running, latest first.
func (s *Store) OpenRounds(ctx context.Context) ([]domain.Round, error) {
	rows, err := s.q.ListOpenRounds(ctx)
	return statesOf[domain.Round](rows, err, func(r sqlcgen.SelectionRound) []byte { return r.State })
}

// StartReviewRound stores a round another process (a contest) starts for
// its expert review; a retry finds it stored and changes nothing.
func (s *Store) StartReviewRound(ctx context.Context, r domain.Round) error {
	state, err := json.Marshal(r)
	if err != nil {
		return err
	}
	detail, _ := json.Marshal(map[string]any{"programme_version": r.Programme.Version, "year": r.Year, "parent": r.Parent})
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		if _, err := q.InsertRound(ctx, sqlcgen.InsertRoundParams{ID: r.ID, ProgrammeCode: r.Programme.Code, ProgrammeVersion: int32(r.Programme.Version),
			Year: int32(r.Year), CommitteeCode: r.Programme.Committee, Phase: string(r.Phase), Version: int32(r.Version), StartedAt: tstz(r.StartedAt), State: state}); err != nil {
			return err
		}
		_, err := q.InsertRoundEvent(ctx, sqlcgen.InsertRoundEventParams{Key: ntext(r.ID + ":started"), RoundID: r.ID, At: tstz(r.StartedAt),
			Actor: r.StartedBy, Kind: "started", Detail: detail})
		return err
	})
}
