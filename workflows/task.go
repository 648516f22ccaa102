package workflows

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/internal/domain"
)

// Update names of the Task workflow: each is a human action, validated
// before it enters history.
const (
	UpdateSubmit           = "submit"
	UpdateContribute       = "contribute"
	UpdateReturn           = "return"
	UpdateAccept           = "accept"
	UpdateRequestExtension = "request-extension"
	UpdateDecideExtension  = "decide-extension"
	UpdateCancel           = "cancel"
	UpdateDispatch         = "dispatch"
	QueryTask              = "task"
	// SignalProcessCommand carries a process's decision for its task.
	SignalProcessCommand = "process-command"
	// SignalTaskChanged tells a process its task changed status.
	SignalTaskChanged = "task-changed"
)

// SystemActor is who acts when a process, not a person, changes a task.
const SystemActor = "system"

// ProcessCommand is what a process decides for one of its tasks: withdraw
// it, or give it a later due time.
type ProcessCommand struct {
	Withdraw bool      `json:"withdraw,omitempty"`
	DueAt    time.Time `json:"due_at,omitzero"`
	Reason   string    `json:"reason,omitempty"`
}

// TaskNotice tells a process that one of its tasks changed status, with
// the values submitted.
type TaskNotice struct {
	TaskID int64             `json:"task_id"`
	Kind   domain.TaskKind   `json:"kind"`
	Lead   domain.Code       `json:"lead"`
	Status domain.TaskStatus `json:"status"`
	Values map[string]any    `json:"values,omitempty"`
	At     time.Time         `json:"at"`
}

// TaskID is the workflow id of a task.
func TaskID(id int64) string { return "task:" + strconv.FormatInt(id, 10) }

// TaskInput starts a Task workflow with the task as stored.
type TaskInput struct {
	Task domain.Task
}

// TaskResult is how a task ended.
type TaskResult struct {
	Status domain.TaskStatus
}

// Action is what every human action carries: whose authority it is taken
// under (Actor), and, when a deputy acts for an absent colleague, the
// deputy who really acted.
//
// The HTTP layer decodes a request into the same struct, then overwrites
// Action with the signed-in user, so nothing a client sends here counts.
type Action struct {
	Actor  domain.User `json:"actor"`
	Deputy string      `json:"deputy,omitempty"`
}

// DispatchRequest hands the task to one member of the lead department.
type DispatchRequest struct {
	Action
	Member string `json:"member"`
}

// SubmitRequest submits the lead department's completed form.
type SubmitRequest struct {
	Action
	Values map[string]any `json:"values"`
}

// ContributeRequest adds a co-handling department's part.
type ContributeRequest struct {
	Action
	Department domain.Code `json:"department"`
	Body       string      `json:"body"`
}

// ReasonRequest carries the reason of a return or a cancellation.
type ReasonRequest struct {
	Action
	Reason string `json:"reason"`
}

// ExtensionRequest asks the office for a later due time (延期申请).
type ExtensionRequest struct {
	Action
	Reason string    `json:"reason"`
	DueAt  time.Time `json:"due_at"`
}

// ExtensionDecision approves (with the requested or another due time) or
// refuses a pending extension.
type ExtensionDecision struct {
	Action
	Approve bool       `json:"approve"`
	DueAt   *time.Time `json:"due_at,omitempty"`
	Note    string     `json:"note"`
}

// Error types of refused updates; UpdateError turns them back into domain
// errors on the caller's side.
const (
	errTypeInvalid   = "invalid"
	errTypeConflict  = "conflict"
	errTypeForbidden = "forbidden"
)

// refusal is the detail of a refused update: the domain error's key,
// parameters and fields, so the caller shows the person the same message
// whichever process refused.
type refusal struct {
	Key    string              `json:"key"`
	Params map[string]any      `json:"params,omitempty"`
	Fields []domain.FieldError `json:"fields,omitempty"`
}

type fieldJSON struct {
	Field  string         `json:"field"`
	Key    string         `json:"key"`
	Params map[string]any `json:"params,omitempty"`
}

