package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
)

// HousekeepingInput names the slot a housekeeping run belongs to.
type HousekeepingInput struct {
	Slot time.Time
}

// HousekeepingResult says what a run removed.
type HousekeepingResult struct {
	SessionsPurged int64
	FailuresPurged int64
	KeysPurged     int64
	FilesPurged    int64 // contest uploads never claimed by an idea
	CodesPurged    int64 // spent one-time codes
}

// Housekeeping removes ended sessions, stale failed sign-ins, expired
// idempotency keys, and the contests' unclaimed uploads and spent codes. It is the
// smallest of the swept processes: a cron tick starts it with an ID derived
// from the slot, and Temporal retries its activity until it succeeds.
func Housekeeping(ctx workflow.Context, in HousekeepingInput) (HousekeepingResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute, MaximumAttempts: 10},
	})
	var a *activities.Activities
	var out activities.PurgeResult
	if err := workflow.ExecuteActivity(ctx, a.PurgeExpired, activities.PurgeInput{}).Get(ctx, &out); err != nil {
		return HousekeepingResult{}, err
	}
	return HousekeepingResult{SessionsPurged: out.Sessions, FailuresPurged: out.Failures, KeysPurged: out.IdempotencyKeys,
		FilesPurged: out.ContestFiles, CodesPurged: out.ContestCodes}, nil
}
