// Package ledger writes the supervision ledger (督办台账) as files that
// offices open in Excel or WPS and pass on: an XLSX workbook and a CSV
// file, one row per task with its lead and co-handling departments by name,
// its due time in Asia/Shanghai, its status in words and how many working
// days it is or was late.
//
// The ledger is an official document of the city's offices, so the files
// speak Chinese whatever the language of the page that asked for them; the
// words come from the Chinese catalogue, the same ones the pages show.
//
// Exports stream: Each reads the tasks a page at a time with the store's
// keyset cursor and hands them to a Writer, so a large ledger never sits in
// memory as one slice. MaxRows bounds an export; a larger one is refused with
// an error asking for narrower filters rather than cut short.
package ledger

import (
	"context"
	"strconv"
	"strings"
	"time"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/postgres"
)

// MaxRows is the most tasks one export holds. Beyond it a spreadsheet is no
// longer a ledger anyone reads, and the XLSX writer's temporary file grows
// past what a request should cost.
const MaxRows = 100_000

// PageSize is how many tasks Each reads at a time.
const PageSize = 500

// TooMany is the error of an export that would hold more than max rows.
func TooMany(n, max int) error {
	return domain.Errorf(domain.KindInvalid, "error.export_too_large", map[string]any{"n": n, "max": max})
}

// Fetch returns up to limit tasks after a keyset position, in due order:
// postgres.Store.ListTasks (or tasks.Service.List) with its filter and
// viewer bound.
type Fetch func(ctx context.Context, after postgres.TaskCursor, limit int) ([]domain.Task, error)

// Each calls fn for every task fetch returns, a page at a time, and fails
// with TooMany as soon as there are more than max.
func Each(ctx context.Context, fetch Fetch, max int, fn func(domain.Task) error) error {
	var after postgres.TaskCursor
	n := 0
	for {
		page, err := fetch(ctx, after, PageSize)
		if err != nil {
			return err
		}
		for _, t := range page {
			if n++; n > max {
				return TooMany(n, max)
			}
			if err := fn(t); err != nil {
				return err
			}
		}
		if len(page) < PageSize {
			return nil
		}
		last := page[len(page)-1]
		after = postgres.TaskCursor{DueAt: last.DueAt, ID: last.ID}
	}
}

// Names resolves the codes on a task to the names the ledger prints: the
// current names of departments (a renamed department shows its new name on
// old tasks) and of committees. A code without a name prints as itself.
type Names struct {
	Departments map[domain.Code]string
	Committees  map[domain.Code]string
}

// NamesOf builds Names in Chinese from the directory.
func NamesOf(orgs []domain.Organisation, committees []domain.Committee) Names {
	n := Names{Departments: map[domain.Code]string{}, Committees: map[domain.Code]string{}}
	for _, o := range orgs {
		n.Departments[o.Code] = o.NameZH
	}
	for _, c := range committees {
		n.Committees[c.Code] = c.NameZH
	}
	return n
}

func (n Names) department(code domain.Code) string {
	if s, ok := n.Departments[code]; ok {
		return s
	}
	return code
}

func (n Names) committee(code domain.Code) string {
	if s, ok := n.Committees[code]; ok {
		return s
	}
	return code
}

// Sheet is what the rows of a ledger depend on besides the tasks.
type Sheet struct {
	Names Names
	// Now is the instant open tasks are judged overdue at.
	Now time.Time
	// Calendar counts working days; nil means weekends and the statutory
	// holidays only, without the administrators' overrides.
	Calendar *calendar.Calendar
}

func (s Sheet) calendar() *calendar.Calendar {
	if s.Calendar != nil {
		return s.Calendar
	}
	c, err := calendar.New(calendar.Options{})
	if err != nil {
		panic(err) // the default options cannot fail
	}
	return c
}

// column is one column of the ledger: its catalogue key and its width in
// characters in the workbook.
type column struct {
	key   string
	width float64
}

// columns are the ledger's columns, in order.
var columns = []column{
	{"ledger.col.serial", 6},
	{"ledger.col.id", 9},
	{"ledger.col.title", 44},
	{"ledger.col.source", 30},
	{"ledger.col.lead", 22},
	{"ledger.col.co", 30},
	{"ledger.col.due", 17},
	{"ledger.col.status", 10},
	{"ledger.col.overdue_days", 13},
	{"ledger.col.submitted", 17},
	{"ledger.col.note", 30},
}

// Header returns the header row's words (序号, 任务编号, 任务, 来源, …).
func Header() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = i18n.T(i18n.ZH, c.key, nil)
	}
	return out
}

// row is one task as the ledger prints it. Times are zero and Late is -1
// when there is nothing to print.
type row struct {
	Serial    int
	ID        int64
	Title     string
	Source    string
	Lead      string
	Co        string
	Due       time.Time
	Status    string
	Late      int
	Submitted time.Time
	Note      string
}

// LateWorkingDays is how many working days a task is or was late, and false
// when it is not late at all. An open or in-progress task is judged now; a
// submitted or accepted one by when it was submitted, so the ledger keeps
// saying how late a late task was after it is done; a cancelled task is
// never late. A task past its due time on the due day itself is late by 0
// working days (calendar.WorkingDaysOverdue).
func LateWorkingDays(t domain.Task, now time.Time, cal *calendar.Calendar) (int, bool) {
	var at time.Time
	switch t.Status {
	case domain.TaskOpen, domain.TaskInProgress:
		at = now
	case domain.TaskSubmitted, domain.TaskAccepted:
		at = t.SubmittedAt
	default:
		return 0, false
	}
	if at.IsZero() || !at.After(t.DueAt) {
		return 0, false
	}
	return cal.WorkingDaysOverdue(at, t.DueAt), true
}

func (s Sheet) row(serial int, t domain.Task, cal *calendar.Calendar) row {
	r := row{Serial: serial, ID: t.ID, Title: t.Title, Lead: s.Names.department(t.Lead), Due: t.DueAt,
		Status: i18n.T(i18n.ZH, "task.status."+string(t.Status), nil), Late: -1, Submitted: t.SubmittedAt}
	r.Source = s.Names.committee(t.Source.Committee)
	if key := "task.source." + t.Source.Kind; i18n.Has(i18n.ZH, key) {
		r.Source += " · " + i18n.T(i18n.ZH, key, nil)
	} else if t.Source.Kind != "" {
		r.Source += " · " + t.Source.Kind
	}
	co := make([]string, len(t.Co))
	for i, c := range t.Co {
		co[i] = s.Names.department(c)
	}
	r.Co = strings.Join(co, "、")
	if n, late := LateWorkingDays(t, s.Now, cal); late {
		r.Late = n
	}
	if t.Extension != nil {
		r.Note = i18n.T(i18n.ZH, "ledger.note.extension", map[string]any{"due": shanghai(t.Extension.DueAt)})
	}
	return r
}

// shanghai formats an instant as the wall-clock time in Asia/Shanghai.
func shanghai(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(calendar.Location).Format("2006-01-02 15:04")
}

// cells returns the row as text cells.
func (r row) cells() []string {
	late := ""
	if r.Late >= 0 {
		late = strconv.Itoa(r.Late)
	}
	return []string{strconv.Itoa(r.Serial), strconv.FormatInt(r.ID, 10), r.Title, r.Source, r.Lead, r.Co,
		shanghai(r.Due), r.Status, late, shanghai(r.Submitted), r.Note}
}

// Writer takes a ledger's tasks one at a time, in order, and finishes the
// file on Close.
type Writer interface {
	Write(t domain.Task) error
	Close() error
}
