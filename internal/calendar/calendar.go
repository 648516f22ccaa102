package calendar

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// DefaultDayEnd is when a working day's deadline falls if Options.DayEnd is
// zero: 17:30, when municipal offices close.
const DefaultDayEnd = 17*time.Hour + 30*time.Minute

// MaxWorkingDays is the largest n [Calendar.Deadline] honours; a larger n is
// clamped to it. Meeting tasks are given days or weeks, so a year of working
// days is already far beyond any real deadline, and the clamp keeps every
// deadline computation bounded.
const MaxWorkingDays = 365

// The kinds [Calendar.Why] returns.
const (
	KindWeekend    = "weekend"
	KindHoliday    = "holiday"             // a statutory holiday; the name is the festival, e.g. 春节
	KindMakeUp     = "make-up working day" // 调休: a Saturday or Sunday worked in exchange for a holiday
	KindOverride   = "override"            // an administrator's override; the name is its note
	KindWorkingDay = "working day"
)

// Errors [New] wraps, for errors.Is.
var (
	ErrInvalidDayEnd       = errors.New("calendar: DayEnd must be within (0, 24h)")
	ErrInvalidOverrideDate = errors.New("calendar: override date is not a real day")
	ErrDuplicateOverride   = errors.New("calendar: more than one override for a date")
)

// Override makes one date a working day or a day off, with a note shown to
// users (e.g. "2028年元旦" or "市级防汛放假"). It wins over the library and the
// weekend rule.
type Override struct {
	Date    Date
	Working bool
	Note    string
}

// Options configures a [Calendar].
type Options struct {
	// DayEnd is the offset from midnight (Asia/Shanghai) at which a working
	// day's deadline falls. Zero means DefaultDayEnd (17:30).
	DayEnd time.Duration
	// Overrides are per-date corrections; at most one per date.
	Overrides []Override
}

// Calendar answers working-day questions. It is immutable once built, so it
// is safe for concurrent use; to change overrides, build a new one.
type Calendar struct {
	dayEnd    time.Duration
	lib       *library
	overrides map[int64]Override
	// offOverrides counts overrides that make a day off: each can push a
	// deadline further out, so they widen Deadline's search bound.
	offOverrides  int
	overrideYears map[int]bool

	// excDays are the days (sorted day numbers) on which the library or an
	// override makes the working status differ from the plain Monday–Friday
	// rule, and excCum[i] is the sum of their corrections (+1 for a worked
	// weekend day, −1 for a weekday off) over excDays[:i]. With them,
	// counting working days over any span is arithmetic plus two binary
	// searches, however far apart the dates are.
	excDays []int64
	excCum  []int
}

