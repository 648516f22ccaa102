package webtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/postgres"
	"lianxi/internal/tasks"
	"lianxi/workflows"
)

// FakeTasks stands in for tasks.Service and, for the ledger page, for the
// store's statistics: tasks in memory, the visibility rules of the real
// service and the checks of the Task workflow's update validators (who may
// act, in which status, a complete form, a reason where one is needed), so
// the pages meet the same refusals they meet in production.
type FakeTasks struct {
	dir *FakeDirectory
	now func() time.Time

	mu       sync.Mutex
	nextID   int64
	tasks    map[int64]domain.Task
	history  map[int64][]domain.TaskEvent
	contribs map[int64][]domain.Contribution
	comments map[int64][]domain.Comment
	files    map[int64][]storedFile
	nextFile int64
	acts     []string
}

// storedFile is an attachment with its content.
type storedFile struct {
	domain.Attachment
	data []byte
}

// NewFakeTasks returns an empty fake; dir names departments in the
// statistics, now is the clock of "overdue" and of recorded events.
func NewFakeTasks(dir *FakeDirectory, now func() time.Time) *FakeTasks {
	if now == nil {
		now = time.Now
	}
	return &FakeTasks{dir: dir, now: now, tasks: map[int64]domain.Task{}, history: map[int64][]domain.TaskEvent{},
		contribs: map[int64][]domain.Contribution{}, comments: map[int64][]domain.Comment{}, files: map[int64][]storedFile{}}
}

// Add stores a task as an office would have assigned it and returns it with
// its id. Empty fields get the defaults the service gives them.
func (f *FakeTasks) Add(t domain.Task) domain.Task {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	t.ID = f.nextID
	if t.Status == "" {
		t.Status = domain.TaskOpen
	}
	if t.Priority == "" {
		t.Priority = domain.PriorityNormal
	}
	if t.Kind == "" {
		t.Kind = domain.KindAdHoc
	}
	if t.Source.Kind == "" {
		t.Source.Kind = "adhoc"
	}
	if t.Values == nil {
		t.Values = map[string]any{}
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = f.now().Add(-72 * time.Hour)
	}
	if t.CreatedBy == "" {
		t.CreatedBy = "kj.office"
	}
	t.UpdatedAt = t.CreatedAt
	f.tasks[t.ID] = t
	f.history[t.ID] = append(f.history[t.ID], domain.TaskEvent{At: t.CreatedAt, Actor: t.CreatedBy, Kind: "created"})
	return t
}

// AddEvent appends an event to a task's history, e.g. one taken on someone's
// behalf.
func (f *FakeTasks) AddEvent(id int64, e domain.TaskEvent) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.history[id] = append(f.history[id], e)
}

// Task returns a task as stored, whoever asks.
func (f *FakeTasks) Task(id int64) domain.Task {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tasks[id]
}

// Acts returns the actions carried out so far, as "update id actor".
func (f *FakeTasks) Acts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.acts)
}

// Get implements webui.Tasks: another department's task is refused as the
// service refuses it.
func (f *FakeTasks) Get(_ context.Context, actor domain.User, id int64) (domain.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tasks[id]
	if !ok {
		return domain.Task{}, domain.NotFound("task", "")
	}
	if !t.CanSee(actor) {
		return domain.Task{}, domain.Forbidden()
	}
	return t, nil
}

// visible reports whether a viewer sees a task, as the store's lists decide.
func visible(t domain.Task, v postgres.Viewer) bool {
	if v.All || slices.Contains(v.Committees, t.Source.Committee) {
		return true
	}
	return slices.ContainsFunc(v.Departments, t.Involves)
}

// matches applies a task filter as the store's query does.
func matches(t domain.Task, flt postgres.TaskFilter) bool {
	switch {
	case flt.Committee != "" && t.Source.Committee != flt.Committee,
		flt.Department != "" && !t.Involves(flt.Department),
		flt.Status != "" && t.Status != flt.Status,
		flt.SourceKind != "" && t.Source.Kind != flt.SourceKind,
		flt.SourceID != "" && t.Source.ID != flt.SourceID,
		flt.Overdue && !t.Overdue(flt.Now),
		!flt.DueFrom.IsZero() && t.DueAt.Before(flt.DueFrom),
		!flt.DueTo.IsZero() && !t.DueAt.Before(flt.DueTo),
		flt.Text != "" && !strings.Contains(strings.ToLower(t.Title+"\n"+t.Body), strings.ToLower(flt.Text)):
		return false
	}
	return true
}

