// Package tasks assigns work to member departments and carries people's
// actions on it (submit, contribute, return, accept, extension, cancel) to
// the task's Temporal workflow, which decides and records each transition.
// It is the one place both the API and the pages go through.
package tasks

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/postgres"
	lxtemporal "lianxi/internal/temporal"
	"lianxi/workflows"
)

// Service is the department-task service.
type Service struct {
	store    *postgres.Store
	temporal client.Client
	now      func() time.Time
}

// New builds the service.
func New(store *postgres.Store, c client.Client, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, temporal: c, now: now}
}

// Create assigns an ad-hoc task from a committee's office to a lead
// department (and co-handling ones). The task's row and its workflow are
// created together: a failed workflow start leaves no row behind.
func (s *Service) Create(ctx context.Context, actor domain.User, in domain.NewTask, meta auth.Meta) (domain.Task, error) {
	now := s.now()
	if err := in.Validate(now); err != nil {
		return domain.Task{}, err
	}
	if !actor.HasFor(domain.RoleOffice, in.Committee) {
		return domain.Task{}, domain.Forbidden()
	}
	due := time.Time{}
	if in.DueAt != nil {
		due = *in.DueAt
	} else {
		cal, err := s.store.Calendar(ctx)
		if err != nil {
			return domain.Task{}, err
		}
		due = cal.Deadline(now, *in.DueWorkingDays)
	}
	t := domain.Task{
		Source: domain.TaskSource{Kind: domain.SourceAdHoc, Committee: in.Committee}, Kind: in.Kind, Title: strings.TrimSpace(in.Title), Body: in.Body,
		Lead: in.Lead, Co: in.Co, Form: in.Form, DueAt: due, Priority: in.Priority, Status: domain.TaskOpen,
		CreatedBy: actor.Username, CreatedAt: now, Values: map[string]any{},
	}
	if t.Kind == "" {
		t.Kind = domain.KindAdHoc
	}
	if t.Priority == "" {
		t.Priority = domain.PriorityNormal
	}
	if t.Form == nil {
		t.Form = []domain.FormField{}
	}
	rec := meta.Record(actor.Username, "task.create", "", domain.AuditOK)
	rec.Detail = map[string]string{"lead": t.Lead, "committee": in.Committee}
	id, err := s.store.CreateTask(ctx, t, rec, func(t domain.Task) error { return s.start(ctx, t) })
	if err != nil {
		return domain.Task{}, err
	}
	return s.store.GetTask(ctx, id)
}

// StartWorkflow starts the workflow of a task a process opened. A workflow
// running already (the process's activity retried) is left as it is.
func (s *Service) StartWorkflow(ctx context.Context, t domain.Task) error {
	err := s.start(ctx, t)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	return err
}

// start starts a task's workflow. Its id comes from the task's, and a
// second start of the same id is refused by Temporal.
func (s *Service) start(ctx context.Context, t domain.Task) error {
	depts := append([]string{t.Lead}, t.Co...)
	_, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        workflows.TaskID(t.ID),
		TaskQueue: workflows.TaskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			temporal.NewSearchAttributeKeyKeyword(lxtemporal.SACommittee).ValueSet(t.Source.Committee),
			temporal.NewSearchAttributeKeyKeyword(lxtemporal.SAKind).ValueSet("task:"+string(t.Kind)),
			temporal.NewSearchAttributeKeyKeywordList(lxtemporal.SADepartments).ValueSet(depts),
			temporal.NewSearchAttributeKeyTime(lxtemporal.SADueAt).ValueSet(t.DueAt),
		),
	}, workflows.Task, workflows.TaskInput{Task: t})
	if err != nil {
		return &domain.Error{Kind: domain.KindUnavailable, Key: "error.unavailable", Err: err}
	}
	return nil
}

// Get returns a task the actor may see; another department's or
// committee's task is refused (403) and the refusal audited by the caller.
func (s *Service) Get(ctx context.Context, actor domain.User, id int64) (domain.Task, error) {
	actor, err := s.inherit(ctx, actor)
	if err != nil {
		return domain.Task{}, err
	}
	return s.visible(ctx, actor, id)
}

// visible is Get for an actor whose inherited roles are already known.
func (s *Service) visible(ctx context.Context, actor domain.User, id int64) (domain.Task, error) {
	t, err := s.store.GetTask(ctx, id)
	if err != nil {
		return domain.Task{}, err
	}
	if !t.CanSee(actor) {
		return domain.Task{}, domain.Forbidden()
	}
	return t, nil
}

