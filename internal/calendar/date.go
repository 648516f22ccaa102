// Package calendar is the working-day calendar Lianxi counts department
// deadlines with.
//
// A day is a working day unless it is a Saturday or Sunday, with two layers of
// exceptions on top:
//
//   - China's statutory holidays and make-up working days (调休), taken from
//     github.com/6tail/lunar-go's HolidayUtil data. A holiday that falls on a
//     weekday is a day off; a make-up Saturday or Sunday is a working day.
//   - Per-date overrides an administrator keeps, which win over the library:
//     a year the library has no data for yet (the State Council publishes each
//     year's schedule only in the preceding November or December), or a local
//     holiday the city declares.
//
// Deadlines are counted in working days and fall at a configurable time of
// day (17:30 by default), when government offices close.
//
// Everything is in Asia/Shanghai time. [Location] is a fixed UTC+08:00 zone
// named "CST" rather than time.LoadLocation("Asia/Shanghai"): China has had no
// daylight saving time since 1991, and a fixed zone needs no tzdata on the
// machine, so a minimal container cannot silently fall back to UTC.
package calendar

import (
	"fmt"
	"time"
)

// utcOffset is China Standard Time's offset from UTC, in seconds.
const utcOffset = 8 * 60 * 60

const secondsPerDay = 24 * 60 * 60

// Location is Asia/Shanghai as a fixed UTC+08:00 zone named "CST". All dates
// and deadlines in this package are in this zone.
var Location = time.FixedZone("CST", utcOffset)

// Date is a calendar day in Asia/Shanghai. It carries no time of day and no
// zone, so two Dates compare equal with == exactly when they are the same day
// (provided both are valid; see [Date.Valid]).
//
// Methods treat out-of-range fields the way time.Date does (2026-02-30 is
// 2026-03-02), but [ParseDate] never produces such a Date and [New] rejects
// overrides with one.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the day t falls on in Asia/Shanghai, whatever t's own
// location is: 2026-02-13T17:00Z is already 2026-02-14 in Shanghai.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Location).Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses exactly "YYYY-MM-DD" (the format of [Date.String]): four,
// two and two ASCII digits separated by hyphens, with a month of 01–12 and a
// day that exists in that month. It accepts no surrounding space, signs,
// shorter fields or time of day, because dates come from administrators'
// forms and imports, where a lenient parser would turn a typo into a wrong
// holiday.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("calendar: invalid date %q: want YYYY-MM-DD", s)
	}
	y, okY := atoiDigits(s[0:4])
	m, okM := atoiDigits(s[5:7])
	d, okD := atoiDigits(s[8:10])
	if !okY || !okM || !okD {
		return Date{}, fmt.Errorf("calendar: invalid date %q: want YYYY-MM-DD", s)
	}
	if m < 1 || m > 12 {
		return Date{}, fmt.Errorf("calendar: invalid date %q: month out of range", s)
	}
	if d < 1 || d > daysInMonth(y, time.Month(m)) {
		return Date{}, fmt.Errorf("calendar: invalid date %q: day out of range", s)
	}
	return Date{Year: y, Month: time.Month(m), Day: d}, nil
}

// atoiDigits parses a string of ASCII digits only; strconv.Atoi would also
// accept a sign.
func atoiDigits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysInMonth(year int, m time.Month) int {
	// Day 0 of the next month is the last day of this one.
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Valid reports whether d names a real day (month 1–12, a day that exists in
// that month), that is whether d is already in the form time.Date would
// normalise it to.
func (d Date) Valid() bool {
	return d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && d.Day <= daysInMonth(d.Year, d.Month)
}

// String returns d as "YYYY-MM-DD", which [ParseDate] reads back for years
// 0000–9999.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText implements encoding.TextMarshaler, so that a Date is
// "YYYY-MM-DD" in JSON (for example in the admin UI's override list).
func (d Date) MarshalText() ([]byte, error) {
	if !d.Valid() {
		return nil, fmt.Errorf("calendar: cannot marshal invalid date %d-%d-%d", d.Year, int(d.Month), d.Day)
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with [ParseDate]'s
// strict format.
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// AddDays returns the date n days after d (before it if n is negative).
func (d Date) AddDays(n int) Date {
	return fromDayNum(d.dayNum() + int64(n))
}

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.dayNum() < o.dayNum() }

// After reports whether d is a later day than o.
func (d Date) After(o Date) bool { return d.dayNum() > o.dayNum() }

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return weekdayOf(d.dayNum()) }

// At returns the instant at hour:min on d in Asia/Shanghai.
func (d Date) At(hour, min int) time.Time {
	return time.Date(d.Year, d.Month, d.Day, hour, min, 0, 0, Location)
}

// dayNum is the number of days from 1970-01-01 to d. The calendar works on
// day numbers internally: stepping, comparing and counting them is integer
// arithmetic, and the map keys are plain int64s.
func (d Date) dayNum() int64 {
	// Midnight UTC is a whole number of days since the epoch, so the
	// division is exact also for negative values.
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
}

func fromDayNum(k int64) Date {
	y, m, d := time.Unix(k*secondsPerDay, 0).UTC().Date()
	return Date{Year: y, Month: m, Day: d}
}

// dayOf returns the day number of the Shanghai day t falls on; it is
// DateOf(t).dayNum() without building a Date, since the offset is fixed.
func dayOf(t time.Time) int64 {
	return floorDiv(t.Unix()+utcOffset, secondsPerDay)
}

// midnight returns 00:00 in Asia/Shanghai of day number k.
func midnight(k int64) time.Time {
	return time.Unix(k*secondsPerDay-utcOffset, 0).In(Location)
}

// weekdayOf returns the weekday of day number k; 1970-01-01 was a Thursday.
func weekdayOf(k int64) time.Weekday {
	return time.Weekday(floorMod(k+int64(time.Thursday), 7))
}

func isWeekend(k int64) bool {
	wd := weekdayOf(k)
	return wd == time.Saturday || wd == time.Sunday
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }
