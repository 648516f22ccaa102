package cadence

import (
	"slices"
	"testing"
	"time"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
)

func newCalendar(t *testing.T, overrides ...calendar.Override) *calendar.Calendar {
	t.Helper()
	cal, err := calendar.New(calendar.Options{Overrides: overrides})
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func d(y int, m time.Month, day int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: day} }

// starts lists a plan's starts as "committee:period".
func starts(p Plan) []string {
	out := []string{}
	for _, s := range p.Starts {
		out = append(out, s.Committee+":"+string(s.Period))
	}
	return out
}

var (
	science    = Committee{Code: "science", Cadence: domain.CadenceHalfYearly, AgendaLeadDays: 20}
	product    = Committee{Code: "product", Cadence: domain.CadenceAsNeeded, AgendaLeadDays: 20}
	management = Committee{Code: "management", Cadence: domain.CadenceHalfYearly, MinPerYear: 1, AgendaLeadDays: 20}
)

func TestAgendaCallOpensLeadWorkingDaysBeforeThePlannedMonth(t *testing.T) {
	cal := newCalendar(t)
	for _, c := range []struct {
		name  string
		month calendar.Date
		lead  int
		want  calendar.Date
	}{
		// May 2026 has 19 working days after the Labour Day holiday
		// (1–5 May off, Saturday 9 May worked): the 20th lies before it.
		{"over the May Day holiday", d(2026, 6, 1), 20, d(2026, 4, 30)},
		{"just after the May Day holiday", d(2026, 6, 1), 19, d(2026, 5, 6)},
		{"the make-up Saturday counts", d(2026, 6, 1), 16, d(2026, 5, 9)},
		{"second half", d(2026, 12, 1), 20, d(2026, 11, 3)},
		// 25–27 September (Mid-Autumn) are off.
		{"over Mid-Autumn", d(2026, 10, 1), 5, d(2026, 9, 23)},
		{"no lead: the first of the month", d(2026, 6, 1), 0, d(2026, 6, 1)},
		{"no lead on a holiday: still the first", d(2026, 10, 1), 0, d(2026, 10, 1)},
		{"a long lead reaches into the year before", d(2027, 6, 1), 120, d(2026, 12, 3)},
	} {
		if got := WorkingDaysBefore(cal, c.month, c.lead); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	// An administrator's day off pushes the opening one working day back.
	cal = newCalendar(t, calendar.Override{Date: d(2026, 11, 20), Working: false, Note: "市级活动"})
	if got := WorkingDaysBefore(cal, d(2026, 12, 1), 20); got != d(2026, 11, 2) {
		t.Errorf("with a day off: %s", got)
	}
}

func TestHalfYearlyStartsFromTheOpeningToTheEndOfThePlannedMonth(t *testing.T) {
	cal := newCalendar(t)
	for _, c := range []struct {
		day  calendar.Date
		want []string
	}{
		{d(2026, 1, 5), []string{}},
		{d(2026, 4, 29), []string{}},
		{d(2026, 4, 30), []string{"science:2026H1"}},
		{d(2026, 5, 2), []string{"science:2026H1"}}, // a holiday of a run that missed its day
		{d(2026, 6, 30), []string{"science:2026H1"}},
		{d(2026, 7, 1), []string{}}, // June has passed: left to the office
		{d(2026, 11, 2), []string{}},
		{d(2026, 11, 3), []string{"science:2026H2"}},
		{d(2026, 12, 31), []string{"science:2026H2"}},
		{d(2027, 1, 1), []string{}},
	} {
		p := Decide(cal, DefaultRules, c.day, []Committee{science}, nil)
		if got := starts(p); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.day, got, c.want)
		}
		for _, s := range p.Starts {
			if want := map[domain.Period]string{"2026H1": "2026-06", "2026H2": "2026-12"}[s.Period]; s.PlannedMonth != want {
				t.Errorf("%s planned for %s", s.Period, s.PlannedMonth)
			}
		}
	}
}