func refuse(err error) error {
	de := domain.AsError(err)
	if de == nil {
		return err
	}
	typ := map[domain.Kind]string{domain.KindInvalid: errTypeInvalid, domain.KindConflict: errTypeConflict, domain.KindForbidden: errTypeForbidden}[de.Kind]
	if typ == "" {
		return err
	}
	fields := make([]fieldJSON, len(de.Fields))
	for i, f := range de.Fields {
		fields[i] = fieldJSON{Field: f.Field, Key: f.Key, Params: f.Params}
	}
	detail, _ := json.Marshal(struct {
		Key    string         `json:"key"`
		Params map[string]any `json:"params,omitempty"`
		Fields []fieldJSON    `json:"fields,omitempty"`
	}{de.Key, de.Params, fields})
	return temporal.NewApplicationErrorWithOptions(de.Key, typ, temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{string(detail)}})
}

// UpdateError turns the error of a refused update back into the domain
// error the workflow refused it with; other errors pass through.
func UpdateError(err error) error {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) {
		return err
	}
	kind, ok := map[string]domain.Kind{errTypeInvalid: domain.KindInvalid, errTypeConflict: domain.KindConflict, errTypeForbidden: domain.KindForbidden}[app.Type()]
	if !ok {
		return err
	}
	var raw string
	var detail struct {
		Key    string         `json:"key"`
		Params map[string]any `json:"params"`
		Fields []fieldJSON    `json:"fields"`
	}
	if app.HasDetails() && app.Details(&raw) == nil {
		_ = json.Unmarshal([]byte(raw), &detail)
	}
	out := &domain.Error{Kind: kind, Key: detail.Key, Params: detail.Params}
	if out.Key == "" {
		out.Key = app.Message()
	}
	for _, f := range detail.Fields {
		out.Fields = append(out.Fields, domain.FieldError{Field: f.Field, Key: f.Key, Params: f.Params})
	}
	return out
}

// taskState is the Task workflow's state: the task, and whether a change is
// being recorded (a second action meanwhile is refused, not queued).
type taskState struct {
	task    domain.Task
	busy    bool
	telling int // signals to the task's process not yet delivered
}

// Task drives one department task: it waits for people's actions as
// Updates, validates each (who may act, whether the form is complete,
// whether the transition is legal), records the change through an activity
// and ends when the task is accepted or cancelled.
func Task(ctx workflow.Context, in TaskInput) (TaskResult, error) {
	w := &taskState{task: in.Task}
	return w.run(ctx)
}

// recordOptions retry recording until the database answers: a person's
// action, once validated, is not dropped because PostgreSQL restarted.
var recordOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute},
}

// localRecordOptions are recordOptions for a local activity: recording a
// change is one short transaction, run by the worker that decided it,
// without a round trip through the server's task queue.
var localRecordOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: recordOptions.StartToCloseTimeout,
	RetryPolicy:         recordOptions.RetryPolicy,
}

// recordChange records a task's change. Tasks started before changes were
// recorded by a local activity keep replaying the activity they recorded.
func recordChange(ctx workflow.Context, change domain.TaskChange) error {
	var acts *activities.Activities
	if workflow.GetVersion(ctx, "record-locally", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		actx := workflow.WithActivityOptions(ctx, recordOptions)
		return workflow.ExecuteActivity(actx, acts.RecordTaskChange, change).Get(actx, nil)
	}
	lctx := workflow.WithLocalActivityOptions(ctx, localRecordOptions)
	return workflow.ExecuteLocalActivity(lctx, acts.RecordTaskChange, change).Get(lctx, nil)
}

