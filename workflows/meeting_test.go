package workflows

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/internal/domain"
)

var (
	scienceConvener  = domain.User{Username: "mayor", Grants: []domain.Grant{{Role: domain.RoleConvener, Committee: "science"}}}
	educationLiaison = domain.User{Username: "edu", Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: "education"}}}
	cycleStart       = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
)

func testCycle() domain.Cycle {
	committee := domain.Committee{Code: "science", NameZH: "市科技创新工作联席会议",
		Members: []domain.Organisation{{Code: "finance"}, {Code: "tax"}, {Code: "education"}}}
	carried := []domain.AgendaItem{{Title: "上期结转：科技金融", Department: "finance", Status: domain.ItemProposed, CarriedFrom: "meeting:science:2025H2"}}
	return domain.StartCycle(committee, domain.NewCycle{Period: "2026H1"}, domain.DefaultCycleSettings, carried, "wang", cycleStart,
		cycleStart.Add(14*24*time.Hour))
}

// cycleWorld is the activities' side of a workflow test: the tasks opened,
// the changes recorded, the notices sent and the commands sent to tasks.
type cycleWorld struct {
	mu       sync.Mutex
	nextID   int64
	opened   map[string]activities.OpenedTask
	specs    []activities.TaskSpec
	changes  []domain.CycleChange
	notices  []activities.NoticeInput
	commands map[string][]ProcessCommand
}

func newCycleEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *cycleWorld) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(cycleStart)
	world := &cycleWorld{nextID: 100, opened: map[string]activities.OpenedTask{}, commands: map[string][]ProcessCommand{}}
	var m *activities.Processes
	env.RegisterActivity(m)
	env.OnActivity(m.OpenTasks, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.OpenTasksInput) ([]activities.OpenedTask, error) {
		world.mu.Lock()
		defer world.mu.Unlock()
		var out []activities.OpenedTask
		for _, spec := range in.Tasks {
			o, ok := world.opened[spec.Key]
			if !ok {
				world.nextID++
				o = activities.OpenedTask{Key: spec.Key, ID: world.nextID, Lead: spec.Lead}
				world.opened[spec.Key] = o
				world.specs = append(world.specs, spec)
			}
			out = append(out, o)
		}
		return out, nil
	})
	env.OnActivity(m.RecordCycle, mock.Anything, mock.Anything).Return(func(_ context.Context, ch domain.CycleChange) error {
		world.mu.Lock()
		defer world.mu.Unlock()
		world.changes = append(world.changes, ch)
		return nil
	})
	env.OnActivity(m.Notify, mock.Anything, mock.Anything).Return(func(_ context.Context, n activities.NoticeInput) error {
		world.mu.Lock()
		defer world.mu.Unlock()
		world.notices = append(world.notices, n)
		return nil
	})
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", SignalProcessCommand, mock.Anything).Return(
		func(_, id, _, _ string, arg any) error {
			world.mu.Lock()
			defer world.mu.Unlock()
			world.commands[id] = append(world.commands[id], arg.(ProcessCommand))
			return nil
		})
	return env, world
}

func (w *cycleWorld) task(key string) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.opened[key].ID
}

func (w *cycleWorld) noticeOf(message string) []activities.NoticeInput {
	var out []activities.NoticeInput
	for _, n := range w.notices {
		if n.Message == message {
			out = append(out, n)
		}
	}
	return out
}

// script runs steps at one-minute intervals from a start offset.
type script struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	at      time.Duration
	results map[string]*updateCallback
}

func (s *script) after(d time.Duration, fn func()) {
	s.at += d
	s.env.RegisterDelayedCallback(fn, s.at)
}

func (s *script) update(name, update string, arg any) {
	cb := &updateCallback{}
	s.results[name] = cb
	s.after(time.Minute, func() { s.env.UpdateWorkflow(update, name, cb, arg) })
}

func (s *script) signal(n func() TaskNotice) {
	s.after(time.Minute, func() { s.env.SignalWorkflow(SignalTaskChanged, n()) })
}

func (s *script) query(fn func(domain.Cycle)) {
	s.after(time.Second, func() {
		v, err := s.env.QueryWorkflow(QueryCycle)
		if err != nil {
			s.t.Errorf("query: %v", err)
			return
		}
		var c domain.Cycle
		if err := v.Get(&c); err != nil {
			s.t.Errorf("query: %v", err)
			return
		}
		fn(c)
	})
}

func (s *script) ok(names ...string) {
	s.t.Helper()
	for _, name := range names {
		cb := s.results[name]
		if cb == nil || !cb.accepted || !cb.done || cb.failed != nil || cb.rejected != nil {
			s.t.Errorf("%s: %+v", name, cb)
		}
	}
}

