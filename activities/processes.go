package activities

import (
	"context"
	"time"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/postgres"
)

// ProcessStore is what the activities of meeting cycles and selection
// rounds need of storage.
type ProcessStore interface {
	Calendar(ctx context.Context) (*calendar.Calendar, error)
	RecordCycle(ctx context.Context, ch domain.CycleChange) error
	RecordRound(ctx context.Context, ch domain.RoundChange) error
	RecordMasterpieces(ctx context.Context, ch domain.MasterpieceChange) error
	StartReviewRound(ctx context.Context, r domain.Round) error
	OpenProcessTask(ctx context.Context, key string, t domain.Task, rec domain.AuditRecord, start func(domain.Task) error) (domain.Task, error)
	NotifyOnce(ctx context.Context, to postgres.Audience, key string, n domain.Notification) error
}

// Processes holds the activities of the long-running processes (meeting
// cycles, selection rounds) with their dependencies: storage, the starter
// of a task's workflow (the task service's, so every task starts the same
// way) and the clock.
type Processes struct {
	Store ProcessStore
	// Experts reads the expert pool (users with the expert role, with
	// their affiliation).
	Experts   func(ctx context.Context) ([]domain.Expert, error)
	StartTask func(ctx context.Context, t domain.Task) error
	Now       func() time.Time
}

// RecordCycle stores a step a cycle's workflow took, once per key.
func (m *Processes) RecordCycle(ctx context.Context, ch domain.CycleChange) error {
	return m.Store.RecordCycle(ctx, ch)
}

// RecordRound stores a step a selection round's workflow took, once per key.
func (m *Processes) RecordRound(ctx context.Context, ch domain.RoundChange) error {
	return m.Store.RecordRound(ctx, ch)
}

// RecordMasterpieces stores a step a project year's workflow took, once per
// key.
func (m *Processes) RecordMasterpieces(ctx context.Context, ch domain.MasterpieceChange) error {
	return m.Store.RecordMasterpieces(ctx, ch)
}

// StartReviewRound stores the round a process starts for its expert
// review (a retry stores nothing new); the process then starts the round's
// workflow as its child.
func (m *Processes) StartReviewRound(ctx context.Context, r domain.Round) error {
	return m.Store.StartReviewRound(ctx, r)
}

// LoadExpertsInput asks for the expert pool.
type LoadExpertsInput struct{}

// LoadExperts returns the expert pool as it is now; the round keeps the
// snapshot it drew from.
func (m *Processes) LoadExperts(ctx context.Context, _ LoadExpertsInput) ([]domain.Expert, error) {
	return m.Experts(ctx)
}

// TaskSpec is a task a process opens: Key names it within the process (a
// retry finds it by the key), and it is due at DueAt or, when that is
// zero, in DueDays working days.
type TaskSpec struct {
	Key     string             `json:"key"`
	Kind    domain.TaskKind    `json:"kind"`
	Lead    domain.Code        `json:"lead"`
	Co      []domain.Code      `json:"co,omitempty"`
	Title   string             `json:"title"`
	Body    string             `json:"body"`
	Form    []domain.FormField `json:"form"`
	DueAt   time.Time          `json:"due_at,omitzero"`
	DueDays int                `json:"due_days,omitempty"`
}

// OpenTasksInput is a batch of tasks one process opens together.
type OpenTasksInput struct {
	Source domain.TaskSource `json:"source"`
	Actor  string            `json:"actor"`
	Tasks  []TaskSpec        `json:"tasks"`
}

// OpenedTask is a task opened, by its spec's key.
type OpenedTask struct {
	Key   string      `json:"key"`
	ID    int64       `json:"id"`
	Lead  domain.Code `json:"lead"`
	DueAt time.Time   `json:"due_at"`
}

// OpenTasks opens a process's tasks, each with its workflow. Each is opened
// once per key, so a retry after a crash opens only the ones missing.
func (m *Processes) OpenTasks(ctx context.Context, in OpenTasksInput) ([]OpenedTask, error) {
	cal, err := m.Store.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := m.Now()
	out := make([]OpenedTask, 0, len(in.Tasks))
	for _, spec := range in.Tasks {
		due := spec.DueAt
		if due.IsZero() {
			due = cal.Deadline(now, spec.DueDays)
		}
		form := spec.Form
		if form == nil {
			form = []domain.FormField{}
		}
		t := domain.Task{Source: in.Source, Kind: spec.Kind, Title: spec.Title, Body: spec.Body, Lead: spec.Lead, Co: spec.Co, Form: form,
			DueAt: due, Priority: domain.PriorityNormal, Status: domain.TaskOpen, CreatedBy: in.Actor, CreatedAt: now, Values: map[string]any{}}
		rec := domain.AuditRecord{Actor: in.Actor, Action: "task.create", Result: domain.AuditOK,
			Detail: map[string]string{"lead": spec.Lead, "committee": in.Source.Committee, "source": in.Source.ID}}
		opened, err := m.Store.OpenProcessTask(ctx, spec.Key, t, rec, func(t domain.Task) error { return m.StartTask(ctx, t) })
		if err != nil {
			return out, err
		}
		out = append(out, OpenedTask{Key: spec.Key, ID: opened.ID, Lead: opened.Lead, DueAt: opened.DueAt})
	}
	return out, nil
}

// NoticeInput is an in-app notice a process sends: to departments, or to a
// committee's office or conveners, once per person and key. The message is
// a catalogue key with its parameters.
type NoticeInput struct {
	Key         string         `json:"key"`
	Departments []domain.Code  `json:"departments,omitempty"`
	Users       []string       `json:"users,omitempty"`
	Committee   domain.Code    `json:"committee,omitempty"`
	Role        string         `json:"role,omitempty"`
	Message     string         `json:"message"`
	Params      map[string]any `json:"params,omitempty"`
	Link        string         `json:"link,omitempty"`
	TaskID      int64          `json:"task_id,omitempty"`
}

// Notify puts a process's notice in its audience's notification centres.
func (m *Processes) Notify(ctx context.Context, in NoticeInput) error {
	n := domain.Notification{TaskID: in.TaskID, Link: in.Link, CreatedAt: m.Now(),
		Subject: i18n.T(i18n.ZH, in.Message+".subject", in.Params), Body: i18n.T(i18n.ZH, in.Message+".body", in.Params)}
	return m.Store.NotifyOnce(ctx, postgres.Audience{Departments: in.Departments, Users: in.Users, Committee: in.Committee, Role: in.Role}, in.Key, n)
}

// DeadlineInput asks for the time a number of working days from a time
// (From; now when zero).
type DeadlineInput struct {
	Days int
	From time.Time `json:",omitzero"`
}

// Deadline returns the due time that many working days from now (or
// From), by the calendar with its holidays and make-up days.
func (m *Processes) Deadline(ctx context.Context, in DeadlineInput) (time.Time, error) {
	cal, err := m.Store.Calendar(ctx)
	if err != nil {
		return time.Time{}, err
	}
	from := in.From
	if from.IsZero() {
		from = m.Now()
	}
	return cal.Deadline(from, in.Days), nil
}