func (w *taskState) run(ctx workflow.Context) (TaskResult, error) {
	handlers := []struct {
		name     string
		handler  any
		validate any
	}{
		{UpdateSubmit, w.submit, w.validateSubmit},
		{UpdateContribute, w.contribute, w.validateContribute},
		{UpdateReturn, w.returnTask, w.validateReturn},
		{UpdateAccept, w.accept, w.validateAccept},
		{UpdateRequestExtension, w.requestExtension, w.validateRequestExtension},
		{UpdateDecideExtension, w.decideExtension, w.validateDecideExtension},
		{UpdateCancel, w.cancel, w.validateCancel},
		{UpdateDispatch, w.dispatch, w.validateDispatch},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler, workflow.UpdateHandlerOptions{Validator: h.validate}); err != nil {
			return TaskResult{}, err
		}
	}
	if err := workflow.SetQueryHandler(ctx, QueryTask, func() (domain.Task, error) { return w.task, nil }); err != nil {
		return TaskResult{}, err
	}
	if w.task.FromProcess() {
		workflow.Go(ctx, w.processCommands)
	}
	err := workflow.Await(ctx, func() bool {
		return w.task.Status.Closed() || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	})
	if err != nil {
		return TaskResult{}, err
	}
	// Let a handler still recording its change finish before the run ends.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && w.telling == 0 }); err != nil {
		return TaskResult{}, err
	}
	if !w.task.Status.Closed() {
		return TaskResult{}, workflow.NewContinueAsNewError(ctx, Task, TaskInput{Task: w.task})
	}
	return TaskResult{Status: w.task.Status}, nil
}

// check runs the checks every action shares, then the action's own.
func (w *taskState) check(a Action, allowed func(domain.User) bool, legal ...domain.TaskStatus) error {
	if w.busy {
		return refuse(domain.Conflict("error.task_busy", nil))
	}
	if !allowed(a.Actor) {
		return refuse(domain.Forbidden())
	}
	for _, s := range legal {
		if w.task.Status == s {
			return nil
		}
	}
	return refuse(domain.Conflict("error.task_transition", map[string]any{"status": string(w.task.Status)}))
}

func (w *taskState) leadHandler(u domain.User) bool { return domain.CanHandle(u, w.task.Lead) }
func (w *taskState) office(u domain.User) bool      { return w.task.CanManage(u) }

func (w *taskState) validateSubmit(ctx workflow.Context, r SubmitRequest) error {
	if err := w.check(r.Action, w.leadHandler, domain.TaskOpen, domain.TaskInProgress); err != nil {
		return err
	}
	return refuse(w.task.ValidateSubmission(r.Values))
}

func (w *taskState) validateContribute(ctx workflow.Context, r ContributeRequest) error {
	coHandler := func(u domain.User) bool {
		for _, c := range w.task.Co {
			if c == r.Department && domain.CanHandle(u, c) {
				return true
			}
		}
		return false
	}
	if err := w.check(r.Action, coHandler, domain.TaskOpen, domain.TaskInProgress); err != nil {
		return err
	}
	return refuse(checkText("body", r.Body, 1, 20000))
}

func (w *taskState) validateReturn(ctx workflow.Context, r ReasonRequest) error {
	if err := w.check(r.Action, w.office, domain.TaskSubmitted); err != nil {
		return err
	}
	return refuse(checkText("reason", r.Reason, 1, 2000))
}

func (w *taskState) validateAccept(ctx workflow.Context, r ReasonRequest) error {
	if err := w.check(r.Action, w.office, domain.TaskSubmitted); err != nil {
		return err
	}
	return refuse(checkText("reason", r.Reason, 0, 2000))
}

func (w *taskState) validateRequestExtension(ctx workflow.Context, r ExtensionRequest) error {
	if err := w.check(r.Action, w.leadHandler, domain.TaskOpen, domain.TaskInProgress); err != nil {
		return err
	}
	if w.task.Extension != nil {
		return refuse(domain.Conflict("error.extension_pending", nil))
	}
	var v domain.Validation
	v.Check(r.DueAt.After(w.task.DueAt), "due_at", "validation.later_than_due", nil)
	return refuse(domain.JoinInvalid(v.Err(), checkText("reason", r.Reason, 1, 2000)))
}

func (w *taskState) validateDecideExtension(ctx workflow.Context, r ExtensionDecision) error {
	if err := w.check(r.Action, w.office, domain.TaskOpen, domain.TaskInProgress); err != nil {
		return err
	}
	if w.task.Extension == nil {
		return refuse(domain.Conflict("error.no_extension", nil))
	}
	var v domain.Validation
	if r.DueAt != nil {
		v.Check(r.DueAt.After(w.task.DueAt), "due_at", "validation.later_than_due", nil)
	}
	return refuse(domain.JoinInvalid(v.Err(), checkText("note", r.Note, 0, 2000)))
}

