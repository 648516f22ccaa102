package calendar

import (
	"testing"
	"time"
)

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"2026-02-17", "2024-02-29", "2025-02-29", "0000-01-01", "9999-12-31",
		"2026-2-17", "2026-02-17 ", "+026-02-17", "2026-13-01", "", "2026-02-1\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		// Cross-check with package time, which is strict about the digit
		// counts of this layout too.
		tm, terr := time.Parse("2006-01-02", s)
		if (err == nil) != (terr == nil) {
			t.Fatalf("ParseDate(%q) error = %v, time.Parse error = %v", s, err, terr)
		}
		if err != nil {
			return
		}
		if !d.Valid() {
			t.Fatalf("ParseDate(%q) = invalid %+v", s, d)
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q).String() = %q", s, d.String())
		}
		if again, err := ParseDate(d.String()); err != nil || again != d {
			t.Fatalf("round trip of %q = %v, %v", s, again, err)
		}
		if y, m, dd := tm.Date(); (Date{y, m, dd}) != d {
			t.Fatalf("ParseDate(%q) = %v, time.Parse says %v", s, d, tm)
		}
	})
}

var fuzzCalendars = func() []*Calendar {
	lib, err := New(Options{})
	if err != nil {
		panic(err)
	}
	ov, err := New(overrideOpts())
	if err != nil {
		panic(err)
	}
	late, err := New(Options{DayEnd: 22*time.Hour + 15*time.Minute})
	if err != nil {
		panic(err)
	}
	return []*Calendar{lib, ov, late}
}()

func FuzzDeadline(f *testing.F) {
	f.Add(int64(0), 3, uint8(0))
	f.Add(day("2026-02-13").At(10, 0).Unix(), 3, uint8(0))
	f.Add(day("2026-09-30").At(17, 30).Unix(), 0, uint8(1))
	f.Add(day("2027-12-31").At(23, 59).Unix(), 60, uint8(2))
	lo := day("2024-01-01").At(0, 0).Unix()
	hi := day("2029-01-01").At(0, 0).Unix() // exclusive: the span is 2024–2028
	f.Fuzz(func(t *testing.T, sec int64, n int, which uint8) {
		from := time.Unix(lo+floorMod(sec, hi-lo), 0)
		n = int(floorMod(int64(n), 61))
		c := fuzzCalendars[int(which)%len(fuzzCalendars)]

		dl := c.Deadline(from, n)
		d := DateOf(dl)
		if !c.IsWorkingDay(d) {
			t.Fatalf("Deadline(%v, %d) = %v, not a working day", from, n, dl)
		}
		if _, off := dl.Zone(); off != 8*3600 || dl.Sub(d.At(0, 0)) != c.DayEnd() {
			t.Fatalf("Deadline(%v, %d) = %v, not at DayEnd", from, n, dl)
		}
		if dl.Before(from) {
			t.Fatalf("Deadline(%v, %d) = %v is before from", from, n, dl)
		}
		next := c.Deadline(from, n+1)
		if next.Before(dl) || (n >= 1 && !next.After(dl)) {
			t.Fatalf("not monotonic: Deadline(%v, %d) = %v, n+1 gives %v", from, n, dl, next)
		}
		if n >= 1 {
			if got := c.WorkingDaysUntil(from, dl); got != n {
				t.Fatalf("WorkingDaysUntil(%v, Deadline(…, %d)) = %d", from, n, got)
			}
		}
	})
}

func BenchmarkDeadline(b *testing.B) {
	c, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	from := day("2026-02-13").At(10, 0) // across the Spring Festival holiday
	var dl time.Time
	for b.Loop() {
		dl = c.Deadline(from, 10)
	}
	if DateOf(dl) != day("2026-03-05") {
		b.Fatalf("Deadline = %v", dl)
	}
}

func BenchmarkWorkingDaysUntil(b *testing.B) {
	c, err := New(overrideOpts())
	if err != nil {
		b.Fatal(err)
	}
	now := day("2026-02-13").At(10, 0)
	due := day("2026-12-31").At(17, 30)
	for b.Loop() {
		c.WorkingDaysUntil(now, due)
	}
}
