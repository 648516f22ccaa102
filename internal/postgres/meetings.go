package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/jackc/pgx/v5/pgtype"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

// StartCycle stores a new cycle with its first event and audit record, and
// runs start (which starts the cycle's workflow) before committing. A cycle
// that exists already, under the same committee and period, is a conflict
// and nothing is started.
func (s *Store) StartCycle(ctx context.Context, c domain.Cycle, rec domain.AuditRecord, start func() error) error {
	state, err := json.Marshal(c)
	if err != nil {
		return err
	}
	role, waiting := c.Waiting()
	detail, _ := json.Marshal(map[string]any{"period": c.Period, "planned_meeting_month": c.PlannedMonth, "members": len(c.Members)})
	return s.startProcess(ctx, c.ID, rec, domain.Conflict("error.cycle_exists", map[string]any{"id": c.ID}), start,
		func(q *sqlcgen.Queries) (int64, error) {
			return q.InsertCycle(ctx, sqlcgen.InsertCycleParams{ID: c.ID, CommitteeCode: c.Committee, Period: string(c.Period), Phase: string(c.Phase),
				PlannedMonth: c.PlannedMonth, Version: int32(c.Version), WaitingRole: role, WaitingOn: waiting, StartedAt: tstz(c.StartedAt), State: state})
		},
		func(q *sqlcgen.Queries) error {
			_, err := q.InsertCycleEvent(ctx, sqlcgen.InsertCycleEventParams{CycleID: c.ID, At: tstz(c.StartedAt), Actor: c.StartedBy, Kind: "started", Detail: detail})
			return err
		})
}

// startProcess stores a new process (a cycle, a round) with its first
// event and audit record and runs start (which starts its workflow) before
// committing; a row that exists already is the conflict given, and nothing
// is started.
func (s *Store) startProcess(ctx context.Context, object string, rec domain.AuditRecord, conflict error, start func() error,
	insert func(*sqlcgen.Queries) (int64, error), event func(*sqlcgen.Queries) error) error {
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		n, err := insert(q)
		if err != nil {
			return err
		}
		if n == 0 {
			return conflict
		}
		if err := event(q); err != nil {
			return err
		}
		rec.Object = object
		if err := s.appendAudit(ctx, q, rec); err != nil {
			return err
		}
		return start()
	})
}

// RecordCycle stores a step of a cycle: its event (once per key), the new
// snapshot (unless a newer one is stored) and the audit record, in one
// transaction.
func (s *Store) RecordCycle(ctx context.Context, ch domain.CycleChange) error {
	c := ch.Cycle
	state, err := json.Marshal(c)
	if err != nil {
		return err
	}
	detail, err := eventDetail(ch.Event.Detail)
	if err != nil {
		return err
	}
	role, waiting := c.Waiting()
	p := sqlcgen.UpsertCycleParams{ID: c.ID, CommitteeCode: c.Committee, Period: string(c.Period), Phase: string(c.Phase), PlannedMonth: c.PlannedMonth,
		Version: int32(c.Version), WaitingRole: role, WaitingOn: waiting, StartedAt: tstz(c.StartedAt), ClosedAt: tstz(c.ClosedAt), State: state}
	if c.Notice != nil {
		p.MeetingAt, p.Place = tstz(c.Notice.StartsAt), c.Notice.Place
	}
	return s.recordStep(ctx, c.ID, ch.Audit,
		func(q *sqlcgen.Queries) error { return q.UpsertCycle(ctx, p) },
		func(q *sqlcgen.Queries) (int64, error) {
			if ch.Event.Kind == "" {
				return 0, nil
			}
			return q.InsertCycleEvent(ctx, sqlcgen.InsertCycleEventParams{Key: ntext(ch.Key), CycleID: c.ID, At: tstz(ch.Event.At),
				Actor: ch.Event.Actor, Kind: ch.Event.Kind, Detail: detail})
		})
}

// recordStep stores a step of a process (a cycle, a round) in one
// transaction: its state (the save guards against an older version), its
// event once per key, and, with a new event, the audit record.
func (s *Store) recordStep(ctx context.Context, object string, audit *domain.AuditRecord,
	save func(*sqlcgen.Queries) error, event func(*sqlcgen.Queries) (int64, error)) error {
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		if err := save(q); err != nil {
			return err
		}
		n, err := event(q)
		if err != nil || n == 0 || audit == nil {
			return err // n == 0: no event, or recorded already by a retried activity
		}
		rec := *audit
		rec.Object = object
		return s.appendAudit(ctx, q, rec)
	})
}

func eventDetail(d map[string]any) ([]byte, error) {
	if d == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(d)
}

func cycleFromState(state []byte) (domain.Cycle, error) {
	var c domain.Cycle
	err := json.Unmarshal(state, &c)
	return c, err
}

