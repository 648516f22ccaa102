package reminder

import (
	"testing"
	"time"

	"lianxi/internal/calendar"
)

func at(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, calendar.Location)
}

func rules(ds []Decision) map[string]bool {
	m := map[string]bool{}
	for _, d := range ds {
		m[d.Rule] = true
	}
	return m
}

func TestRemindersAcrossTheNationalDayHoliday(t *testing.T) {
	cal, err := calendar.New(calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Due Friday 2026-10-09 17:30. 1–7 October are holidays and Saturday
	// 10 October is a make-up working day, so the working days before the
	// due day are 28, 29 and 30 September, then 8 October.
	due := at(2026, 10, 9, 17).Add(30 * time.Minute)
	tasks := []Due{{TaskID: 1, Committee: "science", DueAt: due}}
	ladder := func(string) Ladder { return DefaultLadder() }
	cases := []struct {
		now  time.Time
		want []string
	}{
		{at(2026, 9, 28, 9), nil},               // 29, 30 Sep, 8, 9 Oct: four working days left
		{at(2026, 9, 29, 9), []string{"due-3"}}, // 30 Sep, 8 and 9 Oct: three left
		{at(2026, 9, 30, 9), nil},               // two left: nothing new
		{at(2026, 10, 3, 9), nil},               // a holiday: nothing new
		{at(2026, 10, 8, 9), []string{"due-1"}},
		{at(2026, 10, 9, 9), nil},                                              // due today
		{at(2026, 10, 10, 9), []string{"overdue-1"}},                           // make-up Saturday is a working day
		{at(2026, 10, 14, 9), []string{"overdue-1", "overdue-3"}},              // 10, 12, 13, 14 Oct
		{at(2026, 10, 16, 9), []string{"overdue-1", "overdue-3", "overdue-5"}}, // 10, 12–16 Oct
	}
	for _, c := range cases {
		got := rules(Decide(cal, ladder, c.now, tasks))
		if len(got) != len(c.want) {
			t.Errorf("%s: rules %v, want %v (until %d, overdue %d)", c.now.Format("01-02"), got, c.want,
				cal.WorkingDaysUntil(c.now, due), cal.WorkingDaysOverdue(c.now, due))
			continue
		}
		for _, w := range c.want {
			if !got[w] {
				t.Errorf("%s: rules %v, want %v", c.now.Format("01-02"), got, c.want)
			}
		}
	}
}

func TestKeysAreStablePerTaskRuleAndDueDay(t *testing.T) {
	cal, _ := calendar.New(calendar.Options{})
	ladder := func(string) Ladder { return DefaultLadder() }
	due := at(2026, 11, 20, 17)
	a := Decide(cal, ladder, at(2026, 11, 30, 9), []Due{{TaskID: 9, DueAt: due}})
	b := Decide(cal, ladder, at(2026, 11, 30, 15), []Due{{TaskID: 9, DueAt: due}})
	if len(a) == 0 || len(a) != len(b) || a[0].Key != b[0].Key || a[0].Key != "task:9:overdue-1:2026-11-20" {
		t.Fatalf("keys %v %v", a, b)
	}
	// An extension moves the due day: the same rule gets a new key.
	c := Decide(cal, ladder, at(2026, 12, 9, 9), []Due{{TaskID: 9, DueAt: at(2026, 12, 7, 17)}})
	if len(c) == 0 || c[0].Key == a[0].Key {
		t.Fatalf("after an extension %v", c)
	}
}
