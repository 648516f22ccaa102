package workflows

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/internal/domain"
)

const mpDay = 24 * time.Hour

var (
	// mpCST is Asia/Shanghai, as the service computes the year's dates.
	mpCST     = time.FixedZone("CST", 8*60*60)
	mpYearEnd = time.Date(2027, 1, 1, 0, 0, 0, 0, mpCST)
	mpID      = domain.MasterpieceID(2026)
	mpRoundID = domain.RoundID(domain.MasterpieceProgramme, 2026)

	cultureOffice   = domain.User{Username: "cultureoffice", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: domain.MasterpieceCommittee}}}
	cultureConvener = domain.User{Username: "cultureconvener", Grants: []domain.Grant{{Role: domain.RoleConvener, Committee: domain.MasterpieceCommittee}}}
	bureauLiaison   = domain.User{Username: "bureau", Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: "culture-bureau"}}}
)

func mpDate(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, mpCST) }

// mpNextQuarter is the first day of the quarter after now, or zero when
// the year ends first (as the service sets it).
func mpNextQuarter(now time.Time) time.Time {
	l := now.In(mpCST)
	q := time.Date(l.Year(), time.Month((int(l.Month())-1)/3*3+1), 1, 0, 0, 0, 0, mpCST).AddDate(0, 3, 0)
	if !q.Before(mpYearEnd) {
		return time.Time{}
	}
	return q
}

// mpYear is the 2026 year as the service starts it at start: the call
// open for twenty days.
func mpYear(start time.Time) domain.Masterpieces {
	p := domain.Programme{Code: domain.MasterpieceProgramme, Version: 1, NameZH: "文艺精品项目专家评审", Committee: domain.MasterpieceCommittee, Quota: 10,
		Criteria:    []domain.Criterion{{Code: "ideology", Weight: 40, Max: 100}, {Code: "artistry", Weight: 40, Max: 100}, {Code: "feasibility", Weight: 20, Max: 100}},
		ScoringDays: 10, ReviewersPerEntry: 3, Aggregation: domain.AggregateTrimmedMean, TieRule: domain.TieByCriteria}
	m := domain.Masterpieces{ID: mpID, Year: 2026, Committee: domain.MasterpieceCommittee, Programme: p, StartedBy: cultureOffice.Username, StartedAt: start,
		CallDue: start.Add(20 * mpDay), YearEnd: mpYearEnd, NextQuarter: mpNextQuarter(start),
		Applications: []domain.Application{}, Seminars: []domain.Seminar{}, Projects: []domain.Project{}, Steps: []domain.Step{}}
	m.StepInto(domain.MasterpieceCall, start, cultureOffice.Username, "")
	return m
}

func mpApp(unit domain.Code, title string) domain.NewApplication {
	return domain.NewApplication{Unit: unit, Sponsor: unit, Title: title, Genre: "drama", Creators: []string{"编剧甲", "导演乙"},
		Summary: "以湘潭红色文化为题材的原创作品。", Budget: 800000, Requested: 300000,
		Schedule: []domain.MilestonePlan{{Title: "剧本完成", Due: mpDate(2026, 7, 15)}, {Title: "首演", Due: mpDate(2026, 11, 1)}},
		Contact:  "张老师 0731-5555"}
}

// mpScreening is the year in screening at start: three applications, the
// first two accepted, the third not screened yet.
func mpScreening(start time.Time) domain.Masterpieces {
	m := mpYear(start.Add(-25 * mpDay))
	for _, a := range []struct{ unit, name, title string }{
		{"culture-bureau", "市文旅广体局", "红色歌剧《湘江》"}, {"culture-soe", "市文化国企", "舞剧《莲城》"}, {"culture-bureau", "市文旅广体局", "纪录片《窑湾》"}} {
		if _, err := m.Apply(mpApp(a.unit, a.title), a.name, "bureau", start.Add(-24*mpDay)); err != nil {
			panic(err)
		}
	}
	m.StepInto(domain.MasterpieceScreening, m.CallDue, SystemActor, "")
	m.NextQuarter = mpNextQuarter(start) // the quarter before start was asked for
	for _, id := range []int{1, 2} {
		if err := m.Screen(domain.ScreenApplication{Application: id, Decision: domain.AppAccepted}); err != nil {
			panic(err)
		}
	}
	m.Version = 6
	return m
}

// The planning seminar's decisions: project 2026-1 in two tranches,
// 2026-2 in one, 2026-3 in two.
func mpDecisions() []domain.Determination {
	return []domain.Determination{
		{Application: 1, Support: 300000, Tranches: []domain.TrancheSpec{{Milestone: "剧本完成", Due: mpDate(2026, 7, 15), Amount: 100000},
			{Milestone: "首演", Due: mpDate(2026, 9, 30), Amount: 200000}}},
		{Application: 2, Support: 150000, Tranches: []domain.TrancheSpec{{Milestone: "首演", Due: mpDate(2026, 8, 1), Amount: 150000}}},
		{Application: 3, Support: 200000, Tranches: []domain.TrancheSpec{{Milestone: "拍摄完成", Due: mpDate(2026, 10, 1), Amount: 100000},
			{Milestone: "成片", Due: mpDate(2026, 12, 1), Amount: 100000}}},
	}
}

func mpSeminar(decisions ...domain.Determination) domain.SeminarInput {
	return domain.SeminarInput{Kind: domain.SeminarPlanning, At: mpDate(2026, 5, 20), Place: "市委宣传部第一会议室",
		Attendees: []string{"部长", "文艺处"}, Minutes: "研讨确定重点项目及扶持资金。", Decisions: decisions}
}

// mpPortfolio is the year running its portfolio from start: the three
// projects of mpDecisions, no report asked yet.
func mpPortfolio(start time.Time) domain.Masterpieces {
	m := mpScreening(start)
	if err := m.Screen(domain.ScreenApplication{Application: 3, Decision: domain.AppAccepted}); err != nil {
		panic(err)
	}
	m.StepInto(domain.MasterpieceReview, start.Add(-20*mpDay), cultureOffice.Username, "")
	m.Round = mpRoundID
	m.Ranking = mpRanking()
	m.StepInto(domain.MasterpieceSeminar, start.Add(-10*mpDay), SystemActor, "")
	if _, err := m.RecordSeminar(mpSeminar(mpDecisions()...), cultureOffice.Username); err != nil {
		panic(err)
	}
	if _, err := m.ConfirmSeminar(1, cultureConvener.Username, start.Add(-mpDay)); err != nil {
		panic(err)
	}
	m.StepInto(domain.MasterpiecePortfolio, start.Add(-mpDay), cultureConvener.Username, "")
	m.Version = 12
	return m
}

func mpRanking() []domain.Ranked {
	return []domain.Ranked{{Entry: 2, Rank: 1, Score: 91.5, Reviews: 3}, {Entry: 1, Rank: 2, Score: 88, Reviews: 3}}
}