func (s *script) refused(name string, kind domain.Kind) *domain.Error {
	s.t.Helper()
	cb := s.results[name]
	err := UpdateError(cb.rejected)
	if domain.KindOf(err) != kind {
		s.t.Errorf("%s: refused with %v, want %v", name, err, kind)
	}
	return domain.AsError(err)
}

func agendaNotice(w *cycleWorld, dept string, items ...string) func() TaskNotice {
	return func() TaskNotice {
		values := map[string]any{"no_items": len(items) == 0}
		var list []any
		for _, it := range items {
			list = append(list, map[string]any{"title": it, "summary": "说明", "decision_requested": "请会议研究"})
		}
		if len(list) > 0 {
			values["items"] = list
		}
		return TaskNotice{TaskID: w.task("meeting:science:2026H1:agenda:" + dept), Kind: domain.KindAgendaItems, Lead: dept,
			Status: domain.TaskAccepted, Values: values, At: cycleStart}
	}
}

func TestMeetingCycleRunsEveryPhase(t *testing.T) {
	env, world := newCycleEnv(t)
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	officeAct := Action{Actor: scienceOffice}

	// Agenda call: three departments answer; the call closes by itself.
	s.signal(agendaNotice(world, "finance", "科技金融改革", "科技金融改革（重复）"))
	s.update("dept-cannot-add", UpdateAddItem, AddItemRequest{Action: Action{Actor: financeLiaison}, Item: domain.ItemInput{Title: "x"}})
	s.update("office-adds", UpdateAddItem, AddItemRequest{Action: officeAct, Item: domain.ItemInput{Title: "年度工作要点"}})
	s.signal(agendaNotice(world, "tax", "研发费用加计扣除"))
	s.query(func(c domain.Cycle) {
		if role, waiting := c.Waiting(); role != domain.WaitingDepartments || len(waiting) != 1 || waiting[0] != "education" {
			t.Errorf("waiting %s %v", role, waiting)
		}
	})
	s.signal(agendaNotice(world, "education"))
	s.query(func(c domain.Cycle) {
		if c.Phase != domain.PhaseCompilation || len(c.Items) != 5 {
			t.Errorf("after the call: %s, %d items", c.Phase, len(c.Items))
		}
	})
	// Items: 1 carried over, 2 and 3 finance's, 4 the office's, 5 tax's.
	s.update("unplaced", UpdateCompile, CompileRequest{Action: officeAct, Compilation: domain.Compilation{Order: []int{1, 2}}})
	s.update("compile", UpdateCompile, CompileRequest{Action: officeAct, Compilation: domain.Compilation{Order: []int{4, 2, 1},
		Merge: []domain.Placement{{Item: 3, Into: 2}}, Reject: []domain.Placement{{Item: 5, Reason: "属部门职责，无需会议研究"}}}})
	s.update("office-cannot-approve", UpdateApproveAgenda, NoteRequest{Action: officeAct})
	s.update("return", UpdateReturnAgenda, ReturnAgendaRequest{Action: Action{Actor: scienceConvener}, Comments: "请把上期结转事项放在首位"})
	s.update("compile-again", UpdateCompile, CompileRequest{Action: officeAct, Compilation: domain.Compilation{Order: []int{1, 4, 2}}})
	s.update("approve", UpdateApproveAgenda, NoteRequest{Action: Action{Actor: scienceConvener}, Note: "同意"})
	meetingAt := cycleStart.Add(30 * 24 * time.Hour)
	s.update("record-too-early", UpdateRecord, RecordRequest{Action: officeAct})
	s.update("notice", UpdateNotice, NoticeRequest{Action: officeAct, Notice: domain.Notice{StartsAt: meetingAt, Place: "市政府 3 楼第一会议室"}})
	s.signal(func() TaskNotice {
		return TaskNotice{TaskID: world.task("meeting:science:2026H1:attendance:finance"), Kind: domain.KindAttendance, Lead: "finance",
			Status: domain.TaskAccepted, Values: map[string]any{"answer": "attend", "name": "李局长", "post": "局长"}}
	})
	s.signal(func() TaskNotice {
		return TaskNotice{TaskID: world.task("meeting:science:2026H1:attendance:tax"), Kind: domain.KindAttendance, Lead: "tax",
			Status: domain.TaskAccepted, Values: map[string]any{"answer": "leave", "delegate_name": "赵副局长", "delegate_post": "副局长"}}
	})
	s.update("record", UpdateRecord, RecordRequest{Action: officeAct, MeetingRecord: domain.MeetingRecord{
		Minutes: "会议听取了各单位汇报。", Items: []domain.ItemMinutes{{Item: 1, Text: "同意继续推进"}},
		Decisions: []domain.DecisionInput{
			{Item: 1, Title: "出台科技金融实施细则", Lead: "finance", Co: []domain.Code{"tax"}, DueAt: cycleStart.Add(90 * 24 * time.Hour), DoneWhen: "细则印发"},
			{Item: 4, Title: "编制年度工作要点", Lead: "education", DueAt: cycleStart.Add(90 * 24 * time.Hour), DoneWhen: "要点印发"},
		}}})
	s.query(func(c domain.Cycle) {
		if c.Phase != domain.PhaseFollowUp || len(c.Decisions) != 2 || c.Decisions[0].TaskID == 0 {
			t.Fatalf("after the record: %s %+v", c.Phase, c.Decisions)
		}
		want := map[string]string{"finance": domain.AttendedPresent, "tax": domain.AttendedDelegate, "education": domain.AttendedAbsent}
		for _, a := range c.Attendance {
			if a.Recorded != want[a.Department] {
				t.Errorf("attendance %+v", a)
			}
		}
	})
	// A month later the open decisions are asked for progress.
	s.after(32*24*time.Hour, func() {})
	s.signal(func() TaskNotice {
		return TaskNotice{TaskID: world.task("meeting:science:2026H1:report:1:1"), Kind: domain.KindProgressReport, Lead: "finance",
			Status: domain.TaskAccepted, Values: map[string]any{"progress": "已形成初稿"}, At: cycleStart.Add(40 * 24 * time.Hour)}
	})
	s.signal(func() TaskNotice {
		return TaskNotice{TaskID: world.task("meeting:science:2026H1:decision:1"), Kind: domain.KindDecision, Lead: "finance", Status: domain.TaskSubmitted}
	})
	s.query(func(c domain.Cycle) {
		if c.Reports != 1 || c.Decisions[0].Reports[0].Text != "已形成初稿" || c.Decisions[0].Status != domain.DecisionSubmitted {
			t.Errorf("follow-up %+v", c.Decisions)
		}
	})
	s.signal(func() TaskNotice {
		return TaskNotice{TaskID: world.task("meeting:science:2026H1:decision:1"), Kind: domain.KindDecision, Lead: "finance", Status: domain.TaskAccepted}
	})
	s.update("carry-over", UpdateCarryOver, CarryOverRequest{Action: officeAct, Decision: 2, Reason: "需待省里文件出台"})

	env.ExecuteWorkflow(MeetingCycle, MeetingCycleInput{Cycle: testCycle()})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res MeetingCycleResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Phase != domain.PhaseClosed || res.Decisions != 2 {
		t.Fatalf("result %+v %v", res, err)
	}
	s.ok("office-adds", "compile", "return", "compile-again", "approve", "notice", "record", "carry-over")
	s.refused("dept-cannot-add", domain.KindForbidden)
	s.refused("office-cannot-approve", domain.KindForbidden)
	s.refused("record-too-early", domain.KindInvalid)
	if e := s.refused("unplaced", domain.KindInvalid); e == nil || len(e.Fields) != 3 {
		t.Errorf("unplaced fields: %+v", e)
	}

	final := world.changes[len(world.changes)-1].Cycle
	if final.Phase != domain.PhaseClosed || final.AgendaVersion != 1 || len(final.ReturnComments) != 1 {
		t.Errorf("final %s v%d %v", final.Phase, final.AgendaVersion, final.ReturnComments)
	}
	agenda := final.Agenda()
	if len(agenda) != 3 || agenda[0].ID != 1 || agenda[0].Number != 1 || agenda[2].ID != 2 || agenda[2].Number != 3 {
		t.Errorf("agenda %+v", agenda)
	}
	if it := final.Item(5); it.Status != domain.ItemRejected || it.Reason == "" {
		t.Errorf("rejected item %+v", it)
	}
	if final.Item(3).Status != domain.ItemMerged || final.Item(3).MergedInto != 2 {
		t.Errorf("merged item %+v", final.Item(3))
	}
	// Versions only grow, each change recorded once under its own key.
	keys := map[string]bool{}
	for i, ch := range world.changes {
		if ch.Cycle.Version != i+1 || keys[ch.Key] {
			t.Fatalf("change %d: version %d key %s", i, ch.Cycle.Version, ch.Key)
		}
		keys[ch.Key] = true
	}
	// The tasks: three agenda calls, three attendance, two decisions, two
	// progress reports (both decisions were still open a month on).
	count := map[domain.TaskKind]int{}
	for _, sp := range world.specs {
		count[sp.Kind]++
	}
	if count[domain.KindAgendaItems] != 3 || count[domain.KindAttendance] != 3 || count[domain.KindDecision] != 2 || count[domain.KindProgressReport] != 2 {
		t.Errorf("tasks opened %v", count)
	}
	// Education never answered the notice: its task was withdrawn at the record.
	if cmds := world.commands[TaskID(world.task("meeting:science:2026H1:attendance:education"))]; len(cmds) != 1 || !cmds[0].Withdraw {
		t.Errorf("education's attendance task: %+v", cmds)
	}
	if n := world.noticeOf("notify.item_rejected"); len(n) != 1 || n[0].Departments[0] != "tax" {
		t.Errorf("rejection notices %+v", n)
	}
	if len(world.noticeOf("notify.meeting_notice")) != 1 || len(world.noticeOf("notify.agenda_returned")) != 1 {
		t.Errorf("notices %+v", world.notices)
	}
}

