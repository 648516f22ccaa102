package webui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/portfolio"
	"lianxi/internal/postgres"
	"lianxi/internal/tasks"
	"lianxi/workflows"
)

// Tasks is what the pages need of the task service (tasks.Service): the
// same calls the API makes, so a page can do nothing the API refuses.
type Tasks interface {
	Get(ctx context.Context, actor domain.User, id int64) (domain.Task, error)
	List(ctx context.Context, actor domain.User, f postgres.TaskFilter, after postgres.TaskCursor, limit int) ([]domain.Task, error)
	Details(ctx context.Context, actor domain.User, id int64) (tasks.Details, error)
	Act(ctx context.Context, actor domain.User, onBehalfOf string, id int64, update string, build func(workflows.Action) any) (domain.Task, error)
	Comment(ctx context.Context, actor domain.User, id int64, body string, meta auth.Meta) (domain.Comment, error)
	Attach(ctx context.Context, actor domain.User, id int64, name string, data []byte, meta auth.Meta) (domain.Attachment, error)
	Attachment(ctx context.Context, actor domain.User, taskID, id int64) (domain.Attachment, []byte, error)
}

// Ledger is what the ledger page needs of storage (postgres.Store).
type Ledger interface {
	LedgerStats(ctx context.Context, f postgres.TaskFilter, v postgres.Viewer) ([]postgres.DepartmentStats, error)
}

// Calendar is the working-day calendar and the administrators' overrides
// (postgres.Store).
type Calendar interface {
	Calendar(ctx context.Context) (*calendar.Calendar, error)
	CalendarOverrides(ctx context.Context) ([]calendar.Override, error)
	SetCalendarOverride(ctx context.Context, o calendar.Override, rec domain.AuditRecord) error
	DeleteCalendarOverride(ctx context.Context, d calendar.Date, rec domain.AuditRecord) error
}

// menu says which navigation entries a person has, by role: the inbox for
// people of a department, the board for offices and conveners, the ledger
// for anyone acting for a committee or department, the selection
// programmes for everyone, the reviews for experts, the calendar for
// administrators, the idea contests for the reform office and
// administrators, the masterpiece projects for those who see their whole
// years (the culture committee's office and conveners, the finance bureau,
// administrators; the units reach theirs from their tasks and notices). A
// page refuses whoever its entry is hidden from.
type menu struct {
	Inbox, Board, Ledger, Programmes, Reviews, Calendar, Contests, Masterpieces bool
	// Consultations: the office's consultations (for their offices and
	// conveners); PublicConsultations: the public's list, for everyone.
	Consultations, PublicConsultations bool
}

func (p *Pages) menuFor(u domain.User) menu {
	v := postgres.ViewerOf(u)
	return menu{
		Inbox:               p.tasks != nil && len(v.Departments) > 0,
		Board:               p.tasks != nil && (v.All || len(v.Committees) > 0),
		Ledger:              p.tasks != nil && p.ledger != nil && (v.All || len(v.Committees) > 0 || len(v.Departments) > 0),
		Programmes:          p.progs != nil,
		Reviews:             p.sel != nil && u.Has(domain.RoleExpert),
		Calendar:            p.cal != nil && u.IsAdmin(),
		Contests:            p.contests != nil && (u.IsAdmin() || contestOffice(u)),
		Masterpieces:        p.mp != nil && portfolio.Whole(u, domain.MasterpieceCommittee),
		Consultations:       p.consult != nil && consultOverseer(u),
		PublicConsultations: p.consult != nil,
	}
}

// Time shows an instant as the wall-clock time in Asia/Shanghai, where every
// deadline is set; {{$.Time .DueAt}}.
func (v *view) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(calendar.Location).Format("2006-01-02 15:04")
}

// StatusLabel names a task status in the page's language.
func (v *view) StatusLabel(s domain.TaskStatus) string { return v.T("task.status." + string(s)) }

// calendar returns the working-day calendar with the stored overrides, or
// the plain one when the pages have no calendar store.
func (p *Pages) calendar(ctx context.Context) (*calendar.Calendar, error) {
	if p.cal != nil {
		return p.cal.Calendar(ctx)
	}
	return calendar.New(calendar.Options{})
}

// taskRow is a task as a list shows it: names instead of codes, the due
// time in words.
type taskRow struct {
	Task      domain.Task
	Committee string
	Source    string
	Lead      string
	Co        []string
	When      string // "逾期 3 个工作日", "今天到期", "还剩 2 个工作日"; empty once submitted or closed
	Overdue   bool
	WaitingOn string // who the task waits for (the board)
}

// when says where a task stands against its due time, in working days: for
// open work only, since a submitted task waits on the office.
func when(lang i18n.Lang, t domain.Task, now time.Time, cal *calendar.Calendar) (string, bool) {
	if t.Status != domain.TaskOpen && t.Status != domain.TaskInProgress {
		return "", false
	}
	if t.Overdue(now) {
		if n := cal.WorkingDaysOverdue(now, t.DueAt); n > 0 {
			return i18n.T(lang, "task.when.overdue_days", map[string]any{"n": n}), true
		}
		return i18n.T(lang, "task.when.overdue_today", nil), true
	}
	if n := cal.WorkingDaysUntil(now, t.DueAt); n > 0 {
		return i18n.T(lang, "task.when.days_left", map[string]any{"n": n}), false
	}
	return i18n.T(lang, "task.when.due_today", nil), false
}

// sourceName says where a task comes from: its committee and the kind of
// process ("市科技创新工作联席会议 · 临时交办").
func sourceName(lang i18n.Lang, n names, s domain.TaskSource) string {
	out := n.committee(s.Committee)
	if key := "task.source." + s.Kind; i18n.Has(lang, key) {
		out += " · " + i18n.T(lang, key, nil)
	} else if s.Kind != "" {
		out += " · " + s.Kind
	}
	return out
}

