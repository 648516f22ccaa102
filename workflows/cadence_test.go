package workflows

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"lianxi/activities"
	"lianxi/internal/cadence"
	"lianxi/internal/calendar"
)

func TestCadenceIDIsTheShanghaiDay(t *testing.T) {
	// 2026-11-26T16:30Z is already 27 November in Shanghai.
	a := time.Date(2026, 11, 26, 16, 30, 0, 0, time.UTC)
	b := time.Date(2026, 11, 27, 23, 59, 0, 0, calendar.Location)
	if CadenceID(a) != "cadence:2026-11-27" || CadenceID(b) != CadenceID(a) {
		t.Fatalf("%s %s", CadenceID(a), CadenceID(b))
	}
}

func TestCadenceStartsWhatIsDueAndWarnsOnce(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *activities.Cadence
	env.RegisterActivity(a)
	day := time.Date(2026, 11, 27, 0, 30, 0, 0, time.UTC) // 08:30 in Shanghai
	plan := cadence.Plan{
		Starts: []cadence.Start{
			{Committee: "science", Period: "2026H2", PlannedMonth: "2026-12"},
			{Committee: "culture", Period: "2026H2", PlannedMonth: "2026-12"},
		},
		Warnings: []cadence.Warning{{Committee: "management", Year: 2026, Held: 0, Min: 1}},
	}
	env.OnActivity(a.PlanCadence, mock.Anything, activities.PlanCadenceInput{Day: day}).Return(plan, nil)
	env.OnActivity(a.StartCadenceCycle, mock.Anything, plan.Starts[0]).Return(true, nil)
	// culture's office started its cycle itself: not an error.
	env.OnActivity(a.StartCadenceCycle, mock.Anything, plan.Starts[1]).Return(false, nil)
	var warned []string
	env.OnActivity(a.SendCadenceWarning, mock.Anything, mock.Anything).Return(func(_ context.Context, w cadence.Warning) error {
		warned = append(warned, w.Key())
		return nil
	})

	env.ExecuteWorkflow(Cadence, CadenceInput{Day: day})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res CadenceResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Started, []string{"science:2026H2"}) || !slices.Equal(res.AlreadyStarted, []string{"culture:2026H2"}) ||
		!slices.Equal(res.Warned, []string{"management"}) {
		t.Fatalf("result %+v", res)
	}
	if !slices.Equal(warned, []string{"cadence-warning:management:2026"}) {
		t.Fatalf("warned %v", warned)
	}
}

func TestCadenceGoesOnPastAFailedStartAndReportsIt(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *activities.Cadence
	env.RegisterActivity(a)
	plan := cadence.Plan{
		Starts:   []cadence.Start{{Committee: "science", Period: "2026H2"}, {Committee: "culture", Period: "2026H2"}},
		Warnings: []cadence.Warning{{Committee: "management", Year: 2026, Min: 1}},
	}
	env.OnActivity(a.PlanCadence, mock.Anything, mock.Anything).Return(plan, nil)
	attempts := 0
	env.OnActivity(a.StartCadenceCycle, mock.Anything, plan.Starts[0]).Return(func(context.Context, cadence.Start) (bool, error) {
		attempts++
		return false, errors.New("temporal unavailable")
	})
	env.OnActivity(a.StartCadenceCycle, mock.Anything, plan.Starts[1]).Return(true, nil)
	env.OnActivity(a.SendCadenceWarning, mock.Anything, mock.Anything).Return(nil)

	env.ExecuteWorkflow(Cadence, CadenceInput{Day: time.Date(2026, 11, 27, 8, 30, 0, 0, calendar.Location)})
	err := env.GetWorkflowError()
	if err == nil {
		t.Fatal("a failed start was not reported")
	}
	if attempts != int(cadenceOptions.RetryPolicy.MaximumAttempts) {
		t.Errorf("start tried %d times", attempts)
	}
	env.AssertActivityNumberOfCalls(t, "StartCadenceCycle", 1+attempts)
	env.AssertActivityNumberOfCalls(t, "SendCadenceWarning", 1)
}

func TestCadenceWithNothingDueDoesNothing(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *activities.Cadence
	env.RegisterActivity(a)
	env.OnActivity(a.PlanCadence, mock.Anything, mock.Anything).Return(cadence.Plan{}, nil)
	env.ExecuteWorkflow(Cadence, CadenceInput{Day: time.Date(2026, 3, 2, 8, 30, 0, 0, calendar.Location)})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	env.AssertActivityNumberOfCalls(t, "StartCadenceCycle", 0)
	env.AssertActivityNumberOfCalls(t, "SendCadenceWarning", 0)
}
