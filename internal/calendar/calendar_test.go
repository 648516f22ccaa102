package calendar

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/quick"
	"time"
)

func mustNew(t testing.TB, opts Options) *Calendar {
	t.Helper()
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func day(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// endOf is the expected deadline instant, written out independently of the
// package's own arithmetic.
func endOf(s string, hour, min int) time.Time {
	d := day(s)
	return time.Date(d.Year, d.Month, d.Day, hour, min, 0, 0, time.FixedZone("", 8*3600))
}

func checkDeadline(t *testing.T, c *Calendar, from time.Time, n int, want time.Time) {
	t.Helper()
	got := c.Deadline(from, n)
	if !got.Equal(want) {
		t.Errorf("Deadline(%s, %d) = %s, want %s", from.Format(time.RFC3339), n, got.Format(time.RFC3339), want.Format(time.RFC3339))
	}
	if _, off := got.Zone(); off != 8*3600 {
		t.Errorf("Deadline(%s, %d) is in offset %d, want +08:00", from.Format(time.RFC3339), n, off)
	}
}

func checkDays(t *testing.T, c *Calendar, working bool, kind, name string, dates ...string) {
	t.Helper()
	for _, s := range dates {
		d := day(s)
		if got := c.IsWorkingDay(d); got != working {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", s, got, working)
		}
		if k, n := c.Why(d); k != kind || n != name {
			t.Errorf("Why(%s) = %q, %q; want %q, %q", s, k, n, kind, name)
		}
	}
}

func TestLibraryCoverage(t *testing.T) {
	c := mustNew(t, Options{})
	var want []int
	for y := 2002; y <= 2027; y++ {
		want = append(want, y)
	}
	if got := c.KnownYears(); !slices.Equal(got, want) {
		t.Errorf("KnownYears() = %v, want %v", got, want)
	}
	for y, has := range map[int]bool{2000: false, 2001: false, 2002: true, 2025: true, 2026: true, 2027: true, 2028: false, 2100: false} {
		if got := c.HasHolidayData(y); got != has {
			t.Errorf("HasHolidayData(%d) = %v, want %v", y, got, has)
		}
	}
	// Outside the data only weekends count.
	checkDays(t, c, true, KindWorkingDay, "", "2028-01-03", "2028-10-02", "1999-10-01")
	checkDays(t, c, false, KindWeekend, "", "2028-01-01", "2028-01-30")
}

// TestSpringFestival2026 asserts 2026's 春节 schedule as lunar-go v1.4.7 has
// it (and as the State Council announced it): nine days off, Sunday 15 to
// Monday 23 February, worked on Saturdays 14 and 28 February.
func TestSpringFestival2026(t *testing.T) {
	c := mustNew(t, Options{})
	checkDays(t, c, false, KindHoliday, "春节",
		"2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19",
		"2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23")
	checkDays(t, c, true, KindMakeUp, "春节", "2026-02-14", "2026-02-28")
	for _, s := range []string{"2026-02-14", "2026-02-28"} {
		if wd := day(s).Weekday(); wd != time.Saturday {
			t.Errorf("%s is a %v, want a Saturday", s, wd)
		}
	}
	checkDays(t, c, true, KindWorkingDay, "", "2026-02-12", "2026-02-13", "2026-02-24", "2026-02-27")
	checkDays(t, c, false, KindWeekend, "", "2026-02-08", "2026-02-07", "2026-03-01")

	// Friday 13 February, the last weekday before the holiday: the first
	// working day after it is the make-up Saturday, then the holiday, then
	// Tuesday 24 and Wednesday 25.
	fri := day("2026-02-13").At(10, 0)
	checkDeadline(t, c, fri, 1, endOf("2026-02-14", 17, 30))
	checkDeadline(t, c, fri, 2, endOf("2026-02-24", 17, 30))
	checkDeadline(t, c, fri, 3, endOf("2026-02-25", 17, 30))
	if got := c.Deadline(fri, 3).Format(time.RFC3339); got != "2026-02-25T17:30:00+08:00" {
		t.Errorf("Deadline = %s", got)
	}
	// Thursday 12 February: 13, 14, then 24.
	checkDeadline(t, c, day("2026-02-12").At(9, 0), 3, endOf("2026-02-24", 17, 30))
	// Issued during the holiday: counting starts after it.
	checkDeadline(t, c, day("2026-02-17").At(11, 0), 1, endOf("2026-02-24", 17, 30))
	checkDeadline(t, c, day("2026-02-17").At(11, 0), 0, endOf("2026-02-24", 17, 30))
	// Ten working days from Friday 13: 14, 24, 25, 26, 27, 28, 2, 3, 4, 5 March.
	checkDeadline(t, c, fri, 10, endOf("2026-03-05", 17, 30))

	if got := c.WorkingDaysUntil(fri, c.Deadline(fri, 3)); got != 3 {
		t.Errorf("WorkingDaysUntil = %d, want 3", got)
	}
}

// TestNationalDay2026 asserts 2026's 国庆节 schedule from lunar-go: 1–7
// October off, worked on Sunday 20 September and Saturday 10 October; 中秋节
// is a separate block, Friday 25 to Sunday 27 September.
func TestNationalDay2026(t *testing.T) {
	c := mustNew(t, Options{})
	checkDays(t, c, false, KindHoliday, "国庆节",
		"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07")
	checkDays(t, c, true, KindMakeUp, "国庆节", "2026-09-20", "2026-10-10")
	if day("2026-09-20").Weekday() != time.Sunday || day("2026-10-10").Weekday() != time.Saturday {
		t.Error("make-up days are not on the expected weekend days")
	}
	checkDays(t, c, false, KindHoliday, "中秋节", "2026-09-25", "2026-09-26", "2026-09-27")
	checkDays(t, c, true, KindWorkingDay, "", "2026-09-24", "2026-09-28", "2026-09-30", "2026-10-08", "2026-10-09")
	checkDays(t, c, false, KindWeekend, "", "2026-09-19", "2026-10-11")

	// Wednesday 30 September: 8, 9, then the make-up Saturday 10 October.
	wed := day("2026-09-30").At(10, 0)
	checkDeadline(t, c, wed, 1, endOf("2026-10-08", 17, 30))
	checkDeadline(t, c, wed, 3, endOf("2026-10-10", 17, 30))
	checkDeadline(t, c, wed, 4, endOf("2026-10-12", 17, 30))
	if got := c.Deadline(wed, 3).Format(time.RFC3339); got != "2026-10-10T17:30:00+08:00" {
		t.Errorf("Deadline = %s", got)
	}
	// Friday 18 September: the next working day is the make-up Sunday.
	checkDeadline(t, c, day("2026-09-18").At(16, 0), 1, endOf("2026-09-20", 17, 30))
	// Thursday 24 September: the Mid-Autumn block comes first.
	checkDeadline(t, c, day("2026-09-24").At(16, 0), 1, endOf("2026-09-28", 17, 30))
	checkDeadline(t, c, day("2026-09-24").At(16, 0), 3, endOf("2026-09-30", 17, 30))
}

func TestNewYear2026(t *testing.T) {
	c := mustNew(t, Options{})
	checkDays(t, c, false, KindHoliday, "元旦节", "2026-01-01", "2026-01-02", "2026-01-03")
	checkDays(t, c, true, KindMakeUp, "元旦节", "2026-01-04")
	checkDeadline(t, c, day("2025-12-31").At(12, 0), 1, endOf("2026-01-04", 17, 30))
	checkDeadline(t, c, day("2025-12-31").At(12, 0), 2, endOf("2026-01-05", 17, 30))
}

func TestDeadlineToday(t *testing.T) {
	c := mustNew(t, Options{})
	tue := day("2026-03-03") // an ordinary Tuesday
	checkDeadline(t, c, tue.At(9, 0), 0, endOf("2026-03-03", 17, 30))
	checkDeadline(t, c, tue.At(17, 30), 0, endOf("2026-03-03", 17, 30)) // not yet passed
	checkDeadline(t, c, tue.At(17, 30).Add(time.Nanosecond), 0, endOf("2026-03-04", 17, 30))
	checkDeadline(t, c, tue.At(23, 59), 0, endOf("2026-03-04", 17, 30))
	// The day of from is never counted for n ≥ 1, whatever the time.
	checkDeadline(t, c, tue.At(0, 0), 1, endOf("2026-03-04", 17, 30))
	checkDeadline(t, c, tue.At(23, 59), 1, endOf("2026-03-04", 17, 30))
	// Friday after hours and Saturday roll to Monday.
	checkDeadline(t, c, day("2026-03-06").At(18, 0), 0, endOf("2026-03-09", 17, 30))
	checkDeadline(t, c, day("2026-03-07").At(9, 0), 0, endOf("2026-03-09", 17, 30))
	checkDeadline(t, c, day("2026-03-06").At(9, 0), 1, endOf("2026-03-09", 17, 30))
	// An instant given in UTC is read in Shanghai: 2026-03-05T17:00Z is
	// still Thursday in UTC but already Friday 01:00 there.
	checkDeadline(t, c, time.Date(2026, 3, 5, 17, 0, 0, 0, time.UTC), 1, endOf("2026-03-09", 17, 30))
}

func TestDeadlineClamp(t *testing.T) {
	c := mustNew(t, Options{})
	from := day("2026-03-03").At(9, 0)
	if got, want := c.Deadline(from, 100000), c.Deadline(from, MaxWorkingDays); !got.Equal(want) {
		t.Errorf("Deadline(n=100000) = %v, want clamp to %v", got, want)
	}
	if got := c.WorkingDaysUntil(from, c.Deadline(from, MaxWorkingDays)); got != MaxWorkingDays {
		t.Errorf("WorkingDaysUntil(Deadline(%d)) = %d", MaxWorkingDays, got)
	}
	if got, want := c.Deadline(from, -3), c.Deadline(from, 0); !got.Equal(want) {
		t.Errorf("Deadline(n=-3) = %v, want %v", got, want)
	}
}

func TestDayEnd(t *testing.T) {
	c := mustNew(t, Options{DayEnd: 18 * time.Hour})
	if c.DayEnd() != 18*time.Hour {
		t.Errorf("DayEnd() = %v", c.DayEnd())
	}
	tue := day("2026-03-03")
	checkDeadline(t, c, tue.At(17, 45), 0, endOf("2026-03-03", 18, 0))
	checkDeadline(t, c, tue.At(17, 45), 2, endOf("2026-03-05", 18, 0))
	if d := mustNew(t, Options{}).DayEnd(); d != 17*time.Hour+30*time.Minute {
		t.Errorf("default DayEnd = %v", d)
	}
	late := mustNew(t, Options{DayEnd: 24*time.Hour - time.Second})
	if got := late.Deadline(tue.At(9, 0), 1); DateOf(got) != day("2026-03-04") || got.Format("15:04:05") != "23:59:59" {
		t.Errorf("Deadline with DayEnd 23:59:59 = %v", got)
	}
}

func TestNewErrors(t *testing.T) {
	for _, d := range []time.Duration{-time.Nanosecond, -time.Hour, 24 * time.Hour, 25 * time.Hour} {
		if _, err := New(Options{DayEnd: d}); !errors.Is(err, ErrInvalidDayEnd) {
			t.Errorf("New(DayEnd %v) error = %v, want ErrInvalidDayEnd", d, err)
		}
	}
	_, err := New(Options{Overrides: []Override{
		{Date: day("2026-03-04"), Note: "a"},
		{Date: day("2026-03-05"), Note: "b"},
		{Date: day("2026-03-04"), Working: true, Note: "c"},
	}})
	if !errors.Is(err, ErrDuplicateOverride) {
		t.Errorf("duplicate override error = %v", err)
	}
	_, err = New(Options{Overrides: []Override{{Date: Date{2026, 2, 30}}}})
	if !errors.Is(err, ErrInvalidOverrideDate) {
		t.Errorf("invalid override date error = %v", err)
	}
	// All problems are reported at once, for the admin form.
	_, err = New(Options{DayEnd: -1, Overrides: []Override{{Date: Date{}}, {Date: day("2026-01-01")}, {Date: day("2026-01-01")}}})
	if !errors.Is(err, ErrInvalidDayEnd) || !errors.Is(err, ErrInvalidOverrideDate) || !errors.Is(err, ErrDuplicateOverride) {
		t.Errorf("combined error = %v", err)
	}
}

// overrideOpts turns Wednesday 2026-03-04 into a day off and Saturday
// 2026-03-07 into a working day, cancels the 2026-02-28 make-up day, and
// gives 2028 (which the library has no data for) a New Year holiday and a
// make-up Sunday.
func overrideOpts() Options {
	return Options{Overrides: []Override{
		{Date: Date{2026, 3, 4}, Working: false, Note: "市级防汛放假"},
		{Date: Date{2026, 3, 7}, Working: true, Note: "补班"},
		{Date: Date{2026, 2, 28}, Working: false, Note: "取消调休"},
		{Date: Date{2027, 12, 31}, Working: false, Note: "2028年元旦"},
		{Date: Date{2028, 1, 2}, Working: true, Note: "2028年元旦调休"},
	}}
}

func TestOverrides(t *testing.T) {
	base := mustNew(t, Options{})
	c := mustNew(t, overrideOpts())

	checkDays(t, base, true, KindWorkingDay, "", "2026-03-04")
	checkDays(t, c, false, KindOverride, "市级防汛放假", "2026-03-04")
	checkDays(t, base, false, KindWeekend, "", "2026-03-07")
	checkDays(t, c, true, KindOverride, "补班", "2026-03-07")
	checkDays(t, base, true, KindMakeUp, "春节", "2026-02-28")
	checkDays(t, c, false, KindOverride, "取消调休", "2026-02-28")
	checkDays(t, c, false, KindOverride, "2028年元旦", "2027-12-31")
	checkDays(t, c, true, KindOverride, "2028年元旦调休", "2028-01-02")

	tue := day("2026-03-03").At(9, 0)
	checkDeadline(t, base, tue, 1, endOf("2026-03-04", 17, 30))
	checkDeadline(t, c, tue, 1, endOf("2026-03-05", 17, 30))
	checkDeadline(t, base, tue, 3, endOf("2026-03-06", 17, 30))
	checkDeadline(t, c, tue, 3, endOf("2026-03-07", 17, 30)) // 5, 6, the worked Saturday 7
	checkDeadline(t, base, tue, 4, endOf("2026-03-09", 17, 30))
	checkDeadline(t, c, tue, 4, endOf("2026-03-09", 17, 30))
	checkDeadline(t, c, day("2026-03-04").At(9, 0), 0, endOf("2026-03-05", 17, 30))
	// Friday 27 February: with the make-up Saturday cancelled, Monday is next.
	checkDeadline(t, base, day("2026-02-27").At(9, 0), 1, endOf("2026-02-28", 17, 30))
	checkDeadline(t, c, day("2026-02-27").At(9, 0), 1, endOf("2026-03-02", 17, 30))
	checkDeadline(t, c, day("2027-12-30").At(9, 0), 1, endOf("2028-01-02", 17, 30))

	if got := c.WorkingDaysUntil(tue, endOf("2026-03-09", 17, 30)); got != 4 {
		t.Errorf("WorkingDaysUntil with overrides = %d, want 4", got)
	}
	if !c.HasOverrides(2028) || c.HasHolidayData(2028) || base.HasOverrides(2028) || c.HasOverrides(2029) {
		t.Error("HasOverrides/HasHolidayData wrong for 2028")
	}
	// An override agreeing with the library still reports itself.
	agree := mustNew(t, Options{Overrides: []Override{{Date: day("2026-10-01"), Note: "国庆"}}})
	checkDays(t, agree, false, KindOverride, "国庆", "2026-10-01")
}

// TestManyDaysOff checks Deadline's search bound: 200 consecutive days off
// must push a deadline past them, not make it give up.
func TestManyDaysOff(t *testing.T) {
	var ov []Override
	first := day("2027-03-01")
	for i := range 200 {
		ov = append(ov, Override{Date: first.AddDays(i), Note: "停工"})
	}
	c := mustNew(t, Options{Overrides: ov})
	from := day("2027-02-26").At(9, 0) // a Friday
	after := first.AddDays(200)        // 2027-09-17, a Friday
	checkDeadline(t, c, from, 1, endOf(after.String(), 17, 30))
	for n := 1; n <= 30; n++ {
		dl := c.Deadline(from, n)
		if !c.IsWorkingDay(DateOf(dl)) || c.WorkingDaysUntil(from, dl) != n {
			t.Fatalf("n=%d: Deadline = %v", n, dl)
		}
	}
}

func TestWorkingDaysUntilAndOverdue(t *testing.T) {
	c := mustNew(t, Options{})
	due := endOf("2026-02-25", 17, 30) // the 3rd working day after Friday 13 February
	for _, tc := range []struct {
		now           time.Time
		until, overdu int
	}{
		{day("2026-02-13").At(10, 0), 3, 0},
		{day("2026-02-14").At(10, 0), 2, 0},
		{day("2026-02-20").At(10, 0), 2, 0}, // mid-holiday
		{day("2026-02-24").At(10, 0), 1, 0},
		{day("2026-02-25").At(10, 0), 0, 0}, // due today
		{day("2026-02-25").At(17, 30), 0, 0},
		{day("2026-02-25").At(20, 0), 0, 0}, // past due, not yet a working day overdue
		{day("2026-02-26").At(9, 0), 0, 1},
		{day("2026-02-28").At(9, 0), 0, 3}, // the make-up Saturday counts
		{day("2026-03-01").At(9, 0), 0, 3}, // Sunday does not
		{day("2026-03-02").At(9, 0), 0, 4},
		{day("2026-03-04").At(9, 0), 0, 6},
	} {
		if got := c.WorkingDaysUntil(tc.now, due); got != tc.until {
			t.Errorf("WorkingDaysUntil(%v) = %d, want %d", tc.now, got, tc.until)
		}
		if got := c.WorkingDaysOverdue(tc.now, due); got != tc.overdu {
			t.Errorf("WorkingDaysOverdue(%v) = %d, want %d", tc.now, got, tc.overdu)
		}
	}
	// Far-apart dates are counted without walking the days.
	far := c.WorkingDaysUntil(day("2000-01-01").At(9, 0), day("2100-01-01").At(9, 0))
	if far < 100*240 || far > 100*262 {
		t.Errorf("working days in a century = %d", far)
	}
}

// naiveCount is the obvious day-by-day count WorkingDaysUntil must agree with.
func naiveCount(c *Calendar, a, b Date) int {
	n := 0
	for d := a; !b.Before(d); d = d.AddDays(1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

func TestCountMatchesNaive(t *testing.T) {
	for _, c := range []*Calendar{mustNew(t, Options{}), mustNew(t, overrideOpts())} {
		origin := day("2001-06-01")
		f := func(a, span uint16) bool {
			from := origin.AddDays(int(a % 10000)) // 2001 … 2028
			to := from.AddDays(int(span%400) - 20)
			want := 0
			if from.Before(to) {
				want = naiveCount(c, from.AddDays(1), to)
			}
			return c.WorkingDaysUntil(from.At(12, 0), to.At(8, 0)) == want &&
				c.WorkingDaysOverdue(to.At(12, 0), from.At(8, 0)) == want
		}
		if err := quick.Check(f, &quick.Config{MaxCount: 2000}); err != nil {
			t.Error(err)
		}
	}
}

// TestMakeUpDays walks every library make-up day of 2025–2027.
func TestMakeUpDays(t *testing.T) {
	c := mustNew(t, Options{})
	var got []string
	for d := day("2025-01-01"); d.Before(day("2028-01-01")); d = d.AddDays(1) {
		if kind, _ := c.Why(d); kind != KindMakeUp {
			continue
		}
		got = append(got, d.String())
		if !c.IsWorkingDay(d) {
			t.Errorf("make-up day %s is not a working day", d)
		}
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			t.Errorf("make-up day %s is a %v", d, wd)
		}
		prev := d.AddDays(-1).At(9, 0)
		if dl := c.Deadline(prev, 1); DateOf(dl) != d {
			t.Errorf("Deadline(%v, 1) = %v, want the make-up day %s", prev, dl, d)
		}
		if n := c.WorkingDaysUntil(prev, d.At(9, 0)); n != 1 {
			t.Errorf("WorkingDaysUntil(day before, %s) = %d, want 1", d, n)
		}
	}
	want := []string{
		"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
		"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
		"2027-01-31", "2027-02-14", "2027-05-08", "2027-09-26", "2027-10-09",
	}
	if !slices.Equal(got, want) {
		t.Errorf("make-up days = %v, want %v", got, want)
	}
}

// TestDeadlineProperties runs Deadline from every day of 2025–2027, at
// several times of day, for n in 0..30, with and without overrides.
func TestDeadlineProperties(t *testing.T) {
	for name, c := range map[string]*Calendar{
		"library":   mustNew(t, Options{}),
		"overrides": mustNew(t, overrideOpts()),
		"dayEnd9":   mustNew(t, Options{DayEnd: 9 * time.Hour}),
	} {
		t.Run(name, func(t *testing.T) {
			for d := day("2025-01-01"); d.Before(day("2028-01-01")); d = d.AddDays(1) {
				for _, from := range []time.Time{d.At(0, 0), d.At(9, 0), d.At(0, 0).Add(c.DayEnd()), d.At(20, 0), d.At(23, 59)} {
					checkProperties(t, c, from, 30)
				}
			}
		})
	}
}

// checkProperties asserts what must hold for Deadline(from, n), n in 0..maxN.
func checkProperties(t *testing.T, c *Calendar, from time.Time, maxN int) {
	t.Helper()
	var prev time.Time
	for n := 0; n <= maxN; n++ {
		dl := c.Deadline(from, n)
		d := DateOf(dl)
		if !c.IsWorkingDay(d) {
			t.Fatalf("Deadline(%v, %d) = %v, not a working day", from, n, dl)
		}
		if _, off := dl.Zone(); off != 8*3600 || dl.Sub(d.At(0, 0)) != c.DayEnd() {
			t.Fatalf("Deadline(%v, %d) = %v, not at DayEnd in Asia/Shanghai", from, n, dl)
		}
		if dl.Before(from) {
			t.Fatalf("Deadline(%v, %d) = %v is before from", from, n, dl)
		}
		switch {
		case n == 1 && dl.Before(prev):
			t.Fatalf("Deadline(%v, 1) = %v before Deadline(…, 0) = %v", from, dl, prev)
		case n > 1 && !dl.After(prev):
			t.Fatalf("Deadline(%v, %d) = %v not after Deadline(…, %d) = %v", from, n, dl, n-1, prev)
		}
		if n >= 1 {
			if got := c.WorkingDaysUntil(from, dl); got != n {
				t.Fatalf("WorkingDaysUntil(%v, Deadline(…, %d) = %v) = %d", from, n, dl, got)
			}
			// The deadline is the first working day to reach n: the
			// working day before it is n-1 away.
			if got := c.WorkingDaysUntil(from, dl.AddDate(0, 0, -1)); got != n-1 {
				t.Fatalf("WorkingDaysUntil(%v, day before Deadline(…, %d)) = %d, want %d", from, n, got, n-1)
			}
		}
		if c.WorkingDaysOverdue(from, dl) != 0 {
			t.Fatalf("overdue before the deadline")
		}
		prev = dl
	}
}

func TestConcurrentUse(t *testing.T) {
	c := mustNew(t, overrideOpts())
	want := c.Deadline(day("2026-02-13").At(10, 0), 10)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				from := day("2026-01-01").AddDays((g*500+i)%700).At(10, 0)
				c.Deadline(from, i%20)
				c.Why(DateOf(from))
				c.WorkingDaysUntil(from, from.AddDate(0, 1, 0))
			}
			if got := c.Deadline(day("2026-02-13").At(10, 0), 10); !got.Equal(want) {
				t.Errorf("concurrent Deadline = %v, want %v", got, want)
			}
		})
	}
	wg.Wait()
}