func TestAnExistingCycleIsNeverStartedAgain(t *testing.T) {
	cal := newCalendar(t)
	for _, phase := range []domain.Phase{domain.PhaseAgendaCall, domain.PhaseClosed, domain.PhaseCancelled} {
		p := Decide(cal, DefaultRules, d(2026, 5, 20), []Committee{science}, []Cycle{{Committee: "science", Period: "2026H1", Phase: phase}})
		if len(p.Starts) != 0 {
			t.Errorf("%s cycle started again: %v", phase, starts(p))
		}
	}
	// Another committee's cycle of the period does not count.
	p := Decide(cal, DefaultRules, d(2026, 5, 20), []Committee{science}, []Cycle{{Committee: "culture", Period: "2026H1", Phase: domain.PhaseClosed}})
	if got := starts(p); !slices.Equal(got, []string{"science:2026H1"}) {
		t.Errorf("culture's cycle stopped science's: %v", got)
	}
}

func TestYearlyAndAsNeeded(t *testing.T) {
	cal := newCalendar(t)
	yearly := Committee{Code: "culture", Cadence: domain.CadenceYearly, AgendaLeadDays: 20}
	if p := Decide(cal, DefaultRules, d(2026, 6, 1), []Committee{yearly}, nil); len(p.Starts) != 0 {
		t.Errorf("yearly started in June: %v", starts(p))
	}
	p := Decide(cal, DefaultRules, d(2026, 11, 3), []Committee{yearly}, nil)
	if got := starts(p); !slices.Equal(got, []string{"culture:2026"}) || p.Starts[0].PlannedMonth != "2026-12" {
		t.Errorf("yearly: %+v", p.Starts)
	}
	// The product meeting sits as needed: the cadence never starts it, on
	// any day of the year.
	for day := d(2026, 1, 1); day.Year == 2026; day = day.AddDays(1) {
		if p := Decide(cal, DefaultRules, day, []Committee{product}, nil); len(p.Starts)+len(p.Warnings) != 0 {
			t.Fatalf("%s: product %+v", day, p)
		}
	}
}

func TestALongLeadOpensNextYearsFirstHalfInDecember(t *testing.T) {
	cal := newCalendar(t)
	c := science
	c.AgendaLeadDays = 120
	if got := starts(Decide(cal, DefaultRules, d(2026, 12, 2), []Committee{c}, []Cycle{{Committee: "science", Period: "2026H2", Phase: domain.PhaseClosed}})); len(got) != 0 {
		t.Errorf("2 December: %v", got)
	}
	got := starts(Decide(cal, DefaultRules, d(2026, 12, 3), []Committee{c}, []Cycle{{Committee: "science", Period: "2026H2", Phase: domain.PhaseClosed}}))
	if !slices.Equal(got, []string{"science:2027H1"}) {
		t.Errorf("3 December: %v", got)
	}
}

