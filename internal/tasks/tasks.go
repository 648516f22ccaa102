// Package tasks assigns work to member departments and carries people's
// actions on it (submit, contribute, return, accept, extension, cancel) to
// the task's Temporal workflow, which decides and records each transition.
// It is the one place both the API and the pages go through.
package tasks

import (
	"context"
	"errors"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"lianxi/internal/auth"
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
		Source: domain.TaskSource{Kind: "adhoc", Committee: in.Committee}, Kind: in.Kind, Title: strings.TrimSpace(in.Title), Body: in.Body,
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

// Get returns a task the actor may see. One they may not see is "not
// found", so ids of other departments' tasks reveal nothing.
func (s *Service) Get(ctx context.Context, actor domain.User, id int64) (domain.Task, error) {
	t, err := s.store.GetTask(ctx, id)
	if err != nil {
		return domain.Task{}, err
	}
	if !t.CanSee(actor) {
		return domain.Task{}, domain.NotFound("task", "")
	}
	return t, nil
}

// List returns a page of the tasks the actor may see.
func (s *Service) List(ctx context.Context, actor domain.User, f postgres.TaskFilter, after postgres.TaskCursor, limit int) ([]domain.Task, error) {
	f.Now = s.now()
	return s.store.ListTasks(ctx, f, postgres.ViewerOf(actor), after, limit)
}

// Details is a task's history and co-handling contributions.
type Details struct {
	History       []domain.TaskEvent
	Contributions []domain.Contribution
}

// Details returns a visible task's history and contributions.
func (s *Service) Details(ctx context.Context, actor domain.User, id int64) (Details, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return Details{}, err
	}
	h, err := s.store.TaskHistory(ctx, id)
	if err != nil {
		return Details{}, err
	}
	c, err := s.store.TaskContributions(ctx, id)
	return Details{History: h, Contributions: c}, err
}

// Act sends a person's action to the task's workflow as an Update and
// returns the task as recorded. The workflow's validator decides whether
// the actor may act, whether the form is complete and whether the
// transition is legal; a refusal comes back as the domain error it was.
func (s *Service) Act(ctx context.Context, actor domain.User, id int64, update string, arg any) (domain.Task, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return domain.Task{}, err
	}
	h, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.TaskID(id), UpdateName: update, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		var out domain.Task
		err = h.Get(ctx, &out)
	}
	if err != nil {
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			// The workflow has ended: the task was accepted or cancelled.
			return domain.Task{}, domain.Conflict("error.task_closed", nil)
		}
		return domain.Task{}, workflows.UpdateError(err)
	}
	return s.store.GetTask(ctx, id)
}