// GetCycle returns a cycle as last recorded.
func (s *Store) GetCycle(ctx context.Context, id string) (domain.Cycle, error) {
	r, err := s.q.GetCycle(ctx, id)
	if err != nil {
		return domain.Cycle{}, notFound(err, "cycle", id)
	}
	return cycleFromState(r.State)
}

// ListCycles returns a committee's cycles, the latest first.
func (s *Store) ListCycles(ctx context.Context, committee string, limit int) ([]domain.Cycle, error) {
	rows, err := s.q.ListCycles(ctx, sqlcgen.ListCyclesParams{CommitteeCode: committee, Limit: int32(limit)})
	if err != nil {
		return nil, err
	}
	out := make([]domain.Cycle, len(rows))
	for i, r := range rows {
		if out[i], err = cycleFromState(r.State); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PreviousCycle returns the committee's latest cycle other than exclude
// (cancelled ones aside); ok is false when there is none.
func (s *Store) PreviousCycle(ctx context.Context, committee, exclude string) (c domain.Cycle, ok bool, err error) {
	r, err := s.q.PreviousCycle(ctx, sqlcgen.PreviousCycleParams{CommitteeCode: committee, Exclude: exclude})
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Cycle{}, false, nil
	} else if err != nil {
		return domain.Cycle{}, false, err
	}
	c, err = cycleFromState(r.State)
	return c, err == nil, err
}

// CycleHistory returns a cycle's events in order.
func (s *Store) CycleHistory(ctx context.Context, id string) ([]domain.CycleEvent, error) {
	rows, err := s.q.ListCycleEvents(ctx, id)
	return eventsOf(rows, err, func(r sqlcgen.MeetingEvent) (pgtype.Timestamptz, string, string, []byte) {
		return r.At, r.Actor, r.Kind, r.Detail
	})
}

// MeetingsSince returns the cycles whose meeting is noticed for a time
// after since, in time order.
func (s *Store) MeetingsSince(ctx context.Context, since time.Time) ([]domain.Cycle, error) {
	rows, err := s.q.MeetingsBetween(ctx, tstz(since))
	if err != nil {
		return nil, err
	}
	out := make([]domain.Cycle, len(rows))
	for i, r := range rows {
		if out[i], err = cycleFromState(r.State); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CycleSettings returns the spans a committee's cycles run on: the
// committee's own where the office set them, the defaults elsewhere.
func (s *Store) CycleSettings(ctx context.Context, committee string) (domain.CycleSettings, error) {
	r, err := s.q.CommitteeCycleSettings(ctx, committee)
	if err != nil {
		return domain.CycleSettings{}, notFound(err, "committee", committee)
	}
	return settingsFrom(r.CycleSettings)
}

func settingsFrom(raw []byte) (domain.CycleSettings, error) {
	out := domain.DefaultCycleSettings
	if len(raw) == 0 {
		return out, nil
	}
	var set domain.CycleSettings
	if err := json.Unmarshal(raw, &set); err != nil {
		return out, err
	}
	if set.AgendaDays > 0 {
		out.AgendaDays = set.AgendaDays
	}
	if set.AttendanceDays > 0 {
		out.AttendanceDays = set.AttendanceDays
	}
	if set.ReportEveryMonths > 0 {
		out.ReportEveryMonths = set.ReportEveryMonths
	}
	if set.ReportDays > 0 {
		out.ReportDays = set.ReportDays
	}
	return out, nil
}

// Audience is who a process's notification goes to: the people of some
// departments, or a committee's office or conveners.
type Audience struct {
	Departments []domain.Code
	Users       []string // usernames
	Committee   domain.Code
	Role        string // "office" or "convener", with Committee
}

// NotifyOnce puts a notification in the in-app centre of everyone in the
// audience, once per person and key, however often it is asked.
func (s *Store) NotifyOnce(ctx context.Context, to Audience, key string, n domain.Notification) error {
	var ids []int64
	if len(to.Departments) > 0 {
		rows, err := s.q.DepartmentRecipients(ctx, to.Departments)
		if err != nil {
			return err
		}
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
	}
	if len(to.Users) > 0 {
		found, err := s.q.UserIDsByName(ctx, to.Users)
		if err != nil {
			return err
		}
		ids = append(ids, found...)
	}
	if to.Committee != "" {
		rows, err := s.q.CommitteeRecipients(ctx, sqlcgen.CommitteeRecipientsParams{Committee: to.Committee, Role: to.Role})
		if err != nil {
			return err
		}
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
	}
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		for _, id := range ids {
			if _, err := q.InsertKeyedNotification(ctx, sqlcgen.InsertKeyedNotificationParams{UserID: id, Key: ntext(key), TaskID: pgInt8(n.TaskID),
				Subject: n.Subject, Body: n.Body, Link: n.Link, CreatedAt: tstz(n.CreatedAt)}); err != nil {
				return err
			}
		}
		return nil
	})
}