// List returns a page of the tasks the actor may see.
func (s *Service) List(ctx context.Context, actor domain.User, f postgres.TaskFilter, after postgres.TaskCursor, limit int) ([]domain.Task, error) {
	f.Now = s.now()
	actor, err := s.inherit(ctx, actor)
	if err != nil {
		return nil, err
	}
	return s.store.ListTasks(ctx, f, postgres.ViewerOf(actor), after, limit)
}

// Details is everything a task's page shows: the task, its history, the
// co-handling contributions, comments and files.
type Details struct {
	Task          domain.Task
	History       []domain.TaskEvent
	Contributions []domain.Contribution
	Comments      []domain.Comment
	Attachments   []domain.Attachment
}

// Details returns a visible task with its history, contributions, comments
// and files, checking visibility once.
func (s *Service) Details(ctx context.Context, actor domain.User, id int64) (Details, error) {
	t, err := s.Get(ctx, actor, id)
	if err != nil {
		return Details{}, err
	}
	d := Details{Task: t}
	if d.History, err = s.store.TaskHistory(ctx, id); err != nil {
		return Details{}, err
	}
	if d.Contributions, err = s.store.TaskContributions(ctx, id); err != nil {
		return Details{}, err
	}
	if d.Comments, err = s.store.Comments(ctx, id); err != nil {
		return Details{}, err
	}
	d.Attachments, err = s.store.Attachments(ctx, id)
	return d, err
}

// Authority returns the Action an actor takes: under their own authority,
// or, with onBehalfOf, under an absent colleague's when a delegation makes
// the actor their deputy today.
func (s *Service) Authority(ctx context.Context, actor domain.User, onBehalfOf string) (workflows.Action, error) {
	actor, err := s.inherit(ctx, actor)
	if err != nil {
		return workflows.Action{}, err
	}
	if onBehalfOf == "" || onBehalfOf == actor.Username {
		return workflows.Action{Actor: actor}, nil
	}
	principal, _, err := s.store.GetUserByUsername(ctx, domain.NormaliseUsername(onBehalfOf))
	if domain.KindOf(err) == domain.KindNotFound {
		return workflows.Action{}, domain.Forbidden()
	} else if err != nil {
		return workflows.Action{}, err
	}
	ok, err := s.store.ActsFor(ctx, principal.ID, actor.ID, calendar.DateOf(s.now()))
	if err != nil {
		return workflows.Action{}, err
	}
	if !ok || principal.Disabled {
		return workflows.Action{}, domain.Forbidden()
	}
	if principal, err = s.inherit(ctx, principal); err != nil {
		return workflows.Action{}, err
	}
	return workflows.Action{Actor: principal, Deputy: actor.Username}, nil
}

// inherit gives a department's people the roles of every department merged
// into theirs, so a task follows its department through a merge: the
// absorbing department sees and handles the old one's tasks.
func (s *Service) inherit(ctx context.Context, u domain.User) (domain.User, error) {
	into, err := s.store.Mergers(ctx)
	if err != nil || len(into) == 0 {
		return u, err
	}
	grants := slices.Clone(u.Grants)
	for _, g := range u.Grants {
		if g.Role.Scope() != domain.ScopeDepartment {
			continue
		}
		// Follow chains of merges (A into B, B into C).
		queue := slices.Clone(into[g.Department])
		for len(queue) > 0 {
			d := queue[0]
			queue = queue[1:]
			grants = append(grants, domain.Grant{Role: g.Role, Department: d})
			queue = append(queue, into[d]...)
		}
	}
	u.Grants = grants
	return u, nil
}

