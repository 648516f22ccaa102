// Package reminder decides which reminders and urging notices (催办) a
// department task is due for: a reminder when it is due within 3 and within
// 1 working days, and an escalation ladder once it is overdue — by 1 working
// day to the department, by 3 to the committee's office, by 5 to the
// conveners. Deciding is pure; a sweep workflow stores the decisions in the
// outbox and delivers them.
package reminder

import (
	"regexp"
	"strconv"
	"time"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
)

// Audiences of a notification.
const (
	Department = "department" // the lead and co-handling departments' liaisons and members
	Office     = "office"     // the committee office's staff
	Convener   = "convener"   // the committee's conveners
)

// Step is one rung of a ladder: a rule name, who is told, and when — a
// number of working days before the due day (DueIn) or after it (Overdue).
type Step struct {
	Rule     string `json:"rule"`
	Audience string `json:"audience"`
	DueIn    int    `json:"due_in,omitempty"`
	Overdue  int    `json:"overdue,omitempty"`
}

// Ladder is the list of steps a committee applies to its tasks.
type Ladder []Step

// DefaultLadder is the plans' rhythm: reminders at 3 and 1 working days
// before the due day; urging notices at 1, 3 and 5 working days overdue, to
// the department, the office and the conveners.
func DefaultLadder() Ladder {
	return Ladder{
		{Rule: "due-3", Audience: Department, DueIn: 3},
		{Rule: "due-1", Audience: Department, DueIn: 1},
		{Rule: "overdue-1", Audience: Department, Overdue: 1},
		{Rule: "overdue-3", Audience: Office, Overdue: 3},
		{Rule: "overdue-5", Audience: Convener, Overdue: 5},
	}
}

// Due is an open task as the sweep sees it.
type Due struct {
	TaskID    int64
	Committee string
	DueAt     time.Time
}

// Decision is a notification to store in the outbox. Key is unique per
// task, rule and due day: a second sweep, another replica or a retry
// decides the same key and stores nothing more, while a task whose due time
// was extended gets its reminders again for the new day.
type Decision struct {
	TaskID   int64
	Rule     string
	Audience string
	Key      string
}

// Decide returns the notifications due now for the tasks. A reminder fires
// on the working day it names; an escalation fires once the task is at least
// that overdue, so a sweep missed on the day (a holiday, an outage) still
// sends it at the next one.
func Decide(cal *calendar.Calendar, ladders func(committee string) Ladder, now time.Time, tasks []Due) []Decision {
	out := make([]Decision, 0, len(tasks))
	byCommittee := map[string]Ladder{}
	days := map[calendar.Date]string{} // due dates are few, tasks many
	for _, t := range tasks {
		l, ok := byCommittee[t.Committee]
		if !ok {
			l = ladders(t.Committee)
			byCommittee[t.Committee] = l
		}
		until := cal.WorkingDaysUntil(now, t.DueAt)
		over := cal.WorkingDaysOverdue(now, t.DueAt)
		day := ""
		for _, s := range l {
			fire := (s.DueIn > 0 && until == s.DueIn && !now.After(t.DueAt)) || (s.Overdue > 0 && over >= s.Overdue)
			if !fire {
				continue
			}
			if day == "" {
				d := calendar.DateOf(t.DueAt)
				if day = days[d]; day == "" {
					day = d.String()
					days[d] = day
				}
			}
			out = append(out, Decision{TaskID: t.TaskID, Rule: s.Rule, Audience: s.Audience,
				Key: "task:" + strconv.FormatInt(t.TaskID, 10) + ":" + s.Rule + ":" + day})
		}
	}
	return out
}

// Horizon is how far ahead of now a sweep must look for tasks a reminder
// may concern: the longest DueIn of any ladder in working days, with room
// for the longest holiday.
func Horizon(now time.Time) time.Time { return now.AddDate(0, 0, 30) }

// Validate checks a ladder an office sets: each step names a rule (letters,
// digits and dashes), an audience, and exactly one of DueIn and Overdue,
// between 1 and 30 working days; rules are unique.
func (l Ladder) Validate() error {
	var v domain.Validation
	v.Check(len(l) <= 20, "steps", "validation.too_many", map[string]any{"max": 20})
	seen := map[string]bool{}
	for i, s := range l {
		p := "steps[" + strconv.Itoa(i) + "]"
		v.Check(rulePattern.MatchString(s.Rule), p+".rule", "validation.rule_name", nil)
		v.Check(!seen[s.Rule], p+".rule", "validation.duplicate", map[string]any{"value": s.Rule})
		seen[s.Rule] = true
		v.Check(s.Audience == Department || s.Audience == Office || s.Audience == Convener, p+".audience", "validation.one_of",
			map[string]any{"values": "department, office, convener"})
		v.Check((s.DueIn > 0) != (s.Overdue > 0), p+".due_in", "validation.step_when", nil)
		v.Check(s.DueIn >= 0 && s.DueIn <= 30 && s.Overdue >= 0 && s.Overdue <= 30, p+".due_in", "validation.range", map[string]any{"min": 1, "max": 30})
	}
	return v.Err()
}

var rulePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