func (w *taskState) validateDispatch(ctx workflow.Context, r DispatchRequest) error {
	liaison := func(u domain.User) bool { return u.HasFor(domain.RoleLiaison, w.task.Lead) }
	if err := w.check(r.Action, liaison, domain.TaskOpen, domain.TaskInProgress); err != nil {
		return err
	}
	var v domain.Validation
	v.Check(r.Member != "", "member", "validation.required", nil)
	return refuse(v.Err())
}

func (w *taskState) validateCancel(ctx workflow.Context, r ReasonRequest) error {
	if err := w.check(r.Action, w.office, domain.TaskOpen, domain.TaskInProgress, domain.TaskSubmitted); err != nil {
		return err
	}
	return refuse(checkText("reason", r.Reason, 1, 2000))
}

func checkText(field, s string, minLen, maxLen int) error {
	var v domain.Validation
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	switch {
	case n < minLen:
		v.Add(field, "validation.required", nil)
	case utf8.RuneCountInString(s) > maxLen:
		v.Add(field, "validation.too_long", map[string]any{"max": maxLen})
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		v.Add(field, "validation.control_chars", nil)
	}
	return v.Err()
}

// updateKey keys the change an update makes: the workflow's and the
// update's ids.
func updateKey(ctx workflow.Context) string {
	return workflow.GetInfo(ctx).WorkflowExecution.ID + ":" + workflow.GetCurrentUpdateInfo(ctx).ID
}

// record persists a change decided by a handler, then applies it to the
// state. key (the update's, or the process command's) keys the change, so a
// retried activity records it once.
func (w *taskState) record(ctx workflow.Context, key string, a Action, action string, next domain.Task, detail map[string]any, contribution *domain.Contribution) (domain.Task, error) {
	w.busy = true
	defer func() { w.busy = false }()
	now := workflow.Now(ctx)
	object := "task:" + strconv.FormatInt(w.task.ID, 10)
	actor, onBehalfOf := a.Actor.Username, ""
	if a.Deputy != "" {
		actor, onBehalfOf = a.Deputy, a.Actor.Username
	}
	change := domain.TaskChange{
		Key:    key,
		TaskID: w.task.ID, Status: next.Status, Values: next.Values, DueAt: next.DueAt, DueChanged: !next.DueAt.Equal(w.task.DueAt), Extension: next.Extension,
		AssignedTo: next.AssignedTo, SubmittedAt: next.SubmittedAt, At: now, Contribution: contribution,
		Event: domain.TaskEvent{At: now, Actor: actor, OnBehalfOf: onBehalfOf, Kind: action, Detail: detail},
		Audit: domain.AuditRecord{Actor: actor, Action: "task." + action, Object: object, Result: domain.AuditOK},
	}
	if onBehalfOf != "" {
		change.Audit.Detail = map[string]string{"on_behalf_of": onBehalfOf}
	}
	if next.Status.Closed() {
		change.ClosedAt = now
	}
	if err := recordChange(ctx, change); err != nil {
		return w.task, err
	}
	next.UpdatedAt = now
	statusChanged := next.Status != w.task.Status
	w.task = next
	if statusChanged {
		w.tellSource(ctx)
	}
	return w.task, nil
}

// tellSource signals the process that created the task (a meeting cycle)
// that the task's status changed. A process that has ended no longer
// listens; that is not the task's failure.
func (w *taskState) tellSource(ctx workflow.Context) {
	if !w.task.FromProcess() {
		return
	}
	n := TaskNotice{TaskID: w.task.ID, Kind: w.task.Kind, Lead: w.task.Lead, Status: w.task.Status, Values: w.task.Values, At: w.task.UpdatedAt}
	// The action's answer does not wait for the signal; the run does not
	// end before it is delivered (the server drops a signal whose sender has
	// closed).
	w.telling++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { w.telling-- }()
		_ = workflow.SignalExternalWorkflow(ctx, w.task.Source.ID, "", SignalTaskChanged, n).Get(ctx, nil)
	})
}

