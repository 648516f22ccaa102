package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
)

// RemindersID is the id of the reminder sweep of a cron tick. Every
// replica's tick derives the same id, so one sweep runs per tick.
func RemindersID(tick time.Time) string {
	return "reminders:" + tick.UTC().Truncate(time.Minute).Format("20060102T1504Z")
}

// RemindersInput is the tick a sweep belongs to.
type RemindersInput struct {
	Tick time.Time
}

// RemindersResult counts what a sweep did.
type RemindersResult struct {
	Notices int
	Sent    int
	Skipped int
	Failed  int
}

// deliverOptions retry a channel with back-off for about an hour; a notice
// still undelivered then stays in the outbox for the next sweep.
var deliverOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 2 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2,
		MaximumInterval: 10 * time.Minute, MaximumAttempts: 10},
}

// maxParallelNotices bounds how many notices one sweep delivers at once.
const maxParallelNotices = 8

// Reminders is the reminder sweep: it decides the reminders and urging
// notices due at its tick into the outbox (an activity, one transaction),
// then delivers each notice on every channel, one activity per notice and
// channel, and marks it dispatched.
func Reminders(ctx workflow.Context, in RemindersInput) (RemindersResult, error) {
	ctx = workflow.WithActivityOptions(ctx, deliverOptions)
	var n *activities.Notifier
	var plan activities.PlanResult
	if err := workflow.ExecuteActivity(ctx, n.PlanReminders, activities.PlanInput{Now: in.Tick}).Get(ctx, &plan); err != nil {
		return RemindersResult{}, err
	}
	res := RemindersResult{Notices: len(plan.Notices)}
	sem := workflow.NewSemaphore(ctx, maxParallelNotices)
	wg := workflow.NewWaitGroup(ctx)
	for _, id := range plan.Notices {
		if err := sem.Acquire(ctx, 1); err != nil {
			return res, err
		}
		wg.Add(1)
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer wg.Done()
			defer sem.Release(1)
			in := activities.DeliverInput{Notice: id}
			ok := true
			for _, deliver := range []any{n.DeliverInApp, n.DeliverEmail, n.DeliverWebhook} {
				var r activities.DeliverResult
				if err := workflow.ExecuteActivity(ctx, deliver, in).Get(ctx, &r); err != nil {
					workflow.GetLogger(ctx).Warn("notice not delivered; it stays in the outbox", "notice", id, "err", err)
					ok = false
				}
				res.Sent += r.Sent
				res.Skipped += r.Skipped
				res.Failed += r.Failed
			}
			if ok {
				if err := workflow.ExecuteActivity(ctx, n.FinishNotice, in).Get(ctx, nil); err != nil {
					workflow.GetLogger(ctx).Warn("notice not marked dispatched", "notice", id, "err", err)
				}
			}
		})
	}
	wg.Wait(ctx)
	return res, nil
}
