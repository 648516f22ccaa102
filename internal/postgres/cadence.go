package postgres

import (
	"context"
	"encoding/json"
	"strconv"

	"lianxi/internal/cadence"
	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

// Cadences returns every committee's cadence, in the directory's order.
func (s *Store) Cadences(ctx context.Context) ([]cadence.Committee, error) {
	rows, err := s.q.ListCommitteeCadences(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]cadence.Committee, len(rows))
	for i, r := range rows {
		out[i] = cadence.Committee{Code: r.Code, Cadence: domain.Cadence(r.Cadence), MinPerYear: int(r.MinPerYear), AgendaLeadDays: int(r.AgendaLeadDays)}
	}
	return out, nil
}

// CadenceCycles returns a committee's cycles (every phase) whose periods
// fall in the given years.
func (s *Store) CadenceCycles(ctx context.Context, committee string, years ...int) ([]cadence.Cycle, error) {
	var out []cadence.Cycle
	for _, y := range years {
		rows, err := s.q.CyclesOfYear(ctx, sqlcgen.CyclesOfYearParams{CommitteeCode: committee, Year: strconv.Itoa(y)})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, cadence.Cycle{Committee: committee, Period: domain.Period(r.Period), Phase: domain.Phase(r.Phase)})
		}
	}
	return out, nil
}

// SetCadence stores a committee's cadence settings, with the audit record
// in the same transaction. Settings without cycle spans store none, so
// the committee's cycles follow the defaults.
func (s *Store) SetCadence(ctx context.Context, committee string, set cadence.Settings, rec domain.AuditRecord) error {
	if err := set.Validate(); err != nil {
		return err
	}
	raw := []byte("{}")
	if set.Cycle != nil {
		var err error
		if raw, err = json.Marshal(set.Cycle); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		n, err := q.UpdateCommitteeCadence(ctx, sqlcgen.UpdateCommitteeCadenceParams{Code: committee, Cadence: string(set.Cadence),
			MinPerYear: int32(set.MinPerYear), AgendaLeadDays: int32(set.AgendaLeadDays), CycleSettings: raw, UpdatedAt: tstz(s.now())})
		if err != nil {
			return err
		}
		if n == 0 {
			return domain.NotFound("committee", committee)
		}
		rec.Detail = map[string]string{"cadence": string(set.Cadence), "min_per_year": strconv.Itoa(set.MinPerYear),
			"agenda_lead_days": strconv.Itoa(set.AgendaLeadDays), "settings": string(raw)}
		return s.appendAudit(ctx, q, rec)
	})
}