// Act sends a person's action to the task's workflow as an Update and
// returns the task as recorded. build makes the update's argument from the
// Action (who acts, on whose behalf). The workflow's validator decides
// whether the actor may act, whether the form is complete and whether the
// transition is legal; a refusal comes back as the domain error it was.
func (s *Service) Act(ctx context.Context, actor domain.User, onBehalfOf string, id int64, update string, build func(workflows.Action) any) (domain.Task, error) {
	a, err := s.Authority(ctx, actor, onBehalfOf)
	if err != nil {
		return domain.Task{}, err
	}
	t, err := s.visible(ctx, a.Actor, id)
	if err != nil {
		return domain.Task{}, err
	}
	arg := build(a)
	if sub, ok := arg.(workflows.SubmitRequest); ok && t.Kind == domain.KindAgendaItems {
		if err := s.checkItemAttachments(ctx, t, sub.Values); err != nil {
			return domain.Task{}, err
		}
	}
	if d, ok := arg.(workflows.DispatchRequest); ok {
		// Only the lead department's own people can be handed the task.
		m, _, err := s.store.GetUserByUsername(ctx, domain.NormaliseUsername(d.Member))
		if err != nil || !domain.CanHandle(m, t.Lead) || m.Disabled {
			var v domain.Validation
			v.Add("member", "validation.not_department_member", map[string]any{"value": d.Member})
			return domain.Task{}, v.Err()
		}
	}
	// The workflow answers with the task as it recorded it; an ended one
	// (accepted or cancelled) is closed.
	return lxtemporal.Update[domain.Task](ctx, s.temporal, workflows.TaskID(id), update, arg, domain.Conflict("error.task_closed", nil), workflows.UpdateError)
}

// checkItemAttachments refuses agenda items naming files that are not
// attached to the task.
func (s *Service) checkItemAttachments(ctx context.Context, t domain.Task, values map[string]any) error {
	items, err := domain.ItemsValue(values["items"])
	if err != nil || !slices.ContainsFunc(items, func(it domain.ItemInput) bool { return len(it.Attachments) > 0 }) {
		return nil // nothing to check, or the workflow's validator names the field
	}
	files, err := s.store.Attachments(ctx, t.ID)
	if err != nil {
		return err
	}
	var v domain.Validation
	for i, it := range items {
		for j, a := range it.Attachments {
			v.Check(slices.ContainsFunc(files, func(f domain.Attachment) bool { return f.ID == a }),
				"values.items["+strconv.Itoa(i)+"].attachments["+strconv.Itoa(j)+"]", "validation.attachment", nil)
		}
	}
	return v.Err()
}

// Comment adds a remark to a task anyone who may see it can make.
func (s *Service) Comment(ctx context.Context, actor domain.User, id int64, body string, meta auth.Meta) (domain.Comment, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return domain.Comment{}, err
	}
	var v domain.Validation
	trimmed := strings.TrimSpace(body)
	v.Check(trimmed != "", "body", "validation.required", nil)
	v.Check(utf8.RuneCountInString(body) <= 5000, "body", "validation.too_long", map[string]any{"max": 5000})
	v.Check(utf8.ValidString(body) && !strings.ContainsRune(body, 0), "body", "validation.control_chars", nil)
	if err := v.Err(); err != nil {
		return domain.Comment{}, err
	}
	return s.store.AddComment(ctx, id, actor.Username, trimmed, meta.Record(actor.Username, "task.comment", "task:"+strconv.FormatInt(id, 10), domain.AuditOK))
}

// fileTypes are the files a task accepts, by extension: the type stored
// and served, and what the content must look like to Go's sniffer (Office
// files since 2007 are zip containers; the older ones are OLE files, which
// it does not name). A file whose content does not match its name is
// refused.
var fileTypes = map[string]struct{ serve, sniff string }{
	".pdf":  {"application/pdf", "application/pdf"},
	".png":  {"image/png", "image/png"},
	".jpg":  {"image/jpeg", "image/jpeg"},
	".jpeg": {"image/jpeg", "image/jpeg"},
	".txt":  {"text/plain; charset=utf-8", "text/plain; charset=utf-8"},
	".zip":  {"application/zip", "application/zip"},
	".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"},
	".xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"},
	".pptx": {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/zip"},
	".doc":  {"application/msword", "application/octet-stream"},
	".xls":  {"application/vnd.ms-excel", "application/octet-stream"},
}

// CheckDepartments refuses codes that are not departments, naming each
// under field ("field[i]").
func (s *Service) CheckDepartments(ctx context.Context, field string, codes []domain.Code) error {
	var v domain.Validation
	for i, d := range codes {
		o, err := s.store.GetOrganisation(ctx, d)
		if err != nil && domain.AsError(err) == nil {
			return err
		}
		v.Check(err == nil && o.Kind == domain.OrgDepartment, field+"["+strconv.Itoa(i)+"]", "validation.unknown_department", map[string]any{"value": d})
	}
	return v.Err()
}

