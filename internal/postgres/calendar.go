package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

func pgDate(d calendar.Date) pgtype.Date {
	return pgtype.Date{Time: time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC), Valid: true}
}

// CalendarOverrides returns the working-day overrides administrators keep.
func (s *Store) CalendarOverrides(ctx context.Context) ([]calendar.Override, error) {
	rows, err := s.q.ListCalendarOverrides(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]calendar.Override, len(rows))
	for i, r := range rows {
		t := r.Day.Time
		out[i] = calendar.Override{Date: calendar.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, Working: r.Working, Note: r.Note}
	}
	return out, nil
}

// Calendar builds the working-day calendar with the stored overrides.
func (s *Store) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	o, err := s.CalendarOverrides(ctx)
	if err != nil {
		return nil, err
	}
	return calendar.New(calendar.Options{Overrides: o})
}

// SetCalendarOverride makes a date a working day or a day off.
func (s *Store) SetCalendarOverride(ctx context.Context, o calendar.Override, rec domain.AuditRecord) error {
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		if err := q.UpsertCalendarOverride(ctx, sqlcgen.UpsertCalendarOverrideParams{Day: pgDate(o.Date), Working: o.Working, Note: o.Note,
			UpdatedBy: rec.Actor, UpdatedAt: tstz(s.now())}); err != nil {
			return err
		}
		return s.appendAudit(ctx, q, rec)
	})
}

// DeleteCalendarOverride returns a date to the library's and weekends' rule.
func (s *Store) DeleteCalendarOverride(ctx context.Context, d calendar.Date, rec domain.AuditRecord) error {
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		n, err := q.DeleteCalendarOverride(ctx, pgDate(d))
		if err != nil {
			return err
		}
		if n == 0 {
			return domain.NotFound("calendar override", d.String())
		}
		return s.appendAudit(ctx, q, rec)
	})
}
