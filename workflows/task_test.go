package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"lianxi/activities"
	"lianxi/internal/domain"
)

var (
	financeLiaison = domain.User{Username: "li", Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: "finance"}}}
	taxLiaison     = domain.User{Username: "zhao", Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: "tax"}}}
	scienceOffice  = domain.User{Username: "wang", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "science"}}}
)

func testTask() domain.Task {
	return domain.Task{ID: 7, Source: domain.TaskSource{Kind: "adhoc", Committee: "science"}, Title: "报送议题", Lead: "finance",
		Co: []domain.Code{"tax"}, Status: domain.TaskOpen, DueAt: time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC),
		Form: []domain.FormField{{Name: "topic", Label: "议题", Type: domain.FieldText, Required: true}}}
}

// updateCallback records an update's outcome in the test environment.
type updateCallback struct {
	rejected, failed error
	accepted, done   bool
	result           any
}

func (u *updateCallback) Accept()          { u.accepted = true }
func (u *updateCallback) Reject(err error) { u.rejected = err }
func (u *updateCallback) Complete(r any, err error) {
	u.done, u.result, u.failed = true, r, err
}

func TestTaskWorkflowValidatesAndRecords(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	var a *activities.Activities
	env.RegisterActivity(a)
	var recorded []domain.TaskChange
	env.OnActivity(a.RecordTaskChange, mock.Anything, mock.Anything).Return(func(_ context.Context, c domain.TaskChange) error {
		recorded = append(recorded, c)
		return nil
	})
	results := map[string]*updateCallback{}
	send := func(at time.Duration, name, update string, arg any) {
		cb := &updateCallback{}
		results[name] = cb
		env.RegisterDelayedCallback(func() { env.UpdateWorkflow(update, name, cb, arg) }, at)
	}
	send(time.Minute, "tax-submits", UpdateSubmit, SubmitRequest{Action: Action{Actor: taxLiaison}, Values: map[string]any{"topic": "x"}})
	send(2*time.Minute, "missing-field", UpdateSubmit, SubmitRequest{Action: Action{Actor: financeLiaison}, Values: map[string]any{}})
	send(3*time.Minute, "tax-contributes", UpdateContribute, ContributeRequest{Action: Action{Actor: taxLiaison}, Department: "tax", Body: "意见"})
	send(4*time.Minute, "submit", UpdateSubmit, SubmitRequest{Action: Action{Actor: financeLiaison}, Values: map[string]any{"topic": "科技金融"}})
	send(5*time.Minute, "submit-again", UpdateSubmit, SubmitRequest{Action: Action{Actor: financeLiaison}, Values: map[string]any{"topic": "x"}})
	send(6*time.Minute, "liaison-accepts", UpdateAccept, ReasonRequest{Action: Action{Actor: financeLiaison}})
	send(7*time.Minute, "accept", UpdateAccept, ReasonRequest{Action: Action{Actor: scienceOffice}, Reason: "同意"})

	env.ExecuteWorkflow(Task, TaskInput{Task: testTask()})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res TaskResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Status != domain.TaskAccepted {
		t.Fatalf("result %+v %v", res, err)
	}
	wantKind := map[string]domain.Kind{"tax-submits": domain.KindForbidden, "missing-field": domain.KindInvalid,
		"submit-again": domain.KindConflict, "liaison-accepts": domain.KindForbidden}
	for name, kind := range wantKind {
		if got := domain.KindOf(UpdateError(results[name].rejected)); got != kind {
			t.Errorf("%s: rejected with %v (%v), want %v", name, got, results[name].rejected, kind)
		}
	}
	if f := domain.AsError(UpdateError(results["missing-field"].rejected)).Fields; len(f) != 1 || f[0].Field != "values.topic" {
		t.Errorf("missing-field fields %+v", f)
	}
	for _, name := range []string{"tax-contributes", "submit", "accept"} {
		if cb := results[name]; !cb.accepted || !cb.done || cb.failed != nil {
			t.Errorf("%s: %+v", name, cb)
		}
	}
	if len(recorded) != 3 || recorded[0].Contribution == nil || recorded[1].Status != domain.TaskSubmitted || recorded[2].ClosedAt.IsZero() {
		t.Fatalf("recorded %+v", recorded)
	}
	if recorded[0].Key == recorded[1].Key || recorded[1].Audit.Action != "task.submit" || recorded[1].Event.Actor != "li" {
		t.Fatalf("change keys or audit: %+v", recorded[1])
	}
}