func TestMinimumPerYearWarning(t *testing.T) {
	cal := newCalendar(t)
	asNeeded := management
	asNeeded.Cadence = domain.CadenceAsNeeded
	if got := WarningOpens(cal, DefaultRules, 2026); got != d(2026, 11, 6) {
		t.Fatalf("warning opens %s", got)
	}
	// As needed and nothing held: from 6 November to 31 December, with the
	// same key every day, so the office is told once; on 4 January 2027 the
	// new year is not yet in its span.
	for _, c := range []struct {
		day  calendar.Date
		warn bool
	}{{d(2026, 6, 30), false}, {d(2026, 11, 5), false}, {d(2026, 11, 6), true}, {d(2026, 12, 31), true}, {d(2027, 1, 4), false}} {
		p := Decide(cal, DefaultRules, c.day, []Committee{asNeeded}, nil)
		if (len(p.Warnings) == 1) != c.warn {
			t.Fatalf("%s: warnings %+v", c.day, p.Warnings)
		}
		if c.warn {
			w := p.Warnings[0]
			if w.Key() != "cadence-warning:management:2026" || w.Year != 2026 || w.Held != 0 || w.Min != 1 {
				t.Errorf("%s: %+v key %s", c.day, w, w.Key())
			}
		}
	}
	// Any non-cancelled cycle of the year counts, a special sitting too.
	for _, cy := range []Cycle{
		{Committee: "management", Period: "2026-reform-review", Phase: domain.PhaseClosed},
		{Committee: "management", Period: "2026H1", Phase: domain.PhaseFollowUp},
	} {
		if p := Decide(cal, DefaultRules, d(2026, 11, 27), []Committee{asNeeded}, []Cycle{cy}); len(p.Warnings) != 0 {
			t.Errorf("%s held, still warned: %+v", cy.Period, p.Warnings)
		}
	}
	// A cancelled one does not; nor does last year's.
	for _, cy := range []Cycle{
		{Committee: "management", Period: "2026H1", Phase: domain.PhaseCancelled},
		{Committee: "management", Period: "2025H2", Phase: domain.PhaseClosed},
		{Committee: "culture", Period: "2026H1", Phase: domain.PhaseClosed},
	} {
		if p := Decide(cal, DefaultRules, d(2026, 11, 27), []Committee{asNeeded}, []Cycle{cy}); len(p.Warnings) != 1 {
			t.Errorf("%s:%s counted: %+v", cy.Committee, cy.Period, p.Warnings)
		}
	}

	// Half-yearly management: the second half's cycle starting the same
	// day counts, so there is no warning while it starts...
	p := Decide(cal, DefaultRules, d(2026, 11, 27), []Committee{management}, nil)
	if got := starts(p); !slices.Equal(got, []string{"management:2026H2"}) || len(p.Warnings) != 0 {
		t.Errorf("starting H2: %v %+v", got, p.Warnings)
	}
	// ...but when it was cancelled, the year is short.
	p = Decide(cal, DefaultRules, d(2026, 11, 27), []Committee{management}, []Cycle{{Committee: "management", Period: "2026H2", Phase: domain.PhaseCancelled}})
	if len(p.Starts) != 0 || len(p.Warnings) != 1 || p.Warnings[0].Key() != "cadence-warning:management:2026" {
		t.Errorf("cancelled H2: %+v", p)
	}
	// A minimum of two needs two.
	two := asNeeded
	two.MinPerYear = 2
	if p := Decide(cal, DefaultRules, d(2026, 12, 1), []Committee{two}, []Cycle{{Committee: "management", Period: "2026H1", Phase: domain.PhaseClosed}}); len(p.Warnings) != 1 || p.Warnings[0].Held != 1 {
		t.Errorf("one of two: %+v", p.Warnings)
	}
	// A committee without a minimum is never warned.
	if p := Decide(cal, DefaultRules, d(2026, 12, 31), []Committee{product, science}, []Cycle{{Committee: "science", Period: "2026H2", Phase: domain.PhaseCancelled}}); len(p.Warnings) != 0 {
		t.Errorf("no minimum, warned: %+v", p.Warnings)
	}
	// The span is a rule: a shorter lead opens it later.
	if got := WarningOpens(cal, Rules{WarningLeadDays: 10}, 2026); got != d(2026, 12, 18) {
		t.Errorf("10 working days before the year's end: %s", got)
	}
}

func TestStatusAgreesWithTheWarning(t *testing.T) {
	cal := newCalendar(t)
	st := Status(cal, DefaultRules, d(2026, 11, 27), management, []Cycle{{Committee: "management", Period: "2026H1", Phase: domain.PhaseCancelled}})
	if st.Year != 2026 || st.Held != 0 || st.Min != 1 || !st.Short || !st.Warning || st.WarningFrom != d(2026, 11, 6) {
		t.Errorf("status %+v", st)
	}
	st = Status(cal, DefaultRules, d(2026, 10, 9), management, nil)
	if !st.Short || st.Warning {
		t.Errorf("October: %+v", st)
	}
	if st := Status(cal, DefaultRules, d(2026, 12, 1), product, nil); st.Short || st.Warning {
		t.Errorf("product: %+v", st)
	}
}

func TestEveryCommitteeInOnePlanInOrder(t *testing.T) {
	cal := newCalendar(t)
	culture := Committee{Code: "culture", Cadence: domain.CadenceHalfYearly, AgendaLeadDays: 10}
	asNeeded := management
	asNeeded.Cadence = domain.CadenceAsNeeded
	p := Decide(cal, DefaultRules, d(2026, 11, 27), []Committee{science, product, culture, asNeeded}, nil)
	if got := starts(p); !slices.Equal(got, []string{"science:2026H2", "culture:2026H2"}) {
		t.Errorf("starts %v", got)
	}
	if len(p.Warnings) != 1 || p.Warnings[0].Committee != "management" {
		t.Errorf("warnings %+v", p.Warnings)
	}
	if p.Starts[1].Opens != d(2026, 11, 17) {
		t.Errorf("culture (10 working days) opens %s", p.Starts[1].Opens)
	}
}
