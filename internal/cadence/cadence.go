// Package cadence decides what a committee's cadence calls for on a day:
// which meeting cycles are due to start by themselves, and which committees
// are short of their yearly minimum of sittings. It is pure: the answer
// depends only on the day, the working-day calendar, the committees'
// cadences and the cycles that exist, so the daily cadence run and the API
// agree, and tests need nothing but a calendar.
//
// The rules:
//
//   - A half-yearly committee meets for periods YYYYH1 (planned for June)
//     and YYYYH2 (planned for December); a yearly one for period YYYY
//     (planned for December); an as-needed one is never started by the
//     cadence.
//   - A period's cycle is due from the day its agenda call opens — the
//     AgendaLeadDays-th working day before the first day of the planned
//     month (the first day itself when the lead is 0) — up to and including
//     the last day of the planned month, unless a cycle (in any phase,
//     cancelled too) exists for it. After that month the period is past and
//     is left to the office.
//   - A committee with MinPerYear ≥ 1 whose calendar year has fewer
//     non-cancelled cycles than that (special sittings count; the periods
//     starting that day count too) is warned from the WarningLeadDays-th
//     working day before 1 January of the next year to 31 December.
package cadence

import (
	"slices"
	"strconv"
	"time"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
)

// Committee is what the rules read of a committee.
type Committee struct {
	Code           domain.Code    `json:"code"`
	Cadence        domain.Cadence `json:"cadence"`
	MinPerYear     int            `json:"min_per_year"`
	AgendaLeadDays int            `json:"agenda_lead_days"`
}

// Cycle is what the rules read of an existing cycle.
type Cycle struct {
	Committee domain.Code   `json:"committee"`
	Period    domain.Period `json:"period"`
	Phase     domain.Phase  `json:"phase"`
}

// Rules are the spans that are not a committee's own.
type Rules struct {
	// WarningLeadDays: the yearly-minimum warning opens this many working
	// days before 1 January of the next year.
	WarningLeadDays int
}

// DefaultWarningLeadDays is 40 working days, about eight weeks: time
// enough for an agenda call (ten working days by default), the agenda's
// approval and the notice before the year ends. In 2026 the warning opens
// on Friday 6 November.
const DefaultWarningLeadDays = 40

// DefaultRules are the rules the daily run and the API use.
var DefaultRules = Rules{WarningLeadDays: DefaultWarningLeadDays}

// Start is a cycle due to start.
type Start struct {
	Committee    domain.Code   `json:"committee"`
	Period       domain.Period `json:"period"`
	PlannedMonth string        `json:"planned_meeting_month"`
	Opens        calendar.Date `json:"opens,omitzero"` // the first day it was due
}

// Warning is a committee short of its yearly minimum.
type Warning struct {
	Committee domain.Code `json:"committee"`
	Year      int         `json:"year"`
	Held      int         `json:"held"` // non-cancelled cycles of the year
	Min       int         `json:"min"`
}

// Key is the warning's notification key: one per committee and year.
func (w Warning) Key() string {
	return "cadence-warning:" + w.Committee + ":" + strconv.Itoa(w.Year)
}

// Plan is what a day calls for.
type Plan struct {
	Starts   []Start   `json:"starts"`
	Warnings []Warning `json:"warnings"`
}

// Periods returns the periods a cadence meets for in a year, in order.
func Periods(c domain.Cadence, year int) []domain.Period {
	y := strconv.Itoa(year)
	switch c {
	case domain.CadenceHalfYearly:
		return []domain.Period{domain.Period(y + "H1"), domain.Period(y + "H2")}
	case domain.CadenceYearly:
		return []domain.Period{domain.Period(y)}
	}
	return nil
}

// maxLookBack bounds the walk back over days off: with lead ≤ 120 working
// days (the database's limit) even a calendar with months of day-off
// overrides is covered.
const maxLookBack = 1000

// WorkingDaysBefore returns the lead-th working day before day (day itself
// when lead ≤ 0): the day from which exactly lead working days remain
// before day.
func WorkingDaysBefore(cal *calendar.Calendar, day calendar.Date, lead int) calendar.Date {
	d := day
	for range maxLookBack {
		if lead <= 0 {
			return d
		}
		d = d.AddDays(-1)
		if cal.IsWorkingDay(d) {
			lead--
		}
	}
	return d
}

// Window returns the days a period's cycle is due on: from opens to closes,
// both included. ok is false for a period the cadence does not start (a
// special sitting).
func Window(cal *calendar.Calendar, p domain.Period, lead int) (opens, closes calendar.Date, ok bool) {
	if !p.Valid() || p.Special() {
		return calendar.Date{}, calendar.Date{}, false
	}
	m, err := time.Parse("2006-01", p.DefaultMonth())
	if err != nil {
		return calendar.Date{}, calendar.Date{}, false
	}
	first := calendar.Date{Year: m.Year(), Month: m.Month(), Day: 1}
	last := calendar.Date{Year: m.Year(), Month: m.Month() + 1, Day: 1}.AddDays(-1)
	return WorkingDaysBefore(cal, first, lead), last, true
}

