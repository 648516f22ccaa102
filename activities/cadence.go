package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/temporal"

	"lianxi/internal/cadence"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/postgres"
)

// CadenceStore is what the cadence activities need of storage.
type CadenceStore interface {
	Calendar(ctx context.Context) (*calendar.Calendar, error)
	Cadences(ctx context.Context) ([]cadence.Committee, error)
	CadenceCycles(ctx context.Context, committee string, years ...int) ([]cadence.Cycle, error)
	GetCommittee(ctx context.Context, code string) (domain.Committee, error)
	NotifyOnce(ctx context.Context, to postgres.Audience, key string, n domain.Notification) error
}

// Cadence holds the daily cadence run's dependencies: storage, the starter
// of a cycle as the system (the meeting service's StartByCadence, so a
// cycle starts the same way whoever starts it; a cycle already started is
// ok == false, not an error), the rules and the clock.
type Cadence struct {
	Store      CadenceStore
	StartCycle func(ctx context.Context, committee domain.Code, in domain.NewCycle) (ok bool, err error)
	Rules      cadence.Rules // zero: cadence.DefaultRules
	Now        func() time.Time
}

// PlanCadenceInput is the day a cadence run plans for.
type PlanCadenceInput struct {
	Day time.Time `json:"day"`
}

// PlanCadence decides, for the day, the cycles due to start and the
// warnings due, from every committee's cadence and its cycles of the year
// and the next. It only reads.
func (c *Cadence) PlanCadence(ctx context.Context, in PlanCadenceInput) (cadence.Plan, error) {
	cal, err := c.Store.Calendar(ctx)
	if err != nil {
		return cadence.Plan{}, err
	}
	committees, err := c.Store.Cadences(ctx)
	if err != nil {
		return cadence.Plan{}, err
	}
	today := calendar.DateOf(in.Day)
	var cycles []cadence.Cycle
	for _, cm := range committees {
		cs, err := c.Store.CadenceCycles(ctx, cm.Code, today.Year, today.Year+1)
		if err != nil {
			return cadence.Plan{}, err
		}
		cycles = append(cycles, cs...)
	}
	return cadence.Decide(cal, c.rules(), today, committees, cycles), nil
}

func (c *Cadence) rules() cadence.Rules {
	if c.Rules == (cadence.Rules{}) {
		return cadence.DefaultRules
	}
	return c.Rules
}

// StartCadenceCycle starts a cycle the cadence calls for, as the system.
// It reports whether it started it now: false when it was started before
// (by the office, or by an earlier attempt of this activity).
func (c *Cadence) StartCadenceCycle(ctx context.Context, s cadence.Start) (bool, error) {
	ok, err := c.StartCycle(ctx, s.Committee, domain.NewCycle{Period: s.Period, PlannedMonth: s.PlannedMonth})
	if k := domain.KindOf(err); k == domain.KindInvalid || k == domain.KindNotFound {
		// Retrying cannot help (a committee removed meanwhile): fail now.
		return false, temporal.NewNonRetryableApplicationError(err.Error(), "cadence.refused", err)
	}
	return ok, err
}

// SendCadenceWarning tells a committee's office that its year is short of
// its minimum of sittings, once per person and year, however often it is
// asked.
func (c *Cadence) SendCadenceWarning(ctx context.Context, w cadence.Warning) error {
	cm, err := c.Store.GetCommittee(ctx, w.Committee)
	if err != nil {
		return err
	}
	params := map[string]any{"committee": cm.NameZH, "year": w.Year, "held": w.Held, "min": w.Min}
	n := domain.Notification{CreatedAt: c.Now(), Link: "/committees/" + w.Committee,
		Subject: i18n.T(i18n.ZH, "notify.cadence_warning.subject", params), Body: i18n.T(i18n.ZH, "notify.cadence_warning.body", params)}
	return c.Store.NotifyOnce(ctx, postgres.Audience{Committee: w.Committee, Role: string(domain.RoleOffice)}, w.Key(), n)
}