func (f *FakeTasks) selected(flt postgres.TaskFilter, v postgres.Viewer) []domain.Task {
	var out []domain.Task
	for _, t := range f.tasks {
		if visible(t, v) && matches(t, flt) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b domain.Task) int {
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out
}

// List implements webui.Tasks with keyset pagination on (due, id).
func (f *FakeTasks) List(_ context.Context, actor domain.User, flt postgres.TaskFilter, after postgres.TaskCursor, limit int) ([]domain.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	flt.Now = f.now()
	var out []domain.Task
	for _, t := range f.selected(flt, postgres.ViewerOf(actor)) {
		if !after.DueAt.IsZero() && (t.DueAt.Before(after.DueAt) || t.DueAt.Equal(after.DueAt) && t.ID <= after.ID) {
			continue
		}
		out = append(out, t)
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

// Details implements webui.Tasks.
func (f *FakeTasks) Details(ctx context.Context, actor domain.User, id int64) (tasks.Details, error) {
	t, err := f.Get(ctx, actor, id)
	if err != nil {
		return tasks.Details{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	d := tasks.Details{Task: t, History: slices.Clone(f.history[id]), Contributions: slices.Clone(f.contribs[id]),
		Comments: slices.Clone(f.comments[id])}
	for _, s := range f.files[id] {
		d.Attachments = append(d.Attachments, s.Attachment)
	}
	return d, nil
}

// LedgerStats implements webui.Ledger over the same tasks.
func (f *FakeTasks) LedgerStats(_ context.Context, flt postgres.TaskFilter, v postgres.Viewer) ([]postgres.DepartmentStats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if flt.Now.IsZero() {
		flt.Now = f.now()
	}
	byDept := map[string]*postgres.DepartmentStats{}
	var order []string
	for _, t := range f.selected(flt, v) {
		d, ok := byDept[t.Lead]
		if !ok {
			o := f.dir.org(t.Lead)
			d = &postgres.DepartmentStats{Department: t.Lead, NameZH: o.NameZH, NameEN: o.NameEN, MergedInto: o.MergedInto}
			byDept[t.Lead] = d
			order = append(order, t.Lead)
		}
		d.Total++
		switch t.Status {
		case domain.TaskOpen:
			d.Open++
		case domain.TaskInProgress:
			d.InProgress++
		case domain.TaskSubmitted:
			d.Submitted++
		case domain.TaskAccepted:
			d.Accepted++
			if !t.SubmittedAt.After(t.DueAt) {
				d.OnTime++
			}
		case domain.TaskCancelled:
			d.Cancelled++
		}
		if t.Overdue(flt.Now) {
			d.Overdue++
		}
	}
	slices.Sort(order)
	out := make([]postgres.DepartmentStats, len(order))
	for i, c := range order {
		out[i] = *byDept[c]
	}
	return out, nil
}

// Act implements webui.Tasks: the action's argument is built, checked as the
// workflow's validator checks it, then applied with a history event. The
// fake knows no delegations, so acting on someone's behalf is refused.
func (f *FakeTasks) Act(ctx context.Context, actor domain.User, onBehalfOf string, id int64, update string, build func(workflows.Action) any) (domain.Task, error) {
	if onBehalfOf != "" && onBehalfOf != actor.Username {
		return domain.Task{}, domain.Forbidden()
	}
	if _, err := f.Get(ctx, actor, id); err != nil {
		return domain.Task{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tasks[id]
	now := f.now()
	working := []domain.TaskStatus{domain.TaskOpen, domain.TaskInProgress}
	lead := func(u domain.User) bool { return domain.CanHandle(u, t.Lead) }
	office := t.CanManage
	var (
		err     error
		detail  = map[string]any{}
		contrib *domain.Contribution
	)
	check := func(allowed func(domain.User) bool, legal ...domain.TaskStatus) error {
		if !allowed(actor) {
			return domain.Forbidden()
		}
		if !slices.Contains(legal, t.Status) {
			return domain.Conflict("error.task_transition", map[string]any{"status": string(t.Status)})
		}
		return nil
	}
	switch r := build(workflows.Action{Actor: actor}).(type) {
	case workflows.SubmitRequest:
		if err = check(lead, working...); err == nil {
			if err = domain.ValidateValues(t.Form, r.Values); err == nil {
				t.Status, t.Values, t.SubmittedAt = domain.TaskSubmitted, r.Values, now
			}
		}
	case workflows.ContributeRequest:
		co := func(u domain.User) bool {
			return slices.Contains(t.Co, r.Department) && domain.CanHandle(u, r.Department)
		}
		if err = check(co, working...); err == nil {
			if err = text("body", r.Body, 1); err == nil {
				t.Status = domain.TaskInProgress
				contrib = &domain.Contribution{Department: r.Department, Body: r.Body, Author: actor.Username, At: now}
				detail["department"] = r.Department
			}
		}
	case workflows.DispatchRequest:
		liaison := func(u domain.User) bool { return u.HasFor(domain.RoleLiaison, t.Lead) }
		if err = check(liaison, working...); err == nil {
			var v domain.Validation
			v.Check(r.Member != "", "member", "validation.required", nil)
			if err = v.Err(); err == nil {
				t.AssignedTo, detail["member"] = r.Member, r.Member
				if t.Status == domain.TaskOpen {
					t.Status = domain.TaskInProgress
				}
			}
		}
	case workflows.ReasonRequest:
		switch update {
		case workflows.UpdateReturn:
			if err = check(office, domain.TaskSubmitted); err == nil {
				if err = text("reason", r.Reason, 1); err == nil {
					t.Status, detail["reason"] = domain.TaskInProgress, r.Reason
				}
			}
		case workflows.UpdateAccept:
			if err = check(office, domain.TaskSubmitted); err == nil {
				t.Status, detail["note"] = domain.TaskAccepted, r.Reason
			}
		case workflows.UpdateCancel:
			if err = check(office, domain.TaskOpen, domain.TaskInProgress, domain.TaskSubmitted); err == nil {
				if err = text("reason", r.Reason, 1); err == nil {
					t.Status, detail["reason"] = domain.TaskCancelled, r.Reason
				}
			}
		}
	case workflows.ExtensionRequest:
		if err = check(lead, working...); err == nil {
			if t.Extension != nil {
				err = domain.Conflict("error.extension_pending", nil)
			} else {
				var v domain.Validation
				v.Check(r.DueAt.After(t.DueAt), "due_at", "validation.later_than_due", nil)
				if err = domain.JoinInvalid(v.Err(), text("reason", r.Reason, 1)); err == nil {
					t.Extension = &domain.Extension{RequestedBy: actor.Username, Reason: r.Reason, DueAt: r.DueAt, At: now}
					detail["reason"], detail["due_at"] = r.Reason, r.DueAt.Format(time.RFC3339)
				}
			}
		}
	case workflows.ExtensionDecision:
		if err = check(office, working...); err == nil {
			if t.Extension == nil {
				err = domain.Conflict("error.no_extension", nil)
			} else if r.DueAt != nil && !r.DueAt.After(t.DueAt) {
				var v domain.Validation
				v.Add("due_at", "validation.later_than_due", nil)
				err = v.Err()
			} else {
				detail["approved"], detail["note"] = r.Approve, r.Note
				if r.Approve {
					t.DueAt = t.Extension.DueAt
					if r.DueAt != nil {
						t.DueAt = *r.DueAt
					}
					detail["due_at"] = t.DueAt.Format(time.RFC3339)
				}
				t.Extension = nil
			}
		}
	default:
		err = domain.Errorf(domain.KindInvalid, "error.invalid", nil)
	}
	if err != nil {
		return domain.Task{}, err
	}
	t.UpdatedAt = now
	f.tasks[id] = t
	if contrib != nil {
		f.contribs[id] = append(f.contribs[id], *contrib)
	}
	kind := map[string]string{workflows.UpdateRequestExtension: "extension-requested", workflows.UpdateDecideExtension: "extension-decided"}[update]
	if kind == "" {
		kind = update
	}
	f.history[id] = append(f.history[id], domain.TaskEvent{At: now, Actor: actor.Username, Kind: kind, Detail: detail})
	f.acts = append(f.acts, update+" "+strconv.FormatInt(id, 10)+" "+actor.Username)
	return t, nil
}

// Comment implements webui.Tasks with the service's checks.
func (f *FakeTasks) Comment(ctx context.Context, actor domain.User, id int64, body string, _ auth.Meta) (domain.Comment, error) {
	if _, err := f.Get(ctx, actor, id); err != nil {
		return domain.Comment{}, err
	}
	var v domain.Validation
	trimmed := strings.TrimSpace(body)
	v.Check(trimmed != "", "body", "validation.required", nil)
	v.Check(utf8.RuneCountInString(body) <= 5000, "body", "validation.too_long", map[string]any{"max": 5000})
	if err := v.Err(); err != nil {
		return domain.Comment{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := domain.Comment{ID: int64(len(f.comments[id]) + 1), Author: actor.Username, Body: trimmed, At: f.now()}
	f.comments[id] = append(f.comments[id], c)
	return c, nil
}

// fileTypes are the files the fake accepts: the type served and what the
// content must sniff as, a few of the service's.
var fileTypes = map[string]struct{ serve, sniff string }{
	".pdf": {"application/pdf", "application/pdf"},
	".png": {"image/png", "image/png"},
	".txt": {"text/plain; charset=utf-8", "text/plain; charset=utf-8"},
}

// Attach implements webui.Tasks with the service's checks of who may, the
// name, the type, the size and the content.
func (f *FakeTasks) Attach(ctx context.Context, actor domain.User, id int64, name string, data []byte, _ auth.Meta) (domain.Attachment, error) {
	t, err := f.Get(ctx, actor, id)
	if err != nil {
		return domain.Attachment{}, err
	}
	if !t.CanManage(actor) && !domain.CanHandle(actor, t.Lead) && !slices.ContainsFunc(t.Co, func(c domain.Code) bool { return domain.CanHandle(actor, c) }) {
		return domain.Attachment{}, domain.Forbidden()
	}
	var v domain.Validation
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, "\\", "/")))
	ft, known := fileTypes[strings.ToLower(filepath.Ext(name))]
	v.Check(name != "" && name != "." && utf8.RuneCountInString(name) <= 200, "file", "validation.file_name", nil)
	v.Check(known, "file", "validation.file_type", map[string]any{"types": "pdf, png, txt"})
	v.Check(len(data) > 0, "file", "validation.required", nil)
	v.Check(len(data) <= postgres.MaxAttachmentBytes, "file", "validation.file_too_large", map[string]any{"max_mb": postgres.MaxAttachmentBytes >> 20})
	if known && len(data) > 0 && !v.Has("file") {
		v.Check(http.DetectContentType(data) == ft.sniff, "file", "validation.file_content", nil)
	}
	if err := v.Err(); err != nil {
		return domain.Attachment{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextFile++
	sum := sha256.Sum256(data)
	a := domain.Attachment{ID: f.nextFile, TaskID: id, Name: name, ContentType: ft.serve, Size: len(data),
		SHA256: hex.EncodeToString(sum[:]), UploadedBy: actor.Username, At: f.now()}
	f.files[id] = append(f.files[id], storedFile{Attachment: a, data: slices.Clone(data)})
	return a, nil
}

// Attachment implements webui.Tasks.
func (f *FakeTasks) Attachment(ctx context.Context, actor domain.User, taskID, id int64) (domain.Attachment, []byte, error) {
	if _, err := f.Get(ctx, actor, taskID); err != nil {
		return domain.Attachment{}, nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.files[taskID] {
		if s.ID == id {
			return s.Attachment, slices.Clone(s.data), nil
		}
	}
	return domain.Attachment{}, nil, domain.NotFound("attachment", strconv.FormatInt(id, 10))
}

// text checks a reason or a contribution as the workflow does.
func text(field, s string, minLen int) error {
	var v domain.Validation
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	v.Check(n >= minLen, field, "validation.required", nil)
	v.Check(utf8.RuneCountInString(s) <= 2000 || field == "body", field, "validation.too_long", map[string]any{"max": 2000})
	return v.Err()
}

// FakeCalendar stands in for the store's calendar overrides.
type FakeCalendar struct {
	mu        sync.Mutex
	overrides map[calendar.Date]calendar.Override
	audit     []domain.AuditRecord
}

// NewFakeCalendar returns a calendar without overrides.
func NewFakeCalendar() *FakeCalendar {
	return &FakeCalendar{overrides: map[calendar.Date]calendar.Override{}}
}

// Calendar implements webui.Calendar.
func (c *FakeCalendar) Calendar(ctx context.Context) (*calendar.Calendar, error) {
	overrides, _ := c.CalendarOverrides(ctx)
	return calendar.New(calendar.Options{Overrides: overrides})
}

// CalendarOverrides implements webui.Calendar, in date order.
func (c *FakeCalendar) CalendarOverrides(context.Context) ([]calendar.Override, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]calendar.Override, 0, len(c.overrides))
	for _, o := range c.overrides {
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b calendar.Override) int { return strings.Compare(a.Date.String(), b.Date.String()) })
	return out, nil
}

// SetCalendarOverride implements webui.Calendar.
func (c *FakeCalendar) SetCalendarOverride(_ context.Context, o calendar.Override, rec domain.AuditRecord) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.overrides[o.Date] = o
	c.audit = append(c.audit, rec)
	return nil
}

// DeleteCalendarOverride implements webui.Calendar.
func (c *FakeCalendar) DeleteCalendarOverride(_ context.Context, d calendar.Date, rec domain.AuditRecord) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.overrides[d]; !ok {
		return domain.NotFound("calendar override", d.String())
	}
	delete(c.overrides, d)
	c.audit = append(c.audit, rec)
	return nil
}

// Audited returns the audit records of the changes made so far.
func (c *FakeCalendar) Audited() []domain.AuditRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.audit)
}