func TestMeetingCycleDeadlinePassesWithDepartmentsMissing(t *testing.T) {
	env, world := newCycleEnv(t)
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	officeAct := Action{Actor: scienceOffice}
	s.signal(agendaNotice(world, "finance", "科技金融改革"))
	// The deadline (14 days) passes: the office is told, the cycle waits.
	s.after(15*24*time.Hour, func() {})
	s.query(func(c domain.Cycle) {
		role, waiting := c.Waiting()
		if c.Phase != domain.PhaseAgendaCall || !c.AgendaOverdue || role != domain.WaitingOffice || len(waiting) != 2 {
			t.Errorf("after the deadline: %s overdue=%v %s %v", c.Phase, c.AgendaOverdue, role, waiting)
		}
	})
	s.update("extend-to-past", UpdateExtendAgenda, ExtendRequest{Action: officeAct, DueAt: cycleStart})
	newDue := cycleStart.Add(20 * 24 * time.Hour)
	s.update("extend", UpdateExtendAgenda, ExtendRequest{Action: officeAct, DueAt: newDue})
	s.signal(agendaNotice(world, "tax"))
	s.after(6*24*time.Hour, func() {})
	s.update("go-on", UpdateCloseAgendaCall, NoteRequest{Action: officeAct, Note: "不再等待"})
	s.query(func(c domain.Cycle) {
		if c.Phase != domain.PhaseCompilation || len(c.Missing()) != 1 || c.Missing()[0] != "education" {
			t.Errorf("after going on: %s missing %v", c.Phase, c.Missing())
		}
	})
	s.update("cancel", UpdateCancelCycle, ReasonRequest{Action: officeAct, Reason: "测试结束"})

	env.ExecuteWorkflow(MeetingCycle, MeetingCycleInput{Cycle: testCycle()})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	s.ok("extend", "go-on", "cancel")
	s.refused("extend-to-past", domain.KindInvalid)
	if n := world.noticeOf("notify.agenda_overdue"); len(n) != 2 || n[0].Key == n[1].Key {
		t.Errorf("overdue notices (one per deadline) %+v", n)
	}
	edu := TaskID(world.task("meeting:science:2026H1:agenda:education"))
	cmds := world.commands[edu]
	if len(cmds) != 2 || !cmds[0].DueAt.Equal(newDue) || !cmds[1].Withdraw {
		t.Errorf("education's agenda task got %+v", cmds)
	}
	if cmds := world.commands[TaskID(world.task("meeting:science:2026H1:agenda:finance"))]; len(cmds) != 0 {
		t.Errorf("finance answered, yet got %+v", cmds)
	}
}

