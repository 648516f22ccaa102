package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"lianxi/activities"
)

func TestHousekeepingReportsWhatWasPurged(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *activities.Activities
	env.RegisterActivity(a)
	env.OnActivity(a.PurgeExpired, mock.Anything, activities.PurgeInput{}).
		Return(activities.PurgeResult{Sessions: 3, Failures: 7, IdempotencyKeys: 2, ContestFiles: 4, ContestCodes: 5}, nil)

	env.ExecuteWorkflow(Housekeeping, HousekeepingInput{Slot: time.Date(2026, 11, 27, 10, 5, 0, 0, time.UTC)})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res HousekeepingResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.SessionsPurged != 3 || res.FailuresPurged != 7 || res.KeysPurged != 2 || res.FilesPurged != 4 || res.CodesPurged != 5 {
		t.Fatalf("result %+v", res)
	}
}

func TestHousekeepingRetriesTheActivity(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *activities.Activities
	env.RegisterActivity(a)
	calls := 0
	env.OnActivity(a.PurgeExpired, mock.Anything, activities.PurgeInput{}).Return(
		func(_ context.Context, _ activities.PurgeInput) (activities.PurgeResult, error) {
			calls++
			if calls < 3 {
				return activities.PurgeResult{}, errors.New("database restarting")
			}
			return activities.PurgeResult{Sessions: 1}, nil
		})
	env.ExecuteWorkflow(Housekeeping, HousekeepingInput{})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if calls != 3 {
		t.Fatalf("activity ran %d times, want 3", calls)
	}
}

func TestHousekeepingIDIsTheSameWithinASlot(t *testing.T) {
	a := time.Date(2026, 11, 27, 10, 5, 1, 0, time.UTC)
	b := time.Date(2026, 11, 27, 18, 9, 59, 0, time.FixedZone("CST", 8*3600))
	if HousekeepingID(a) != HousekeepingID(b) {
		t.Fatalf("%s != %s", HousekeepingID(a), HousekeepingID(b))
	}
	if HousekeepingID(a) == HousekeepingID(a.Add(HousekeepingInterval)) {
		t.Fatal("next slot has the same id")
	}
	if got := HousekeepingID(a); got != "housekeeping:20261127T1005Z" {
		t.Fatalf("id %q", got)
	}
}
