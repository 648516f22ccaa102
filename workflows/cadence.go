package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/internal/cadence"
	"lianxi/internal/calendar"
)

// CadenceID is the id of the cadence run of a day (in Asia/Shanghai):
// every replica's tick, and a restart, derive the same id, so one run
// happens per day.
func CadenceID(day time.Time) string {
	return "cadence:" + calendar.DateOf(day).String()
}

// CadenceInput is the tick a cadence run belongs to; the run plans for the
// tick's day, however late it runs.
type CadenceInput struct {
	Day time.Time
}

// CadenceResult says what a run did: the cycles it started ("committee:
// period"), those it found started already, and the committees it warned.
type CadenceResult struct {
	Started        []string
	AlreadyStarted []string
	Warned         []string
}

// cadenceOptions retry each step for a few minutes; what still fails is
// reported, and the next day's run tries again.
var cadenceOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 2 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2,
		MaximumInterval: time.Minute, MaximumAttempts: 6},
}

// Cadence is the daily cadence run: it plans (an activity that reads the
// committees' cadences and cycles and applies the cadence rules), starts
// each cycle due, and warns each committee short of its yearly minimum.
// One failed start or warning does not stop the others; the run fails at
// the end, naming them, so an operator sees it.
func Cadence(ctx workflow.Context, in CadenceInput) (CadenceResult, error) {
	ctx = workflow.WithActivityOptions(ctx, cadenceOptions)
	var a *activities.Cadence
	var plan cadence.Plan
	if err := workflow.ExecuteActivity(ctx, a.PlanCadence, activities.PlanCadenceInput{Day: in.Day}).Get(ctx, &plan); err != nil {
		return CadenceResult{}, err
	}
	res := CadenceResult{Started: []string{}, AlreadyStarted: []string{}, Warned: []string{}}
	var failed []string
	for _, s := range plan.Starts {
		name := s.Committee + ":" + string(s.Period)
		var started bool
		if err := workflow.ExecuteActivity(ctx, a.StartCadenceCycle, s).Get(ctx, &started); err != nil {
			workflow.GetLogger(ctx).Error("cadence cycle not started", "cycle", name, "err", err)
			failed = append(failed, name)
			continue
		}
		if started {
			res.Started = append(res.Started, name)
		} else {
			res.AlreadyStarted = append(res.AlreadyStarted, name)
		}
	}
	for _, w := range plan.Warnings {
		if err := workflow.ExecuteActivity(ctx, a.SendCadenceWarning, w).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("cadence warning not sent", "key", w.Key(), "err", err)
			failed = append(failed, w.Key())
			continue
		}
		res.Warned = append(res.Warned, w.Committee)
	}
	if len(failed) > 0 {
		return res, fmt.Errorf("cadence run %s: not done: %v", CadenceID(in.Day), failed)
	}
	return res, nil
}