// CheckFile checks an uploaded file — its name, its extension among the
// office formats, its size, its content against its extension — and
// returns the name to keep and the type to serve it as.
func CheckFile(name string, data []byte) (string, string, error) {
	var v domain.Validation
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, "\\", "/")))
	ext := strings.ToLower(filepath.Ext(name))
	ft, known := fileTypes[ext]
	v.Check(name != "" && name != "." && utf8.RuneCountInString(name) <= 200 && domain.PlainText(name), "file", "validation.file_name", nil)
	v.Check(known, "file", "validation.file_type", map[string]any{"types": "pdf, docx, xlsx, pptx, doc, xls, png, jpg, txt, zip"})
	v.Check(len(data) > 0, "file", "validation.required", nil)
	v.Check(len(data) <= postgres.MaxAttachmentBytes, "file", "validation.file_too_large", map[string]any{"max_mb": postgres.MaxAttachmentBytes >> 20})
	if known && len(data) > 0 && !v.Has("file") {
		v.Check(http.DetectContentType(data) == ft.sniff, "file", "validation.file_content", nil)
	}
	return name, ft.serve, v.Err()
}

// Attach stores a file on a task: the departments on it and its office may;
// the size, the name's extension and the content's type are checked.
func (s *Service) Attach(ctx context.Context, actor domain.User, id int64, name string, data []byte, meta auth.Meta) (domain.Attachment, error) {
	t, err := s.Get(ctx, actor, id)
	if err != nil {
		return domain.Attachment{}, err
	}
	allowed := t.CanManage(actor) || domain.CanHandle(actor, t.Lead)
	for _, c := range t.Co {
		allowed = allowed || domain.CanHandle(actor, c)
	}
	if !allowed {
		return domain.Attachment{}, domain.Forbidden()
	}
	name, contentType, err := CheckFile(name, data)
	if err != nil {
		return domain.Attachment{}, err
	}
	return s.store.AddAttachment(ctx, domain.Attachment{TaskID: id, Name: name, ContentType: contentType, UploadedBy: actor.Username}, data,
		meta.Record(actor.Username, "task.attach", "task:"+strconv.FormatInt(id, 10), domain.AuditOK))
}

// Attachment returns a visible task's file with its content.
func (s *Service) Attachment(ctx context.Context, actor domain.User, taskID, id int64) (domain.Attachment, []byte, error) {
	if _, err := s.Get(ctx, actor, taskID); err != nil {
		return domain.Attachment{}, nil, err
	}
	return s.store.Attachment(ctx, taskID, id)
}

// AddDeputy lets deputy act for principal between two dates: the principal
// themselves or an administrator may.
func (s *Service) AddDeputy(ctx context.Context, actor domain.User, d domain.Deputy, meta auth.Meta) (domain.Deputy, error) {
	d.Principal, d.Deputy = domain.NormaliseUsername(d.Principal), domain.NormaliseUsername(d.Deputy)
	if d.Principal == "" {
		d.Principal = actor.Username
	}
	if d.Principal != actor.Username && !actor.IsAdmin() {
		return domain.Deputy{}, domain.Forbidden()
	}
	var v domain.Validation
	from, err1 := calendar.ParseDate(d.StartsOn)
	until, err2 := calendar.ParseDate(d.EndsOn)
	v.Check(err1 == nil, "starts_on", "validation.type_date", nil)
	v.Check(err2 == nil, "ends_on", "validation.type_date", nil)
	v.Check(d.Deputy != "", "deputy", "validation.required", nil)
	if err := v.Err(); err != nil {
		return domain.Deputy{}, err
	}
	id, err := s.store.AddDeputy(ctx, d.Principal, d.Deputy, from, until, meta.Record(actor.Username, "deputy.add", "", domain.AuditOK))
	d.ID = id
	return d, err
}

// Deputies lists the delegations the actor gives or holds.
func (s *Service) Deputies(ctx context.Context, actor domain.User) ([]domain.Deputy, error) {
	return s.store.Deputies(ctx, actor.ID, calendar.DateOf(s.now()))
}

// RemoveDeputy ends a delegation the actor gave (or any, for an
// administrator).
func (s *Service) RemoveDeputy(ctx context.Context, actor domain.User, id int64, meta auth.Meta) error {
	return s.store.RemoveDeputy(ctx, id, func(principal int64) bool { return principal == actor.ID || actor.IsAdmin() },
		meta.Record(actor.Username, "deputy.remove", "", domain.AuditOK))
}