// taskNames loads the names of committees and organisations for a page
// about tasks.
func (p *Pages) taskNames(ctx context.Context, lang i18n.Lang) (names, []domain.Committee, []domain.Organisation, error) {
	cs, err := p.dir.ListCommittees(ctx)
	if err != nil {
		return names{}, nil, nil, err
	}
	orgs, err := p.dir.ListOrganisations(ctx)
	if err != nil {
		return names{}, nil, nil, err
	}
	return newNames(lang, cs, orgs), cs, orgs, nil
}

func (p *Pages) rows(lang i18n.Lang, n names, cal *calendar.Calendar, ts []domain.Task) []taskRow {
	now := p.now()
	out := make([]taskRow, len(ts))
	for i, t := range ts {
		r := taskRow{Task: t, Committee: n.committee(t.Source.Committee), Source: sourceName(lang, n, t.Source), Lead: n.org(t.Lead)}
		for _, c := range t.Co {
			r.Co = append(r.Co, n.org(c))
		}
		r.When, r.Overdue = when(lang, t, now, cal)
		out[i] = r
	}
	return out
}

// cursor keeps a list's keyset position in a page address: the due time in
// microseconds and the id ("1717580000000000-42"). It is not secret; a
// malformed one starts again at the first page.
func formatCursor(c postgres.TaskCursor) string {
	return strconv.FormatInt(c.DueAt.UnixMicro(), 10) + "-" + strconv.FormatInt(c.ID, 10)
}

func parseCursor(s string) postgres.TaskCursor {
	us, id, ok := strings.Cut(s, "-")
	u, err1 := strconv.ParseInt(us, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || n < 1 {
		return postgres.TaskCursor{}
	}
	return postgres.TaskCursor{DueAt: time.UnixMicro(u), ID: n}
}

func cursorOf(t domain.Task) postgres.TaskCursor {
	return postgres.TaskCursor{DueAt: t.DueAt, ID: t.ID}
}

// listPage returns one page of tasks in due order and whether more follow.
// With several statuses it lists the union: each status is a keyset-paged
// list of its own in the same (due, id) order, so merging their next pages
// and keeping the first limit gives the union's next page.
func (p *Pages) listPage(ctx context.Context, u domain.User, f postgres.TaskFilter, statuses []domain.TaskStatus, after postgres.TaskCursor, limit int) ([]domain.Task, bool, error) {
	var all []domain.Task
	if len(statuses) == 0 {
		ts, err := p.tasks.List(ctx, u, f, after, limit+1)
		if err != nil {
			return nil, false, err
		}
		all = ts
	} else {
		for _, s := range statuses {
			f.Status = s
			ts, err := p.tasks.List(ctx, u, f, after, limit+1)
			if err != nil {
				return nil, false, err
			}
			all = append(all, ts...)
		}
		slices.SortFunc(all, func(a, b domain.Task) int {
			if c := a.DueAt.Compare(b.DueAt); c != 0 {
				return c
			}
			return int(a.ID - b.ID)
		})
	}
	if len(all) > limit {
		return all[:limit], true, nil
	}
	return all, false, nil
}

// inboxFilters are the choices of the inbox's status filter, "active" (not
// yet done: open, in progress or waiting for the office) first, as it opens.
var inboxFilters = []string{"active", "overdue", "open", "in_progress", "submitted", "accepted", "cancelled", "all"}

const listPageSize = 50

// option is one choice of a filter.
type option struct {
	Value, Label string
	Selected     bool
}

// inboxPage is a department's tasks in due order.
type inboxPage struct {
	Filters []option
	Filter  string
	Rows    []taskRow
	Next    string // address of the next page, empty on the last
	First   string // address of the first page, empty on it
}

func (p *Pages) inbox(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if p.tasks == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	// The inbox is every task the person may see; offices and conveners
	// use it too, though their menu leads them to the board.
	if m := p.menuFor(u); !m.Inbox && !m.Board {
		p.forbidden(w, r, u)
		return
	}
	ctx, q := r.Context(), r.URL.Query()
	v := p.newView(r, "page.inbox.title", "inbox")
	filter := q.Get("status")
	if !slices.Contains(inboxFilters, filter) {
		filter = "active"
	}
	var f postgres.TaskFilter
	var statuses []domain.TaskStatus
	switch filter {
	case "active":
		statuses = []domain.TaskStatus{domain.TaskOpen, domain.TaskInProgress, domain.TaskSubmitted}
	case "overdue":
		f.Overdue = true
	case "all":
	default:
		f.Status = domain.TaskStatus(filter)
	}
	after := parseCursor(q.Get("after"))
	ts, more, err := p.listPage(ctx, u, f, statuses, after, listPageSize)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	n, _, _, err := p.taskNames(ctx, v.Lang)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	cal, err := p.calendar(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	data := inboxPage{Filter: filter, Rows: p.rows(v.Lang, n, cal, ts)}
	for _, s := range inboxFilters {
		data.Filters = append(data.Filters, option{Value: s, Label: v.T("inbox.filter." + s), Selected: s == filter})
	}
	if more {
		data.Next = "/tasks?" + url.Values{"status": {filter}, "after": {formatCursor(cursorOf(ts[len(ts)-1]))}}.Encode()
	}
	if after.ID != 0 {
		data.First = "/tasks?" + url.Values{"status": {filter}}.Encode()
	}
	v.Data = data
	p.render(w, r, http.StatusOK, "inbox", v)
}