func TestMeetingCycleContinuesAsNewWithItsState(t *testing.T) {
	env, world := newCycleEnv(t)
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	for i := 0; i < 6; i++ {
		s.update("add-"+strconv.Itoa(i), UpdateAddItem, AddItemRequest{Action: Action{Actor: scienceOffice}, Item: domain.ItemInput{Title: "议题" + strings.Repeat("一", i+1)}})
	}
	// The history grows past the limit; the next change lets the cycle see it.
	s.after(time.Minute, func() { env.SetCurrentHistoryLength(41) })
	s.update("add-last", UpdateAddItem, AddItemRequest{Action: Action{Actor: scienceOffice}, Item: domain.ItemInput{Title: "最后一个议题"}})
	env.ExecuteWorkflow(MeetingCycle, MeetingCycleInput{Cycle: testCycle(), HistoryLimit: 40})
	var can *workflow.ContinueAsNewError
	if err := env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	var next MeetingCycleInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	s.ok("add-last")
	last := world.changes[len(world.changes)-1].Cycle
	if next.HistoryLimit != 40 || next.Cycle.Version != last.Version || len(next.Cycle.Items) != 8 || next.Cycle.Submissions[0].TaskID == 0 {
		t.Fatalf("continued with %+v, last recorded v%d", next.Cycle, last.Version)
	}
}