// mpWorld is the activities' and the child round's side of a project
// year's workflow test.
type mpWorld struct {
	env       *testsuite.TestWorkflowEnvironment
	mu        sync.Mutex
	nextID    int64
	changes   []domain.MasterpieceChange
	notices   []activities.NoticeInput
	opened    map[string]activities.OpenedTask
	openCalls []activities.OpenTasksInput
	openedAt  []time.Time // when each OpenTasks call came
	rounds    []domain.Round
	deadlines []activities.DeadlineInput
	rectifyBy time.Time // what Deadline answers
	commands  map[string][]ProcessCommand
	child     func(ctx workflow.Context, in SelectionInput) (SelectionResult, error)
	children  []childStart
	// planned and ran count the scheduled checks, so that a check the run
	// never reached (the year ended first) fails the test.
	planned, ran int
}

func newMasterpieceEnv(t *testing.T, start time.Time) (*testsuite.TestWorkflowEnvironment, *mpWorld) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: mpID})
	w := &mpWorld{env: env, nextID: 700, opened: map[string]activities.OpenedTask{}, commands: map[string][]ProcessCommand{},
		rectifyBy: time.Date(2026, 7, 17, 17, 30, 0, 0, mpCST)}
	w.child = func(ctx workflow.Context, _ SelectionInput) (SelectionResult, error) {
		if err := workflow.Sleep(ctx, 3*mpDay); err != nil {
			return SelectionResult{}, err
		}
		return SelectionResult{Phase: domain.RoundReviewed, Ranking: mpRanking()}, nil
	}
	// The expert round is a fake registered under the real one's name
	// (before any mock: the suite refuses registrations after them).
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in SelectionInput) (SelectionResult, error) {
		info := workflow.GetInfo(ctx)
		parent := ""
		if info.ParentWorkflowExecution != nil {
			parent = info.ParentWorkflowExecution.ID
		}
		w.mu.Lock()
		w.children = append(w.children, childStart{ID: info.WorkflowExecution.ID, Parent: parent, In: in})
		w.mu.Unlock()
		return w.child(ctx, in)
	}, workflow.RegisterOptions{Name: "Selection"})
	var p *activities.Processes
	env.RegisterActivity(p)
	env.OnActivity(p.RecordMasterpieces, mock.Anything, mock.Anything).Return(func(_ context.Context, ch domain.MasterpieceChange) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.changes = append(w.changes, ch)
		return nil
	})
	env.OnActivity(p.Notify, mock.Anything, mock.Anything).Return(func(_ context.Context, n activities.NoticeInput) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.notices = append(w.notices, n)
		return nil
	})
	env.OnActivity(p.OpenTasks, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.OpenTasksInput) ([]activities.OpenedTask, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.openCalls = append(w.openCalls, in)
		w.openedAt = append(w.openedAt, env.Now())
		var out []activities.OpenedTask
		for _, spec := range in.Tasks {
			o, ok := w.opened[spec.Key]
			if !ok {
				w.nextID++
				o = activities.OpenedTask{Key: spec.Key, ID: w.nextID, Lead: spec.Lead, DueAt: spec.DueAt}
				w.opened[spec.Key] = o
			}
			out = append(out, o)
		}
		return out, nil
	})
	env.OnActivity(p.Deadline, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.DeadlineInput) (time.Time, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.deadlines = append(w.deadlines, in)
		return w.rectifyBy, nil
	})
	env.OnActivity(p.StartReviewRound, mock.Anything, mock.Anything).Return(func(_ context.Context, r domain.Round) error {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.rounds = append(w.rounds, r)
		return nil
	})
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", SignalProcessCommand, mock.Anything).Return(
		func(_, id, _, _ string, arg any) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.commands[id] = append(w.commands[id], arg.(ProcessCommand))
			return nil
		})
	return env, w
}

func (w *mpWorld) task(key string) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.opened[key].ID
}

func (w *mpWorld) noticeOf(message string) []activities.NoticeInput {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []activities.NoticeInput
	for _, n := range w.notices {
		if n.Message == message {
			out = append(out, n)
		}
	}
	return out
}

func (w *mpWorld) kinds() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, ch := range w.changes {
		out = append(out, ch.Event.Kind)
	}
	return out
}

// event is the first recorded change of a kind.
func (w *mpWorld) event(t *testing.T, kind string) domain.MasterpieceChange {
	t.Helper()
	for _, ch := range w.changes {
		if ch.Event.Kind == kind {
			return ch
		}
	}
	t.Fatalf("no %s event in %v", kind, w.kinds())
	return domain.MasterpieceChange{}
}

// checkChanges checks that versions only grow, one a change, each change
// under its own key.
func (w *mpWorld) checkChanges(t *testing.T, from int) {
	t.Helper()
	keys := map[string]bool{}
	for i, ch := range w.changes {
		if ch.Year.Version != from+i+1 || keys[ch.Key] || ch.Key == "" {
			t.Fatalf("change %d (%s): version %d key %q", i, ch.Event.Kind, ch.Year.Version, ch.Key)
		}
		keys[ch.Key] = true
	}
}

// specKeys are the keys of the tasks an OpenTasks call asked for.
func specKeys(in activities.OpenTasksInput) []string {
	var out []string
	for _, sp := range in.Tasks {
		out = append(out, sp.Key)
	}
	return out
}

func milestoneKey(project string, seq int) string {
	return mpID + ":milestone:" + project + ":" + strconv.Itoa(seq)
}

// mpAt runs fn at d after the start (the script moves there).
func mpAt(s *script, d time.Duration, fn func()) {
	s.at = d
	s.env.RegisterDelayedCallback(fn, d)
}

// mpQuery checks the year's state through its query at d after the start.
func mpQuery(s *script, w *mpWorld, d time.Duration, check func(domain.Masterpieces)) {
	w.planned++
	mpAt(s, d, func() {
		w.ran++
		v, err := s.env.QueryWorkflow(QueryMasterpieces)
		if err != nil {
			s.t.Errorf("query at +%v: %v", d, err)
			return
		}
		var m domain.Masterpieces
		if err := v.Get(&m); err != nil {
			s.t.Errorf("query at +%v: %v", d, err)
			return
		}
		check(m)
	})
}

// mpNow checks the state a second after the script's last step.
func mpNow(s *script, w *mpWorld, check func(domain.Masterpieces)) {
	mpQuery(s, w, s.at+time.Second, check)
}

func mpPhaseAt(s *script, w *mpWorld, d time.Duration, want domain.MasterpiecePhase) {
	mpQuery(s, w, d, func(m domain.Masterpieces) {
		if m.Phase != want {
			s.t.Errorf("at +%v: phase %s, want %s", d, m.Phase, want)
		}
	})
}