// New builds a Calendar. It fails if DayEnd is negative or 24h or more, if
// an override's date is not a real day, or if two overrides name the same
// date (rather than letting one silently win over the other).
func New(opts Options) (*Calendar, error) {
	var errs []error
	dayEnd := opts.DayEnd
	if dayEnd == 0 {
		dayEnd = DefaultDayEnd
	}
	if dayEnd <= 0 || dayEnd >= 24*time.Hour {
		errs = append(errs, fmt.Errorf("%w: got %v", ErrInvalidDayEnd, opts.DayEnd))
	}

	c := &Calendar{
		dayEnd:        dayEnd,
		lib:           loadLibrary(),
		overrides:     make(map[int64]Override, len(opts.Overrides)),
		overrideYears: make(map[int]bool),
	}
	for _, o := range opts.Overrides {
		if !o.Date.Valid() {
			errs = append(errs, fmt.Errorf("%w: %d-%d-%d", ErrInvalidOverrideDate, o.Date.Year, int(o.Date.Month), o.Date.Day))
			continue
		}
		k := o.Date.dayNum()
		if _, dup := c.overrides[k]; dup {
			errs = append(errs, fmt.Errorf("%w: %s", ErrDuplicateOverride, o.Date))
			continue
		}
		c.overrides[k] = o
		c.overrideYears[o.Date.Year] = true
		if !o.Working {
			c.offOverrides++
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	days := make([]int64, 0, len(c.lib.days)+len(c.overrides))
	for k := range c.lib.days {
		days = append(days, k)
	}
	for k := range c.overrides {
		if _, inLib := c.lib.days[k]; !inLib {
			days = append(days, k)
		}
	}
	slices.Sort(days)
	c.excCum = []int{0}
	for _, k := range days {
		if d := b2i(c.isWorking(k)) - b2i(!isWeekend(k)); d != 0 {
			c.excDays = append(c.excDays, k)
			c.excCum = append(c.excCum, c.excCum[len(c.excCum)-1]+d)
		}
	}
	return c, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DayEnd returns the offset from midnight at which deadlines fall.
func (c *Calendar) DayEnd() time.Duration { return c.dayEnd }

// IsWorkingDay reports whether d is a working day.
func (c *Calendar) IsWorkingDay(d Date) bool { return c.isWorking(d.dayNum()) }

// isWorking applies, in order of precedence: overrides, the library's
// holidays and make-up days, the weekend.
func (c *Calendar) isWorking(k int64) bool {
	if o, ok := c.overrides[k]; ok {
		return o.Working
	}
	if h, ok := c.lib.days[k]; ok {
		return h.work
	}
	return !isWeekend(k)
}

// Why returns what makes d what it is, for the UI: [KindOverride] with the
// override's note, [KindHoliday] with the holiday's name (e.g. 春节, 国庆节;
// a weekend inside a holiday block is reported as the holiday),
// [KindMakeUp] (调休) with the name of the holiday it makes up for,
// [KindWeekend] or [KindWorkingDay] with an empty name.
func (c *Calendar) Why(d Date) (kind string, name string) {
	k := d.dayNum()
	if o, ok := c.overrides[k]; ok {
		return KindOverride, o.Note
	}
	if h, ok := c.lib.days[k]; ok {
		if !h.work {
			return KindHoliday, h.name
		}
		// lunar-go also marks a few ordinary weekdays as 调休 (2012-05-02,
		// 2012-10-08); nothing is made up on those, so they fall through to
		// "working day".
		if isWeekend(k) {
			return KindMakeUp, h.name
		}
	}
	if isWeekend(k) {
		return KindWeekend, ""
	}
	return KindWorkingDay, ""
}

// end returns the deadline instant of day number k.
func (c *Calendar) end(k int64) time.Time { return midnight(k).Add(c.dayEnd) }

// Deadline returns the end (DayEnd, Asia/Shanghai) of the n-th working day
// after the day of from: "within n working days". The day of from itself is
// not counted, whatever the time, so a task issued on a Friday afternoon with
// n == 1 is due at the end of the next working day.
//
// n == 0 means "today": the end of from's own day if it is a working day and
// its DayEnd has not passed (from at exactly DayEnd still counts), else the
// end of the next working day. A negative n is treated as 0 and an n above
// [MaxWorkingDays] as MaxWorkingDays, so Deadline never panics and always
// returns a working day's end.
func (c *Calendar) Deadline(from time.Time, n int) time.Time {
	n = min(max(n, 0), MaxWorkingDays)
	start := dayOf(from)
	if n == 0 {
		if c.isWorking(start) && !from.After(c.end(start)) {
			return c.end(start)
		}
		n = 1
	}
	// Without day-off overrides, any 3n+60 consecutive days hold at least n
	// working days (weekends take 2 days in 7, and no statutory holiday block
	// is longer than 9 days), and each day-off override can take away at most
	// one working day; so the loop below always finds the n-th working day.
	// The bound only exists so that no input can make it spin.
	limit := 3*(n+c.offOverrides) + 60
	k := start
	for range limit {
		k++
		if c.isWorking(k) {
			n--
			if n == 0 {
				return c.end(k)
			}
		}
	}
	// Unreachable by the argument above; the last day looked at is the least
	// wrong answer if the argument were ever broken.
	return c.end(k)
}

// WorkingDaysUntil counts the working days strictly after the day of now up
// to and including the day of due; it is 0 when due is today or in the past.
// For n ≥ 1, WorkingDaysUntil(from, Deadline(from, n)) == n, so reminders
// ("due within 3 working days") agree with how deadlines are set.
func (c *Calendar) WorkingDaysUntil(now, due time.Time) int {
	return c.countWorking(dayOf(now)+1, dayOf(due))
}

// WorkingDaysOverdue counts the working days after the day of due up to and
// including the day of now, once now is past due (0 otherwise). A task due at
// 17:30 and still open at 20:00 the same day is past due but 0 working days
// overdue; escalation ("overdue by 1, 3, 5 working days") starts the next
// working day.
func (c *Calendar) WorkingDaysOverdue(now, due time.Time) int {
	if !now.After(due) {
		return 0
	}
	return c.countWorking(dayOf(due)+1, dayOf(now))
}

// countWorking returns the number of working days among day numbers a..b
// inclusive (0 if b < a), in time independent of b−a.
func (c *Calendar) countWorking(a, b int64) int {
	if b < a {
		return 0
	}
	i, _ := slices.BinarySearch(c.excDays, a)
	j, _ := slices.BinarySearch(c.excDays, b+1)
	return int(weekdaysBefore(b+1)-weekdaysBefore(a)) + c.excCum[j] - c.excCum[i]
}

// weekdaysBefore returns the number of Mondays–Fridays among day numbers
// [m, k) for a fixed Monday m (any fixed origin works, since only differences
// are used). Day number k is (k+3) mod 7 days after a Monday, 1970-01-01
// being a Thursday.
func weekdaysBefore(k int64) int64 {
	x := k + 3
	return 5*floorDiv(x, 7) + min(floorMod(x, 7), 5)
}

// HasHolidayData reports whether lunar-go's data includes the statutory
// holiday schedule of year (v1.4.7: 2002 through 2027). For a year without it,
// only weekends and overrides apply, so the admin UI should warn about such a
// year until it has overrides (see [Calendar.HasOverrides]).
func (c *Calendar) HasHolidayData(year int) bool { return c.lib.years[year] }

// KnownYears returns, in ascending order, the years [Calendar.HasHolidayData]
// reports true for.
func (c *Calendar) KnownYears() []int { return slices.Clone(c.lib.known) }

// HasOverrides reports whether any override falls in year.
func (c *Calendar) HasOverrides(year int) bool { return c.overrideYears[year] }