// WarningOpens is the first day of a year's minimum warning.
func WarningOpens(cal *calendar.Calendar, r Rules, year int) calendar.Date {
	return WorkingDaysBefore(cal, calendar.Date{Year: year + 1, Month: time.January, Day: 1}, r.WarningLeadDays)
}

// YearStatus is how a committee's calendar year stands against its
// minimum.
type YearStatus struct {
	Year        int           `json:"year"`
	Held        int           `json:"held"`
	Min         int           `json:"min_per_year"`
	Short       bool          `json:"short"` // fewer non-cancelled cycles than the minimum
	WarningFrom calendar.Date `json:"warning_from"`
	Warning     bool          `json:"warning"` // short, and the warning span has begun
}

// Status returns how the year of today stands for a committee, counting
// its non-cancelled cycles of that year among cycles.
func Status(cal *calendar.Calendar, r Rules, today calendar.Date, c Committee, cycles []Cycle) YearStatus {
	st := YearStatus{Year: today.Year, Min: c.MinPerYear, WarningFrom: WarningOpens(cal, r, today.Year)}
	for _, cy := range cycles {
		if cy.Committee == c.Code && cy.Phase != domain.PhaseCancelled && cy.Period.Valid() && cy.Period.Year() == today.Year {
			st.Held++
		}
	}
	st.Short = st.Held < c.MinPerYear
	st.Warning = st.Short && !today.Before(st.WarningFrom)
	return st
}

// Decide returns what today calls for: the cycles due to start, in
// committee order then period order, and the warnings due.
func Decide(cal *calendar.Calendar, r Rules, today calendar.Date, committees []Committee, cycles []Cycle) Plan {
	exists := map[string]bool{}
	for _, cy := range cycles {
		exists[domain.CycleID(cy.Committee, cy.Period)] = true
	}
	plan := Plan{Starts: []Start{}, Warnings: []Warning{}}
	for _, c := range committees {
		var starting []Cycle
		// A long lead can open next year's first period before this year
		// ends; no window reaches back into the previous year.
		for _, year := range []int{today.Year, today.Year + 1} {
			for _, p := range Periods(c.Cadence, year) {
				opens, closes, ok := Window(cal, p, c.AgendaLeadDays)
				if !ok || today.Before(opens) || today.After(closes) || exists[domain.CycleID(c.Code, p)] {
					continue
				}
				plan.Starts = append(plan.Starts, Start{Committee: c.Code, Period: p, PlannedMonth: p.DefaultMonth(), Opens: opens})
				starting = append(starting, Cycle{Committee: c.Code, Period: p, Phase: domain.PhaseAgendaCall})
			}
		}
		if c.MinPerYear < 1 {
			continue
		}
		if st := Status(cal, r, today, c, slices.Concat(cycles, starting)); st.Warning {
			plan.Warnings = append(plan.Warnings, Warning{Committee: c.Code, Year: st.Year, Held: st.Held, Min: st.Min})
		}
	}
	return plan
}

// MaxAgendaLeadDays is the longest lead the office may set (the database
// holds the same bound).
const MaxAgendaLeadDays = 120

// Settings are a committee's cadence as its office sets it: how often it
// meets, its yearly minimum, how many working days before the planned month
// the agenda call opens, and the working-day spans of its cycles (nil: the
// defaults).
type Settings struct {
	Cadence        domain.Cadence        `json:"cadence"`
	MinPerYear     int                   `json:"min_per_year"`
	AgendaLeadDays int                   `json:"agenda_lead_days"`
	Cycle          *domain.CycleSettings `json:"settings,omitempty"`
}

// Validate checks every field, naming each wrong one ("settings.agenda_days"
// for a cycle span).
func (s Settings) Validate() error {
	var v domain.Validation
	v.Check(s.Cadence.Valid(), "cadence", "validation.one_of", map[string]any{"values": "half-yearly, yearly, as-needed"})
	v.Check(s.MinPerYear >= 0 && s.MinPerYear <= 12, "min_per_year", "validation.range", map[string]any{"min": 0, "max": 12})
	v.Check(s.AgendaLeadDays >= 0 && s.AgendaLeadDays <= MaxAgendaLeadDays, "agenda_lead_days", "validation.range",
		map[string]any{"min": 0, "max": MaxAgendaLeadDays})
	if s.Cycle != nil {
		if err := s.Cycle.Validate(); err != nil {
			for _, f := range domain.AsError(err).Fields {
				v.Add("settings."+f.Field, f.Key, f.Params)
			}
		}
	}
	return v.Err()
}