func mpResult(t *testing.T, env *testsuite.TestWorkflowEnvironment, w *mpWorld) MasterpiecesResult {
	t.Helper()
	if !env.IsWorkflowCompleted() {
		t.Fatal("the year did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if w.ran != w.planned {
		t.Errorf("%d of %d checks ran before the year ended", w.ran, w.planned)
	}
	var res MasterpiecesResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

func reportNoticeOf(w *mpWorld, key string, kind domain.TaskKind, lead domain.Code, status domain.TaskStatus, values map[string]any) func() TaskNotice {
	return func() TaskNotice {
		return TaskNotice{TaskID: w.task(key), Kind: kind, Lead: lead, Status: status, At: w.env.Now(), Values: values}
	}
}

func milestoneNotice(w *mpWorld, project string, seq int, lead domain.Code) func() TaskNotice {
	return reportNoticeOf(w, milestoneKey(project, seq), domain.KindMilestoneReport, lead, domain.TaskAccepted,
		map[string]any{"report": "节点 " + strconv.Itoa(seq) + " 已完成"})
}

// mpCarriedIn is a project 2025 carried over, its first tranche released,
// its second to report (as the service carries it in).
func mpCarriedIn() domain.Project {
	p := domain.Project{ID: "2025-4", Application: 4, Year: 2025, Title: "花鼓戏《齐白石》", Unit: "culture-bureau", UnitName: "市文旅广体局",
		Sponsor: "culture-bureau", Genre: "folk_art", Support: 200000, Seminar: 1, Stage: domain.StageInProgress, CarriedFrom: 2025,
		Tranches: []domain.Tranche{
			{Seq: 1, Milestone: "剧本完成", Due: mpDate(2025, 9, 1), Amount: 80000, Status: domain.TrancheReleased, TaskID: 41},
			{Seq: 2, Milestone: "首演", Due: mpDate(2026, 5, 1), Amount: 120000, Status: domain.TranchePending}}}
	p.Log(mpDate(2025, 6, 1), "cultureconvener", "determined", "")
	p.Log(mpDate(2026, 3, 1), "cultureoffice", "carried-in", "2025")
	return p
}

// The call closes by itself at its due date; the project carried in from
// last year is asked for its next milestone at once and for its quarterly
// progress at the quarter; a cancellation needs the office, a reason and
// no project running.
func TestMasterpieceCallClosesAtItsDue(t *testing.T) {
	start := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	env, world := newMasterpieceEnv(t, start)
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	year := mpYear(start)
	year.Projects = append(year.Projects, mpCarriedIn())
	callDue := year.CallDue
	quarter := mpDate(2026, 4, 1)
	office := Action{Actor: cultureOffice}

	s.update("apply", UpdateApply, ApplyRequest{Action: Action{Actor: bureauLiaison}, NewApplication: mpApp("culture-bureau", "红色歌剧《湘江》"), UnitName: "市文旅广体局"})
	s.update("apply-for-another", UpdateApply, ApplyRequest{Action: Action{Actor: bureauLiaison}, NewApplication: mpApp("culture-soe", "舞剧《莲城》")})
	s.update("apply-by-office", UpdateApply, ApplyRequest{Action: office, NewApplication: mpApp("culture-soe", "舞剧《莲城》"), UnitName: "市文化国企"})
	s.update("close-call-not-office", UpdateCloseCall, NoteRequest{Action: Action{Actor: cultureConvener}})
	mpNow(s, world, func(m domain.Masterpieces) {
		if m.Phase != domain.MasterpieceCall || len(m.Applications) != 2 || m.Applications[0].SubmittedBy != "bureau" || m.Applications[1].Sponsor != "culture-soe" {
			t.Errorf("during the call: %s %+v", m.Phase, m.Applications)
		}
		if p := m.Project("2025-4"); p == nil || p.Tranches[1].TaskID == 0 || p.Tranches[1].TaskID != world.task(milestoneKey("2025-4", 2)) {
			t.Errorf("carried project %+v", p)
		}
	})
	mpPhaseAt(s, world, callDue.Sub(start)-time.Minute, domain.MasterpieceCall)
	mpQuery(s, world, callDue.Sub(start)+time.Minute, func(m domain.Masterpieces) {
		if m.Phase != domain.MasterpieceScreening || len(m.Applications) != 2 || !m.CallDue.Equal(callDue) {
			t.Errorf("after the call's due date: %s with %d applications, due %v", m.Phase, len(m.Applications), m.CallDue)
		}
	})
	s.update("apply-late", UpdateApply, ApplyRequest{Action: office, NewApplication: mpApp("culture-bureau", "迟到的申报")})
	mpQuery(s, world, quarter.Sub(start)-time.Minute, func(m domain.Masterpieces) {
		if !m.NextQuarter.Equal(quarter) || len(m.Project("2025-4").ProgressTasks) != 0 {
			t.Errorf("before the quarter: next %v, progress %v", m.NextQuarter, m.Project("2025-4").ProgressTasks)
		}
	})
	mpQuery(s, world, quarter.Sub(start)+time.Minute, func(m domain.Masterpieces) {
		p := m.Project("2025-4")
		if !m.NextQuarter.Equal(mpDate(2026, 7, 1)) || len(p.ProgressTasks) != 1 || p.ProgressTasks[0] != world.task(mpID+":progress:2025-4:2026-04") {
			t.Errorf("after the quarter: next %v, progress %v", m.NextQuarter, p.ProgressTasks)
		}
	})
	// The year cannot be cancelled while the carried project runs; once
	// it has reported its last milestone and passed acceptance (during the
	// next year's screening), it can.
	mpAt(s, 31*mpDay, func() {})
	s.update("cancel-not-office", UpdateCancelYear, ReasonRequest{Action: Action{Actor: cultureConvener}, Reason: "停办"})
	s.update("cancel-running", UpdateCancelYear, ReasonRequest{Action: office, Reason: "本年度暂停"})
	s.signal(milestoneNotice(world, "2025-4", 2, "culture-bureau"))
	s.update("pass", UpdateExamine, ExamineRequest{Action: office, ExamineInput: domain.ExamineInput{Project: "2025-4", Panel: []string{"专家甲", "专家乙", "专家丙"},
		Checklist: map[string]bool{"completed_as_planned": true, "artistic_quality": true, "theme_orientation": true, "funds_used_as_approved": true, "public_presentation": true},
		Result:    domain.ExamPass}})
	s.update("cancel-no-reason", UpdateCancelYear, ReasonRequest{Action: office, Reason: "  "})
	s.update("cancel", UpdateCancelYear, ReasonRequest{Action: office, Reason: "本年度暂停"})

	env.ExecuteWorkflow(Masterpieces, MasterpiecesInput{Year: year})
	res := mpResult(t, env, world)
	if res.Phase != domain.MasterpieceCancelled || res.Accepted != 1 || len(res.Carried) != 0 {
		t.Fatalf("result %+v", res)
	}
	s.ok("apply", "apply-by-office", "pass", "cancel")
	if e := s.refused("cancel-running", domain.KindConflict); e == nil || e.Key != "error.projects_running" {
		t.Errorf("cancel with a project running: %+v", e)
	}
	s.refused("apply-for-another", domain.KindForbidden)
	s.refused("close-call-not-office", domain.KindForbidden)
	s.refused("apply-late", domain.KindConflict)
	s.refused("cancel-not-office", domain.KindForbidden)
	if e := s.refused("cancel-no-reason", domain.KindInvalid); e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "reason" {
		t.Errorf("cancel without a reason: %+v", e)
	}

	want := []string{"reports-asked", "applied", "applied", "call-closed", "progress-asked", "milestone-reported", "examined", "cancelled"}
	if got := world.kinds(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	world.checkChanges(t, 0)
	if ch := world.event(t, "call-closed"); !ch.Event.At.Equal(callDue) || ch.Event.Actor != SystemActor || ch.Audit != nil ||
		asInt(ch.Event.Detail["applications"]) != 2 || ch.Year.Steps[len(ch.Year.Steps)-1].By != SystemActor {
		t.Errorf("call-closed %+v audit %+v", ch.Event, ch.Audit)
	}
	if ch := world.event(t, "progress-asked"); !ch.Event.At.Equal(quarter) || ch.Event.Detail["quarter"] != "2026-04" || asInt(ch.Event.Detail["tasks"]) != 1 {
		t.Errorf("progress-asked %+v", ch.Event)
	}
	// The tasks: the carried project's second milestone at the start, due
	// on its date; its quarterly progress at the quarter.
	if len(world.openCalls) != 2 {
		t.Fatalf("OpenTasks calls %+v", world.openCalls)
	}
	first := world.openCalls[0]
	if sp := first.Tasks; len(sp) != 1 || sp[0].Key != milestoneKey("2025-4", 2) || sp[0].Kind != domain.KindMilestoneReport || sp[0].Lead != "culture-bureau" ||
		!sp[0].DueAt.Equal(mpDate(2026, 5, 1)) || !world.openedAt[0].Equal(start) {
		t.Errorf("milestone tasks %+v at %v", sp, world.openedAt[0])
	}
	if first.Source != (domain.TaskSource{Kind: domain.SourceMasterpiece, ID: mpID, Committee: domain.MasterpieceCommittee}) || first.Actor != "cultureoffice" {
		t.Errorf("tasks opened from %+v by %s", first.Source, first.Actor)
	}
	if sp := world.openCalls[1].Tasks; len(sp) != 1 || sp[0].Kind != domain.KindProgressReport || sp[0].Lead != "culture-bureau" || sp[0].DueDays != progressReportDays ||
		!sp[0].DueAt.IsZero() || !world.openedAt[1].Equal(quarter) {
		t.Errorf("progress tasks %+v at %v", sp, world.openedAt[1])
	}
	last := world.changes[len(world.changes)-1]
	if last.Audit == nil || last.Audit.Action != "masterpiece.cancelled" || last.Event.Actor != "cultureoffice" || last.Year.ClosedAt.IsZero() ||
		last.Year.Steps[len(last.Year.Steps)-1].Note != "本年度暂停" {
		t.Errorf("cancelled %+v %+v", last.Event, last.Audit)
	}
}

// Screening closes into the experts' child round with the accepted
// applications; its ranking opens the seminar; the convener's
// confirmation starts the portfolio with one milestone report per
// project; the office closes the year early and the projects carry over.
func TestMasterpieceReviewSeminarAndCloseYear(t *testing.T) {
	start := time.Date(2026, 4, 10, 1, 0, 0, 0, time.UTC)
	env, world := newMasterpieceEnv(t, start)
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	office := Action{Actor: cultureOffice}
	convener := Action{Actor: cultureConvener}

	s.update("close-unscreened", UpdateCloseAppScreen, NoteRequest{Action: office})
	s.update("reject-no-reason", UpdateScreenApp, ScreenApplicationRequest{Action: office, ScreenApplication: domain.ScreenApplication{Application: 3, Decision: domain.AppRejected}})
	s.update("reject", UpdateScreenApp, ScreenApplicationRequest{Action: office, ScreenApplication: domain.ScreenApplication{Application: 3, Decision: domain.AppRejected, Reason: "题材重复"}})
	s.update("close-not-office", UpdateCloseAppScreen, NoteRequest{Action: convener})
	s.update("close-screening", UpdateCloseAppScreen, NoteRequest{Action: office, Note: "提交专家评审"})
	s.update("cancel-in-review", UpdateCancelYear, ReasonRequest{Action: office, Reason: "停办"})
	mpNow(s, world, func(m domain.Masterpieces) {
		if m.Phase != domain.MasterpieceReview || m.Round != mpRoundID || len(m.Ranking) != 0 {
			t.Errorf("after screening: %s round %q", m.Phase, m.Round)
		}
	})
	mpPhaseAt(s, world, 3*mpDay, domain.MasterpieceReview)
	mpQuery(s, world, 3*mpDay+time.Hour, func(m domain.Masterpieces) {
		if m.Phase != domain.MasterpieceSeminar || !reflect.DeepEqual(m.Ranking, mpRanking()) {
			t.Errorf("after the review: %s ranking %+v", m.Phase, m.Ranking)
		}
	})
	mpAt(s, 4*mpDay, func() {})
	decisions := mpDecisions()[:2]
	s.update("record-not-office", UpdateRecordSeminar, SeminarRequest{Action: convener, SeminarInput: mpSeminar(decisions...)})
	s.update("record-rejected-app", UpdateRecordSeminar, SeminarRequest{Action: office, SeminarInput: mpSeminar(mpDecisions()...)})
	s.update("record", UpdateRecordSeminar, SeminarRequest{Action: office, SeminarInput: mpSeminar(decisions...)})
	s.update("confirm-by-office", UpdateConfirmSeminar, ConfirmSeminarRequest{Action: office, Seminar: 1})
	s.update("confirm-by-finance", UpdateConfirmSeminar, ConfirmSeminarRequest{Action: Action{Actor: financeLiaison}, Seminar: 1})
	s.update("close-year-in-seminar", UpdateCloseYear, NoteRequest{Action: office})
	s.update("confirm", UpdateConfirmSeminar, ConfirmSeminarRequest{Action: convener, Seminar: 1})
	s.update("confirm-again", UpdateConfirmSeminar, ConfirmSeminarRequest{Action: convener, Seminar: 1})
	mpNow(s, world, func(m domain.Masterpieces) {
		if m.Phase != domain.MasterpiecePortfolio || len(m.Projects) != 2 {
			t.Fatalf("after the confirmation: %s with %d projects", m.Phase, len(m.Projects))
		}
		for _, p := range m.Projects {
			if p.Stage != domain.StageInProgress || p.Tranches[0].TaskID == 0 || p.Tranches[0].TaskID != world.task(milestoneKey(p.ID, 1)) ||
				len(p.Tranches) > 1 && p.Tranches[1].TaskID != 0 {
				t.Errorf("project %s: %s %+v", p.ID, p.Stage, p.Tranches)
			}
		}
	})
	// Project 2026-2's only milestone is reported: it waits for acceptance
	// with no task open.
	s.signal(milestoneNotice(world, "2026-2", 1, "culture-soe"))
	s.update("cancel-in-portfolio", UpdateCancelYear, ReasonRequest{Action: office, Reason: "停办"})
	s.update("close-year-not-office", UpdateCloseYear, NoteRequest{Action: convener})
	s.update("close-year", UpdateCloseYear, NoteRequest{Action: office, Note: "年度工作结束"})

	env.ExecuteWorkflow(Masterpieces, MasterpiecesInput{Year: mpScreening(start)})
	res := mpResult(t, env, world)
	if res.Phase != domain.MasterpieceClosed || res.Accepted != 0 || !slices.Equal(res.Carried, []string{"2026-1", "2026-2"}) {
		t.Fatalf("result %+v", res)
	}
	s.ok("reject", "close-screening", "record", "confirm", "close-year")
	if e := s.refused("close-unscreened", domain.KindConflict); e == nil || e.Key != "error.entries_unscreened" {
		t.Errorf("close-unscreened: %+v", e)
	}
	s.refused("reject-no-reason", domain.KindInvalid)
	s.refused("close-not-office", domain.KindForbidden)
	s.refused("cancel-in-review", domain.KindConflict)
	s.refused("record-not-office", domain.KindForbidden)
	if e := s.refused("record-rejected-app", domain.KindInvalid); e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "decisions[2].application" {
		t.Errorf("record-rejected-app: %+v", e)
	}
	s.refused("confirm-by-office", domain.KindForbidden)
	s.refused("confirm-by-finance", domain.KindForbidden)
	s.refused("close-year-in-seminar", domain.KindConflict)
	s.refused("confirm-again", domain.KindConflict)
	s.refused("cancel-in-portfolio", domain.KindConflict)
	s.refused("close-year-not-office", domain.KindForbidden)

	// The review: the round stored with the accepted applications as its
	// entries and the year as its parent, then started as the child.
	if len(world.rounds) != 1 {
		t.Fatalf("review rounds %+v", world.rounds)
	}
	r := world.rounds[0]
	if r.ID != mpRoundID || r.Parent != mpID || r.Phase != domain.RoundScreening || r.Programme.Code != domain.MasterpieceProgramme || r.Year != 2026 ||
		r.StartedBy != "cultureoffice" || len(r.Entries) != 2 {
		t.Fatalf("round %+v", r)
	}
	for i, e := range r.Entries {
		app := mpScreening(start).Applications[i]
		if e.ID != app.ID || e.Title != app.Title || e.Department != app.Sponsor || e.Unit != app.UnitName || e.Status != domain.EntryAccepted {
			t.Errorf("entry %d: %+v", i, e)
		}
	}
	if ch := world.children; len(ch) != 1 || ch[0].ID != mpRoundID || ch[0].Parent != mpID || ch[0].In.Round.ID != mpRoundID || len(ch[0].In.Round.Entries) != 2 {
		t.Fatalf("child rounds %+v", ch)
	}
	if n := world.noticeOf("notify.masterpiece_ranked"); len(n) != 1 || n[0].Role != "office" || n[0].Committee != domain.MasterpieceCommittee ||
		n[0].Key != mpID+":ranked" || n[0].Link != "/masterpieces/2026" {
		t.Errorf("ranked notices %+v", n)
	}
	if n := world.noticeOf("notify.seminar_recorded"); len(n) != 1 || n[0].Role != "convener" || n[0].Committee != domain.MasterpieceCommittee {
		t.Errorf("seminar notices %+v", n)
	}
	want := []string{"screened", "review-started", "ranked", "seminar-recorded", "seminar-confirmed", "reports-asked", "milestone-reported", "year-closed"}
	if got := world.kinds(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	world.checkChanges(t, 6)
	if ch := world.event(t, "ranked"); !ch.Event.At.Equal(start.Add(5*time.Minute+3*mpDay)) || ch.Event.Actor != SystemActor || asInt(ch.Event.Detail["ranked"]) != 2 {
		t.Errorf("ranked %+v", ch.Event)
	}
	if ch := world.event(t, "review-started"); ch.Audit == nil || ch.Audit.Action != "masterpiece.review-started" || ch.Event.Detail["round"] != mpRoundID ||
		asInt(ch.Event.Detail["applications"]) != 2 {
		t.Errorf("review-started %+v %+v", ch.Event, ch.Audit)
	}
	// One milestone report per project, due on its first milestone's date,
	// led by the project's sponsor.
	if len(world.openCalls) != 1 {
		t.Fatalf("OpenTasks calls %+v", world.openCalls)
	}
	wantSpecs := map[string]struct {
		lead domain.Code
		due  time.Time
	}{milestoneKey("2026-1", 1): {"culture-bureau", mpDate(2026, 7, 15)}, milestoneKey("2026-2", 1): {"culture-soe", mpDate(2026, 8, 1)}}
	if sp := world.openCalls[0].Tasks; len(sp) != len(wantSpecs) {
		t.Errorf("milestone tasks %v", specKeys(world.openCalls[0]))
	}
	for _, sp := range world.openCalls[0].Tasks {
		w, ok := wantSpecs[sp.Key]
		if !ok || sp.Kind != domain.KindMilestoneReport || sp.Lead != w.lead || !sp.DueAt.Equal(w.due) || len(sp.Form) != 1 || !sp.Form[0].Required {
			t.Errorf("milestone task %+v", sp)
		}
	}
	// The close: each project carried, the report still open withdrawn,
	// the one already reported left alone.
	withdrawn := TaskID(world.task(milestoneKey("2026-1", 1)))
	if cmds := world.commands[withdrawn]; len(cmds) != 1 || !cmds[0].Withdraw || cmds[0].Reason == "" {
		t.Errorf("open report task got %+v", cmds)
	}
	if cmds := world.commands[TaskID(world.task(milestoneKey("2026-2", 1)))]; len(cmds) != 0 {
		t.Errorf("reported task got %+v", cmds)
	}
	if len(world.commands) != 1 {
		t.Errorf("commands %+v", world.commands)
	}
	last := world.changes[len(world.changes)-1]
	if last.Audit == nil || last.Audit.Action != "masterpiece.year-closed" || last.Event.Actor != "cultureoffice" || last.Year.Phase != domain.MasterpieceClosed ||
		last.Year.ClosedAt.IsZero() || last.Year.Steps[len(last.Year.Steps)-1].Note != "年度工作结束" {
		t.Errorf("year-closed %+v %+v", last.Event, last.Audit)
	}
	for _, p := range last.Year.Projects {
		h := p.History[len(p.History)-1]
		if p.Stage != domain.StageCarried || h.What != "carried-over" || h.Note != "2027" || h.By != "cultureoffice" {
			t.Errorf("project %s at the close: %s %+v", p.ID, p.Stage, h)
		}
	}
	// The event counts the projects carried over (two), not the tasks
	// withdrawn (one).
	if n := asInt(last.Event.Detail["carried"]); n != 2 {
		t.Errorf("year-closed detail carried = %d, want 2 (the projects carried over)", n)
	}
}

// A review round that ends without a ranking, cancelled or failed,
// cancels the year.
func TestMasterpieceCancelledWithItsReview(t *testing.T) {
	for name, child := range map[string]func(ctx workflow.Context, in SelectionInput) (SelectionResult, error){
		"round cancelled": func(ctx workflow.Context, _ SelectionInput) (SelectionResult, error) {
			if err := workflow.Sleep(ctx, mpDay); err != nil {
				return SelectionResult{}, err
			}
			return SelectionResult{Phase: domain.RoundCancelled}, nil
		},
		"round failed": func(ctx workflow.Context, _ SelectionInput) (SelectionResult, error) {
			if err := workflow.Sleep(ctx, mpDay); err != nil {
				return SelectionResult{}, err
			}
			return SelectionResult{}, temporal.NewNonRetryableApplicationError("boom", "test", errors.New("boom"))
		},
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Date(2026, 4, 10, 1, 0, 0, 0, time.UTC)
			env, world := newMasterpieceEnv(t, start)
			world.child = child
			s := &script{t: t, env: env, results: map[string]*updateCallback{}}
			year := mpScreening(start)
			year.Applications[2].Status, year.Applications[2].Reason = domain.AppRejected, "题材重复"
			s.update("close-screening", UpdateCloseAppScreen, NoteRequest{Action: Action{Actor: cultureOffice}})
			mpPhaseAt(s, world, mpDay, domain.MasterpieceReview)
			env.ExecuteWorkflow(Masterpieces, MasterpiecesInput{Year: year})
			res := mpResult(t, env, world)
			if res.Phase != domain.MasterpieceCancelled || res.Accepted != 0 || len(res.Carried) != 0 {
				t.Fatalf("result %+v", res)
			}
			s.ok("close-screening")
			if got, want := world.kinds(), []string{"review-started", "review-cancelled"}; !slices.Equal(got, want) {
				t.Fatalf("events %v, want %v", got, want)
			}
			world.checkChanges(t, 6)
			last := world.changes[1]
			if !last.Event.At.Equal(start.Add(time.Minute+mpDay)) || last.Event.Actor != SystemActor || last.Year.ClosedAt.IsZero() || len(last.Year.Ranking) != 0 {
				t.Errorf("review-cancelled %+v", last.Event)
			}
			if len(world.noticeOf("notify.masterpiece_ranked")) != 0 {
				t.Errorf("ranked notice for a cancelled review")
			}
		})
	}
}

// The portfolio through the year: milestone reports release tranches
// after the office's approval and the finance bureau's release; the last
// report sends a project to acceptance, where the panel asks for
// rectification and then passes it; quarterly progress reports every
// quarter until the year's end; at the year's end the unfinished
// projects carry over and their open reports are withdrawn.
func TestMasterpiecePortfolioThroughTheYear(t *testing.T) {
	start := time.Date(2026, 6, 15, 1, 0, 0, 0, time.UTC)
	env, world := newMasterpieceEnv(t, start)
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	office := Action{Actor: cultureOffice}
	finance := Action{Actor: financeLiaison}
	july, october := mpDate(2026, 7, 1), mpDate(2026, 10, 1)
	tranche := func(name, update string, a Action, project string, seq int) {
		s.update(name, update, TrancheRequest{Action: a, TrancheAction: domain.TrancheAction{Project: project, Tranche: seq, Note: "按程序"}})
	}
	checklist := func(all bool) map[string]bool {
		out := map[string]bool{}
		for i, item := range domain.AcceptanceChecklist {
			out[item] = all || i != 1
		}
		return out
	}
	examine := func(name string, a Action, project, result string, days int) {
		s.update(name, UpdateExamine, ExamineRequest{Action: a, ExamineInput: domain.ExamineInput{Project: project, Panel: []string{"专家甲", "专家乙", "专家丙"},
			Checklist: checklist(result == domain.ExamPass), Result: result, Comment: "艺术质量有待提高", RectifyDays: days}})
	}

	mpQuery(s, world, time.Hour, func(m domain.Masterpieces) {
		if m.Phase != domain.MasterpiecePortfolio || !m.NextQuarter.Equal(july) {
			t.Errorf("at the start: %s next quarter %v", m.Phase, m.NextQuarter)
		}
		for _, p := range m.Projects {
			if p.Tranches[0].TaskID == 0 || p.Tranches[0].TaskID != world.task(milestoneKey(p.ID, 1)) {
				t.Errorf("project %s: %+v", p.ID, p.Tranches)
			}
		}
	})
	// Day 1: notices that change nothing; approval and release refused out
	// of order; the first report of 2026-1 accepted.
	mpAt(s, mpDay, func() {})
	s.signal(func() TaskNotice {
		n := milestoneNotice(world, "2026-1", 1, "culture-bureau")()
		n.Status = domain.TaskSubmitted
		return n
	})
	s.signal(func() TaskNotice {
		return TaskNotice{TaskID: 9999, Kind: domain.KindMilestoneReport, Lead: "culture-bureau", Status: domain.TaskAccepted, At: env.Now()}
	})
	tranche("release-unapproved", UpdateReleaseTranche, finance, "2026-1", 1)
	tranche("approve-unreported", UpdateApproveTranche, office, "2026-1", 1)
	mpNow(s, world, func(m domain.Masterpieces) {
		if tr := m.Project("2026-1").Tranches[0]; tr.Status != domain.TranchePending || m.Project("2026-1").Tranches[1].TaskID != 0 {
			t.Errorf("ignored notices changed %+v", m.Project("2026-1").Tranches)
		}
	})
	s.signal(milestoneNotice(world, "2026-1", 1, "culture-bureau"))
	mpNow(s, world, func(m domain.Masterpieces) {
		p := m.Project("2026-1")
		if p.Stage != domain.StageInProgress || p.Tranches[0].Status != domain.TrancheReported || p.Tranches[0].Report != "节点 1 已完成" ||
			p.Tranches[0].ReportedAt.IsZero() || p.Tranches[1].TaskID == 0 || p.Tranches[1].TaskID != world.task(milestoneKey("2026-1", 2)) {
			t.Errorf("after the first report: %s %+v", p.Stage, p.Tranches)
		}
	})
	tranche("approve-by-finance", UpdateApproveTranche, finance, "2026-1", 1)
	tranche("release-reported", UpdateReleaseTranche, finance, "2026-1", 1)
	tranche("approve-pending", UpdateApproveTranche, office, "2026-1", 2)
	tranche("approve", UpdateApproveTranche, office, "2026-1", 1)
	tranche("approve-again", UpdateApproveTranche, office, "2026-1", 1)
	tranche("release-by-office", UpdateReleaseTranche, office, "2026-1", 1)
	tranche("release", UpdateReleaseTranche, finance, "2026-1", 1)
	tranche("release-again", UpdateReleaseTranche, finance, "2026-1", 1)
	mpNow(s, world, func(m domain.Masterpieces) {
		p := m.Project("2026-1")
		tr := p.Tranches[0]
		if tr.Status != domain.TrancheReleased || tr.ApprovedBy != "cultureoffice" || tr.ReleasedBy != "li" || p.Released() != 100000 {
			t.Errorf("after the release: %+v", tr)
		}
	})
	// Day 3: the last reports of 2026-1 and 2026-2: both ready for
	// acceptance. The panel sends 2026-1 back for rectification.
	mpAt(s, 3*mpDay, func() {})
	s.signal(milestoneNotice(world, "2026-1", 2, "culture-bureau"))
	s.signal(milestoneNotice(world, "2026-2", 1, "culture-soe"))
	mpNow(s, world, func(m domain.Masterpieces) {
		for _, id := range []string{"2026-1", "2026-2"} {
			if p := m.Project(id); p.Stage != domain.StageAcceptance || p.NextReport() != nil || p.History[len(p.History)-1].What != "ready-for-acceptance" {
				t.Errorf("%s after its last report: %s %+v", id, p.Stage, p.Tranches)
			}
		}
	})
	examine("examine-in-progress", office, "2026-3", domain.ExamPass, 0)
	examine("examine-not-office", Action{Actor: cultureConvener}, "2026-1", domain.ExamRectify, 10)
	examine("rectify-no-days", office, "2026-1", domain.ExamRectify, 0)
	examine("rectify", office, "2026-1", domain.ExamRectify, 10)
	examine("examine-rectifying", office, "2026-1", domain.ExamPass, 0)
	mpNow(s, world, func(m domain.Masterpieces) {
		p := m.Project("2026-1")
		if p.Stage != domain.StageRectifying || len(p.Examinations) != 1 {
			t.Fatalf("after the rectify verdict: %s %+v", p.Stage, p.Examinations)
		}
		e := p.Examinations[0]
		if e.Result != domain.ExamRectify || !e.RectifyBy.Equal(world.rectifyBy) || e.TaskID == 0 || e.TaskID != world.task(mpID+":rectify:2026-1:1") || e.By != "cultureoffice" {
			t.Errorf("examination %+v", e)
		}
	})
	// The quarter: progress asked of 2026-1 (rectifying) and 2026-3 (in
	// progress), not of 2026-2 (waiting for acceptance).
	mpQuery(s, world, july.Sub(start)-time.Minute, func(m domain.Masterpieces) {
		for _, p := range m.Projects {
			if len(p.ProgressTasks) != 0 {
				t.Errorf("progress asked of %s before the quarter", p.ID)
			}
		}
	})
	mpQuery(s, world, july.Sub(start)+time.Minute, func(m domain.Masterpieces) {
		if !m.NextQuarter.Equal(october) {
			t.Errorf("next quarter %v, want %v", m.NextQuarter, october)
		}
		for id, n := range map[string]int{"2026-1": 1, "2026-2": 0, "2026-3": 1} {
			if got := m.Project(id).ProgressTasks; len(got) != n || n == 1 && got[0] != world.task(mpID+":progress:"+id+":2026-07") {
				t.Errorf("progress tasks of %s: %v", id, got)
			}
		}
	})
	// Day 20: the rectification accepted; the panel passes 2026-1. 2026-3
	// reports its progress.
	mpAt(s, 20*mpDay, func() {})
	s.signal(reportNoticeOf(world, mpID+":rectify:2026-1:1", domain.KindRectification, "culture-bureau", domain.TaskAccepted, map[string]any{"report": "已按意见修改"}))
	mpNow(s, world, func(m domain.Masterpieces) {
		if p := m.Project("2026-1"); p.Stage != domain.StageAcceptance || p.History[len(p.History)-1].Note != "已按意见修改" {
			t.Errorf("after the rectification: %s %+v", p.Stage, p.History[len(p.History)-1])
		}
	})
	examine("pass", office, "2026-1", domain.ExamPass, 0)
	s.signal(reportNoticeOf(world, mpID+":progress:2026-3:2026-07", domain.KindProgressReport, "culture-bureau", domain.TaskAccepted, map[string]any{"progress": "拍摄过半"}))
	mpNow(s, world, func(m domain.Masterpieces) {
		if p := m.Project("2026-1"); p.Stage != domain.StageAccepted || len(p.Examinations) != 2 || p.Examinations[1].Result != domain.ExamPass {
			t.Errorf("after the pass: %s %+v", p.Stage, p.Examinations)
		}
		if h := m.Project("2026-3").History; h[len(h)-1].What != "progress-reported" || h[len(h)-1].Note != "拍摄过半" {
			t.Errorf("2026-3's history %+v", h)
		}
	})
	// October: progress asked of 2026-3 only; no quarter is left before
	// the year's end.
	mpQuery(s, world, october.Sub(start)+time.Minute, func(m domain.Masterpieces) {
		if !m.NextQuarter.IsZero() {
			t.Errorf("next quarter %v after the last one", m.NextQuarter)
		}
		if got := m.Project("2026-3").ProgressTasks; len(got) != 2 || got[1] != world.task(mpID+":progress:2026-3:2026-10") {
			t.Errorf("progress tasks of 2026-3: %v", got)
		}
		if got := m.Project("2026-1").ProgressTasks; len(got) != 1 {
			t.Errorf("progress tasks of the accepted 2026-1: %v", got)
		}
	})
	mpPhaseAt(s, world, mpYearEnd.Sub(start)-time.Minute, domain.MasterpiecePortfolio)

	env.ExecuteWorkflow(Masterpieces, MasterpiecesInput{Year: mpPortfolio(start)})
	res := mpResult(t, env, world)
	if res.Phase != domain.MasterpieceClosed || res.Accepted != 1 || !slices.Equal(res.Carried, []string{"2026-2", "2026-3"}) {
		t.Fatalf("result %+v", res)
	}
	s.ok("approve", "release", "rectify", "pass")
	for name, kind := range map[string]domain.Kind{"release-unapproved": domain.KindConflict, "approve-unreported": domain.KindConflict,
		"approve-by-finance": domain.KindForbidden, "release-reported": domain.KindConflict, "approve-pending": domain.KindConflict,
		"approve-again": domain.KindConflict, "release-by-office": domain.KindForbidden, "release-again": domain.KindConflict,
		"examine-in-progress": domain.KindConflict, "examine-not-office": domain.KindForbidden, "rectify-no-days": domain.KindInvalid,
		"examine-rectifying": domain.KindConflict} {
		s.refused(name, kind)
	}
	if e := s.refused("approve-unreported", domain.KindConflict); e == nil || e.Key != "error.tranche_not_reported" {
		t.Errorf("approve-unreported: %+v", e)
	}
	if e := s.refused("release-reported", domain.KindConflict); e == nil || e.Key != "error.tranche_not_approved" {
		t.Errorf("release-reported: %+v", e)
	}

	want := []string{"reports-asked", "milestone-reported", "reports-asked", "tranche-approved", "tranche-released", "milestone-reported",
		"milestone-reported", "examined", "progress-asked", "rectified", "examined", "progress-reported", "progress-asked", "year-ended"}
	if got := world.kinds(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	world.checkChanges(t, 12)

	// The tasks, call by call: the first reports, 2026-1's second, the
	// rectification, July's and October's progress.
	wantCalls := []struct {
		at   time.Time
		keys []string
	}{
		{start, []string{milestoneKey("2026-1", 1), milestoneKey("2026-2", 1), milestoneKey("2026-3", 1)}},
		{time.Time{}, []string{milestoneKey("2026-1", 2)}},
		{time.Time{}, []string{mpID + ":rectify:2026-1:1"}},
		{july, []string{mpID + ":progress:2026-1:2026-07", mpID + ":progress:2026-3:2026-07"}},
		{october, []string{mpID + ":progress:2026-3:2026-10"}},
	}
	if len(world.openCalls) != len(wantCalls) {
		t.Fatalf("OpenTasks calls %d, want %d", len(world.openCalls), len(wantCalls))
	}
	for i, w := range wantCalls {
		if got := specKeys(world.openCalls[i]); !slices.Equal(got, w.keys) || !w.at.IsZero() && !world.openedAt[i].Equal(w.at) {
			t.Errorf("OpenTasks call %d: %v at %v, want %v at %v", i, got, world.openedAt[i], w.keys, w.at)
		}
	}
	due := map[string]time.Time{}
	for _, d := range mpDecisions() {
		for k, tr := range d.Tranches {
			due[milestoneKey("2026-"+strconv.Itoa(d.Application), k+1)] = tr.Due
		}
	}
	for _, call := range world.openCalls {
		for _, sp := range call.Tasks {
			lead := domain.Code("culture-bureau")
			if sp.Key == milestoneKey("2026-2", 1) {
				lead = "culture-soe"
			}
			ok := sp.Lead == lead
			switch sp.Kind {
			case domain.KindMilestoneReport:
				ok = ok && sp.DueAt.Equal(due[sp.Key]) && sp.DueDays == 0
			case domain.KindRectification:
				ok = ok && sp.DueAt.Equal(world.rectifyBy)
			case domain.KindProgressReport:
				ok = ok && sp.DueAt.IsZero() && sp.DueDays == progressReportDays
			default:
				ok = false
			}
			if !ok {
				t.Errorf("task %+v", sp)
			}
		}
	}
	if len(world.deadlines) != 1 || world.deadlines[0].Days != 10 {
		t.Errorf("deadlines asked %+v", world.deadlines)
	}

	// Notices: the office of each accepted report; finance of the approval.
	if n := world.noticeOf("notify.milestone_reported"); len(n) != 3 || n[0].Role != "office" || n[0].Committee != domain.MasterpieceCommittee ||
		n[0].Key != mpID+":reported:2026-1:1" {
		t.Errorf("reported notices %+v", n)
	}
	if n := world.noticeOf("notify.tranche_approved"); len(n) != 1 || !slices.Equal(n[0].Departments, []domain.Code{"finance"}) || n[0].Key != mpID+":approved:2026-1:1" {
		t.Errorf("approved notices %+v", n)
	}
	if ch := world.event(t, "tranche-released"); ch.Audit == nil || ch.Audit.Action != "masterpiece.tranche-released" || ch.Event.Actor != "li" {
		t.Errorf("tranche-released %+v %+v", ch.Event, ch.Audit)
	}

	// The year's end, at its date, by the system: 2026-2 (waiting for
	// acceptance) and 2026-3 (its first milestone open) carried over;
	// 2026-3's open report withdrawn, the accepted project's tasks left.
	end := world.changes[len(world.changes)-1]
	if !end.Event.At.Equal(mpYearEnd) || end.Event.Actor != SystemActor || end.Audit != nil || end.Year.Phase != domain.MasterpieceClosed || !end.Year.ClosedAt.Equal(mpYearEnd) {
		t.Errorf("year-ended %+v at %v", end.Event, end.Year.ClosedAt)
	}
	for _, p := range end.Year.Projects {
		wantStage := map[string]string{"2026-1": domain.StageAccepted, "2026-2": domain.StageCarried, "2026-3": domain.StageCarried}[p.ID]
		h := p.History[len(p.History)-1]
		if p.Stage != wantStage || p.Stage == domain.StageCarried && (h.What != "carried-over" || h.Note != "2027" || h.By != SystemActor) {
			t.Errorf("project %s at the year's end: %s %+v", p.ID, p.Stage, h)
		}
	}
	if cmds := world.commands[TaskID(world.task(milestoneKey("2026-3", 1)))]; len(cmds) != 1 || !cmds[0].Withdraw {
		t.Errorf("2026-3's open report got %+v", cmds)
	}
	for _, key := range []string{milestoneKey("2026-1", 1), milestoneKey("2026-1", 2), milestoneKey("2026-2", 1), mpID + ":rectify:2026-1:1"} {
		if cmds := world.commands[TaskID(world.task(key))]; len(cmds) != 0 {
			t.Errorf("%s got %+v", key, cmds)
		}
	}
	// 2026-3's October progress report was never submitted: it is an open
	// report task of a carried project, which the next year does not track
	// (the service clears ProgressTasks when it carries a project in), so
	// it is withdrawn too.
	if cmds := world.commands[TaskID(world.task(mpID+":progress:2026-3:2026-10"))]; len(cmds) != 1 || !cmds[0].Withdraw {
		t.Errorf("2026-3's open progress report at the year's end got %+v, want one withdrawal", cmds)
	}
}
