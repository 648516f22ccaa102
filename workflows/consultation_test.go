package workflows

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"lianxi/activities"
	"lianxi/internal/domain"
)

// A consultation's run on the test server's clock: the departments' tasks
// open with the window, due at the feedback deadline; a department's
// comments are filed; the one that never answers is missed and its task
// withdrawn; the office is reminded of unanswered comments each working
// day after the deadline and the conveners told once when the replies are
// overdue; the report is refused while comments wait and then ends it.
func TestConsultationRemindsEscalatesAndReports(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, cst)
	feedback := time.Date(2026, 12, 3, 17, 30, 0, 0, cst)
	c := domain.NewConsultation{Slug: "draft", Title: "实施方案", Committee: "science",
		Sections: []domain.DraftSection{{Key: "s1", Heading: "一"}, {Key: "s2", Heading: "二"}},
		OpensAt:  start, ClosesAt: time.Date(2026, 12, 3, 9, 0, 0, 0, cst), FeedbackDueAt: feedback,
		Contact: domain.ConsultationContact{Office: "市科技局办公室"}, Departments: []domain.Code{"finance", "tax"}, ReplyDays: 2}
	if err := c.Validate(start.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}

	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: domain.ConsultationID("draft")})
	var (
		mu        sync.Mutex
		changes   []domain.ConsultationChange
		notices   []activities.NoticeInput
		specs     []activities.TaskSpec
		withdrawn []string
		unreplied = 3
	)
	var p *activities.Processes
	var k *activities.Consultations
	env.RegisterActivity(p)
	env.RegisterActivity(k)
	env.OnActivity(k.RecordConsultation, mock.Anything, mock.Anything).Return(func(_ context.Context, ch domain.ConsultationChange) error {
		mu.Lock()
		defer mu.Unlock()
		changes = append(changes, ch)
		return nil
	})
	env.OnActivity(k.CommentCounts, mock.Anything, mock.Anything).Return(func(context.Context, string) (domain.CommentCounts, error) {
		mu.Lock()
		defer mu.Unlock()
		return domain.CommentCounts{Total: 3, Replied: 3 - unreplied}, nil
	})
	env.OnActivity(p.Notify, mock.Anything, mock.Anything).Return(func(_ context.Context, n activities.NoticeInput) error {
		mu.Lock()
		defer mu.Unlock()
		notices = append(notices, n)
		return nil
	})
	env.OnActivity(p.OpenTasks, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.OpenTasksInput) ([]activities.OpenedTask, error) {
		mu.Lock()
		defer mu.Unlock()
		var out []activities.OpenedTask
		for i, sp := range in.Tasks {
			specs = append(specs, sp)
			out = append(out, activities.OpenedTask{Key: sp.Key, ID: int64(100 + i), Lead: sp.Lead, DueAt: sp.DueAt})
		}
		return out, nil
	})
	// A working day is a day here; the calendar's own tests cover holidays.
	env.OnActivity(p.Deadline, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.DeadlineInput) (time.Time, error) {
		return in.From.Add(time.Duration(in.Days) * 24 * time.Hour), nil
	})
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", SignalProcessCommand, mock.Anything).Return(
		func(_, id, _, _ string, arg any) error {
			mu.Lock()
			defer mu.Unlock()
			if arg.(ProcessCommand).Withdraw {
				withdrawn = append(withdrawn, id)
			}
			return nil
		})

	// Finance comments on a section and the whole a day in.
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(SignalTaskChanged, TaskNotice{TaskID: 100, Kind: domain.KindDraftComments, Lead: "finance", Status: domain.TaskAccepted, At: env.Now(),
			Values: map[string]any{"comments": []any{map[string]any{"section": "s1", "body": "建议一"}, map[string]any{"section": "", "body": "建议二"}}}})
	}, 24*time.Hour)
	// On 12-06 the office tries the report with comments waiting, then
	// answers them and tries again.
	office := Action{Actor: domain.User{Username: "office1", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "science"}}}}
	early, late := &updateCallback{}, &updateCallback{}
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, cst).Sub(start)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(UpdatePublishReport, "early", early, PublishReportRequest{Action: office, PublishReport: domain.PublishReport{Summary: "x"}})
	}, at)
	env.RegisterDelayedCallback(func() {
		mu.Lock()
		unreplied = 0
		mu.Unlock()
		env.UpdateWorkflow(UpdatePublishReport, "late", late, PublishReportRequest{Action: office, PublishReport: domain.PublishReport{Summary: "共3条"}})
	}, at+time.Hour)

	env.ExecuteWorkflow(Consultation, ConsultationInput{Consultation: c.Consultation("office1", start.Add(-time.Hour))})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res ConsultationResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Phase != domain.ConsultationReported {
		t.Fatalf("result %+v %v", res, err)
	}

	if len(specs) != 2 || !specs[0].DueAt.Equal(feedback) || specs[0].Kind != domain.KindDraftComments || specs[1].Lead != "tax" {
		t.Fatalf("tasks %+v", specs)
	}
	var filed *domain.ConsultationChange
	for i := range changes {
		if changes[i].Event.Kind == "department-commented" {
			filed = &changes[i]
		}
	}
	if filed == nil || len(filed.Comments) != 2 || filed.Comments[0].Section != "s1" || filed.Comments[1].Department != "finance" {
		t.Fatalf("finance's comments were not filed: %+v", filed)
	}
	if len(withdrawn) != 1 || withdrawn[0] != TaskID(101) {
		t.Fatalf("withdrawn %v, want tax's task only", withdrawn)
	}
	last := changes[len(changes)-1].Consultation
	if d := last.Department("tax"); d == nil || d.Status != domain.DeptCommentMissed {
		t.Fatalf("tax %+v", d)
	}
	var keys []string
	for _, n := range notices {
		keys = append(keys, strings.TrimPrefix(n.Key, "consultation:draft:")+"@"+n.Role)
	}
	// Closed 12-03 09:00; feedback deadline 12-03 17:30; reminders at
	// 12-04 and 12-05 17:30; replies due 12-05 17:30: escalated then.
	want := "closed@office remind:1@office remind:2@office escalated@convener reported@office"
	if got := strings.Join(keys, " "); got != want {
		t.Fatalf("notices %q, want %q", got, want)
	}
	if !late.done || late.failed != nil || late.rejected != nil {
		t.Fatalf("the report after the replies: %+v", late)
	}
	if err := early.failed; err == nil || !strings.Contains(err.Error(), "comments_unreplied") {
		t.Fatalf("the early report was refused with %v", err)
	}
}
