package workflows

import (
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/internal/domain"
)

// saveFunc records a process's new state with its event and, for a
// person's action, the audit record.
type saveFunc func(ctx workflow.Context, key string, ev domain.CycleEvent, audit *domain.AuditRecord) error

// changeUnder runs one person's change of a process's state under its
// mutex: the change is applied again to a copy (another may have come
// first since the validator passed), its effects carried out, then the new
// state recorded with its event and its audit record ("<area>.<kind>").
func changeUnder[T any](ctx workflow.Context, mu workflow.Mutex, state *T, clone func(T) T, a Action, area, kind string, detail map[string]any,
	apply func(s *T, now time.Time, by string) error, effects func(ctx workflow.Context) error, save saveFunc) (T, error) {
	if err := mu.Lock(ctx); err != nil {
		return *state, err
	}
	defer mu.Unlock()
	now, by := workflow.Now(ctx), actorOf(a)
	next := clone(*state)
	if err := apply(&next, now, by); err != nil {
		return *state, refuse(err)
	}
	*state = next
	if effects != nil {
		if err := effects(ctx); err != nil {
			return *state, err
		}
	}
	audit := &domain.AuditRecord{Actor: by, Action: area + "." + kind, Result: domain.AuditOK}
	if a.Deputy != "" {
		audit.Detail = map[string]string{"on_behalf_of": a.Actor.Username}
	}
	return *state, save(ctx, updateKey(ctx), domain.CycleEvent{At: now, Actor: by, Kind: kind, Detail: detail}, audit)
}

// runUntilEnded steps a process until it ends: step carries out what the
// state calls for by itself (true when it changed something); between
// steps the process waits for a change (changes moves) or for its next
// timer (next; zero for none).
func runUntilEnded(ctx workflow.Context, step func(ctx workflow.Context) (bool, error), ended func() bool, next func() time.Time, changes *int) error {
	for {
		progressed, err := step(ctx)
		if err != nil {
			return err
		}
		if progressed {
			continue
		}
		if ended() {
			return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
		}
		seen := *changes
		woken := func() bool { return *changes != seen }
		if at := next(); at.IsZero() {
			err = workflow.Await(ctx, woken)
		} else {
			_, err = workflow.AwaitWithTimeout(ctx, max(at.Sub(workflow.Now(ctx)), time.Second), woken)
		}
		if err != nil {
			return err
		}
	}
}

// startReview starts a process's expert review as a child round (its id
// the round's; the round outlives a cancelled parent) and, once it is
// running, has done called with its result when it ends — a failed round
// counts as cancelled.
func startReview(ctx workflow.Context, r domain.Round, done func(SelectionResult)) error {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: r.ID,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON})
	f := workflow.ExecuteChildWorkflow(cctx, Selection, SelectionInput{Round: r})
	if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return err
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		var res SelectionResult
		if err := f.Get(ctx, &res); err != nil {
			res.Phase = domain.RoundCancelled
		}
		done(res)
	})
	return nil
}

// openProcessTasks opens a batch of a process's tasks (none: nothing is
// asked of Temporal).
func openProcessTasks(ctx workflow.Context, src domain.TaskSource, actor string, specs []activities.TaskSpec) ([]activities.OpenedTask, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	var m *activities.Processes
	var opened []activities.OpenedTask
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 5 * time.Minute, RetryPolicy: recordOptions.RetryPolicy})
	err := workflow.ExecuteActivity(actx, m.OpenTasks, activities.OpenTasksInput{Source: src, Actor: actor, Tasks: specs}).Get(actx, &opened)
	return opened, err
}

// receiveTaskNotices applies, one by one, what a process's tasks report.
func receiveTaskNotices(ctx workflow.Context, apply func(ctx workflow.Context, n TaskNotice) error) {
	ch := workflow.GetSignalChannel(ctx, SignalTaskChanged)
	for {
		var n TaskNotice
		ch.Receive(ctx, &n)
		if err := apply(ctx, n); err != nil {
			workflow.GetLogger(ctx).Error("task notice not recorded", "task", n.TaskID, "err", err)
		}
	}
}