// processCommands carries out what the task's process decides for it: a
// task withdrawn (the agenda call closed without it) or given a later due
// time (the call was extended). An ended or submitted task is left as is.
func (w *taskState) processCommands(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalProcessCommand)
	for n := 1; ; n++ {
		var cmd ProcessCommand
		ch.Receive(ctx, &cmd)
		if err := workflow.Await(ctx, func() bool { return !w.busy }); err != nil {
			return
		}
		if w.task.Status != domain.TaskOpen && w.task.Status != domain.TaskInProgress {
			continue
		}
		system := Action{Actor: domain.User{Username: SystemActor}}
		key := TaskID(w.task.ID) + ":command:" + strconv.Itoa(n) + ":" + workflow.GetInfo(ctx).WorkflowExecution.RunID
		next := w.task
		var err error
		switch {
		case cmd.Withdraw:
			next.Status = domain.TaskCancelled
			_, err = w.record(ctx, key, system, "cancel", next, map[string]any{"reason": cmd.Reason}, nil)
		case cmd.DueAt.After(w.task.DueAt):
			next.DueAt, next.Extension = cmd.DueAt, nil
			_, err = w.record(ctx, key, system, "extension-decided", next, map[string]any{"approved": true, "due_at": cmd.DueAt, "note": cmd.Reason}, nil)
		}
		if err != nil {
			workflow.GetLogger(ctx).Error("process command not recorded", "task", w.task.ID, "err", err)
		}
	}
}

func (w *taskState) submit(ctx workflow.Context, r SubmitRequest) (domain.Task, error) {
	next := w.task
	next.Status, next.Values, next.SubmittedAt = domain.TaskSubmitted, r.Values, workflow.Now(ctx)
	if w.task.ClosesOnSubmit() {
		next.Status = domain.TaskAccepted
	}
	return w.record(ctx, updateKey(ctx), r.Action, "submit", next, nil, nil)
}

func (w *taskState) contribute(ctx workflow.Context, r ContributeRequest) (domain.Task, error) {
	next := w.task
	next.Status = domain.TaskInProgress
	return w.record(ctx, updateKey(ctx), r.Action, "contribute", next, map[string]any{"department": r.Department},
		&domain.Contribution{Department: r.Department, Body: r.Body})
}

func (w *taskState) returnTask(ctx workflow.Context, r ReasonRequest) (domain.Task, error) {
	next := w.task
	next.Status = domain.TaskInProgress
	return w.record(ctx, updateKey(ctx), r.Action, "return", next, map[string]any{"reason": r.Reason}, nil)
}

func (w *taskState) accept(ctx workflow.Context, r ReasonRequest) (domain.Task, error) {
	next := w.task
	next.Status = domain.TaskAccepted
	return w.record(ctx, updateKey(ctx), r.Action, "accept", next, map[string]any{"note": r.Reason}, nil)
}

func (w *taskState) requestExtension(ctx workflow.Context, r ExtensionRequest) (domain.Task, error) {
	next := w.task
	next.Extension = &domain.Extension{RequestedBy: r.Actor.Username, Reason: r.Reason, DueAt: r.DueAt, At: workflow.Now(ctx)}
	return w.record(ctx, updateKey(ctx), r.Action, "extension-requested", next, map[string]any{"reason": r.Reason, "due_at": r.DueAt}, nil)
}

func (w *taskState) decideExtension(ctx workflow.Context, r ExtensionDecision) (domain.Task, error) {
	next := w.task
	detail := map[string]any{"approved": r.Approve, "note": r.Note}
	if r.Approve {
		next.DueAt = w.task.Extension.DueAt
		if r.DueAt != nil {
			next.DueAt = *r.DueAt
		}
		detail["due_at"] = next.DueAt
	}
	next.Extension = nil
	return w.record(ctx, updateKey(ctx), r.Action, "extension-decided", next, detail, nil)
}

func (w *taskState) cancel(ctx workflow.Context, r ReasonRequest) (domain.Task, error) {
	next := w.task
	next.Status = domain.TaskCancelled
	return w.record(ctx, updateKey(ctx), r.Action, "cancel", next, map[string]any{"reason": r.Reason}, nil)
}

func (w *taskState) dispatch(ctx workflow.Context, r DispatchRequest) (domain.Task, error) {
	next := w.task
	next.AssignedTo = r.Member
	if next.Status == domain.TaskOpen {
		next.Status = domain.TaskInProgress
	}
	return w.record(ctx, updateKey(ctx), r.Action, "dispatch", next, map[string]any{"member": r.Member}, nil)
}
