package calendar

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	valid := map[string]Date{
		"2026-02-17": {2026, time.February, 17},
		"2024-02-29": {2024, time.February, 29}, // leap year
		"2000-02-29": {2000, time.February, 29}, // divisible by 400
		"2026-12-31": {2026, time.December, 31},
		"0001-01-01": {1, time.January, 1},
		"9999-12-31": {9999, time.December, 31},
	}
	for s, want := range valid {
		got, err := ParseDate(s)
		if err != nil || got != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", s, got, err, want)
		}
		if got.String() != s {
			t.Errorf("ParseDate(%q).String() = %q", s, got.String())
		}
	}
	invalid := []string{
		"", "2026", "20260217", "2026-2-17", "2026-02-7", "26-02-17",
		" 2026-02-17", "2026-02-17 ", "2026/02/17", "2026-02-17T00:00:00Z",
		"+026-02-17", "-026-02-17", "2026-+2-17", "2026-02-+7",
		"2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32",
		"2026-04-31", "2025-02-29", "1900-02-29", "2026-02-3a",
		"２０２６-02-17", "2026－02－17",
	}
	for _, s := range invalid {
		if d, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", s, d)
		}
	}
}

func TestLocation(t *testing.T) {
	name, off := time.Date(2026, 7, 1, 12, 0, 0, 0, Location).Zone()
	if name != "CST" || off != 8*3600 {
		t.Fatalf("zone = %s %d, want CST 28800", name, off)
	}
}

func TestDateOf(t *testing.T) {
	cases := []struct {
		t    time.Time
		want Date
	}{
		{time.Date(2026, 2, 13, 15, 59, 59, 0, time.UTC), Date{2026, 2, 13}},
		{time.Date(2026, 2, 13, 16, 0, 0, 0, time.UTC), Date{2026, 2, 14}}, // midnight in Shanghai
		{time.Date(2026, 2, 14, 0, 0, 0, 0, Location), Date{2026, 2, 14}},
		{time.Date(2026, 12, 31, 23, 59, 59, 0, Location), Date{2026, 12, 31}},
		{time.Date(2026, 12, 31, 12, 0, 0, 0, time.FixedZone("PST", -8*3600)), Date{2027, 1, 1}},
	}
	for _, c := range cases {
		if got := DateOf(c.t); got != c.want {
			t.Errorf("DateOf(%v) = %v, want %v", c.t, got, c.want)
		}
		if got := fromDayNum(dayOf(c.t)); got != c.want {
			t.Errorf("fromDayNum(dayOf(%v)) = %v, want %v", c.t, got, c.want)
		}
	}
}

func TestDateMethods(t *testing.T) {
	d := Date{2026, time.February, 17}
	if got := d.Weekday(); got != time.Tuesday {
		t.Errorf("%v.Weekday() = %v, want Tuesday", d, got)
	}
	for _, c := range []struct {
		d    Date
		n    int
		want Date
	}{
		{d, 0, d},
		{d, 12, Date{2026, 3, 1}},
		{d, -48, Date{2025, 12, 31}},
		{Date{2024, 2, 28}, 1, Date{2024, 2, 29}},
		{Date{2024, 2, 28}, 2, Date{2024, 3, 1}},
		{Date{2026, 12, 31}, 1, Date{2027, 1, 1}},
		{Date{2026, 1, 1}, 365, Date{2027, 1, 1}},
	} {
		if got := c.d.AddDays(c.n); got != c.want {
			t.Errorf("%v.AddDays(%d) = %v, want %v", c.d, c.n, got, c.want)
		}
	}
	if !d.Before(d.AddDays(1)) || d.Before(d) || d.AddDays(1).Before(d) {
		t.Error("Before is wrong")
	}
	if !d.AddDays(1).After(d) || d.After(d) {
		t.Error("After is wrong")
	}
	at := d.At(9, 30)
	if got := at.Format(time.RFC3339); got != "2026-02-17T09:30:00+08:00" {
		t.Errorf("At(9, 30) = %s", got)
	}
	if !(Date{2026, 2, 28}).Valid() || (Date{2026, 2, 29}).Valid() || (Date{2026, 13, 1}).Valid() || (Date{}).Valid() {
		t.Error("Valid is wrong")
	}
}

func TestDateJSON(t *testing.T) {
	in := Override{Date: Date{2028, 1, 1}, Working: false, Note: "元旦"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Date":"2028-01-01","Working":false,"Note":"元旦"}`; string(b) != want {
		t.Errorf("json = %s, want %s", b, want)
	}
	var out Override
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("round trip = %+v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"Date":"2028-1-1"}`), &out); err == nil {
		t.Error("lenient date accepted")
	}
	if _, err := json.Marshal(Date{2026, 2, 30}); err == nil {
		t.Error("invalid date marshalled")
	}
}

// TestDayArithmetic checks the internal day-number helpers against package
// time, before and after the epoch.
func TestDayArithmetic(t *testing.T) {
	start := Date{1960, 1, 1}.dayNum()
	naive := int64(0)
	for k := start; k < start+40000; k++ {
		d := fromDayNum(k)
		if d.dayNum() != k {
			t.Fatalf("dayNum(fromDayNum(%d)) = %d", k, d.dayNum())
		}
		tm := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
		if weekdayOf(k) != tm.Weekday() {
			t.Fatalf("weekdayOf(%v) = %v, want %v", d, weekdayOf(k), tm.Weekday())
		}
		if dayOf(d.At(0, 0)) != k || dayOf(d.At(23, 59)) != k || !midnight(k).Equal(d.At(0, 0)) {
			t.Fatalf("dayOf/midnight wrong for %v", d)
		}
		if got := weekdaysBefore(k) - weekdaysBefore(start); got != naive {
			t.Fatalf("weekdays in [%d, %d) = %d, want %d", start, k, got, naive)
		}
		if !isWeekend(k) {
			naive++
		}
	}
}
