package workflows

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"lianxi/activities"
	"lianxi/internal/domain"
)

var (
	mgmtOffice   = domain.User{Username: "office", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "management"}}}
	mgmtConvener = domain.User{Username: "convener", Grants: []domain.Grant{{Role: domain.RoleConvener, Committee: "management"}}}
	roundStart   = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
)

func expertUser(name string) domain.User {
	return domain.User{Username: name, Grants: []domain.Grant{{Role: domain.RoleExpert}}}
}

func testRound() domain.Round {
	p := domain.Programme{Code: "management-cases", Version: 1, NameZH: "管理创新优秀案例推选", Committee: "management", Quota: 2,
		Criteria:   []domain.Criterion{{Code: "innovativeness", Weight: 60, Max: 100}, {Code: "effectiveness", Weight: 40, Max: 100}},
		Nominators: []string{domain.NominatorDepartments, domain.NominatorPublic}, NominationDays: 10, ScreeningDays: 5, RevisionDays: 3,
		ScoringDays: 10, NoticeDays: 5, ReviewersPerEntry: 3, Aggregation: domain.AggregateTrimmedMean, TieRule: domain.TieByCriteria}
	r := domain.Round{ID: domain.RoundID(p.Code, 2026), Programme: p, Year: 2026, StartedBy: "office", StartedAt: roundStart,
		NominationDue: roundStart.Add(10 * 24 * time.Hour), Calls: []domain.NominationTask{{Department: "finance"}, {Department: "education"}},
		Entries: []domain.Entry{}, Reviews: []domain.Review{}, Objections: []domain.Objection{}}
	r.StepInto(domain.RoundNomination, roundStart, "office", "")
	return r
}

// roundWorld is the activities' side of a round's workflow test.
type roundWorld struct {
	changes  []domain.RoundChange
	notices  []activities.NoticeInput
	opened   int
	commands int
	experts  []domain.Expert
}

func newRoundEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *roundWorld) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(roundStart)
	world := &roundWorld{}
	for i, aff := range []string{"finance", "education", "", "", ""} {
		world.experts = append(world.experts, domain.Expert{Username: fmt.Sprintf("e%d", i+1), Affiliation: aff})
	}
	var m *activities.Processes
	env.RegisterActivity(m)
	env.OnActivity(m.OpenTasks, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.OpenTasksInput) ([]activities.OpenedTask, error) {
		var out []activities.OpenedTask
		for _, spec := range in.Tasks {
			world.opened++
			out = append(out, activities.OpenedTask{Key: spec.Key, ID: int64(200 + world.opened), Lead: spec.Lead})
		}
		return out, nil
	})
	env.OnActivity(m.RecordRound, mock.Anything, mock.Anything).Return(func(_ context.Context, ch domain.RoundChange) error {
		world.changes = append(world.changes, ch)
		return nil
	})
	env.OnActivity(m.Notify, mock.Anything, mock.Anything).Return(func(_ context.Context, n activities.NoticeInput) error {
		world.notices = append(world.notices, n)
		return nil
	})
	env.OnActivity(m.LoadExperts, mock.Anything, mock.Anything).Return(func(context.Context, activities.LoadExpertsInput) ([]domain.Expert, error) {
		return world.experts, nil
	})
	env.OnActivity(m.Deadline, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.DeadlineInput) (time.Time, error) {
		return env.Now().Add(time.Duration(in.Days) * 24 * time.Hour), nil
	})
	env.OnSignalExternalWorkflow(mock.Anything, mock.Anything, "", SignalProcessCommand, mock.Anything).Return(func(_, _, _, _ string, _ any) error {
		world.commands++
		return nil
	})
	return env, world
}

func nomination(dept, title string) domain.NewEntry {
	return domain.NewEntry{Title: title, Unit: dept, Department: dept, Summary: "做法与成效", Contact: "0731-1"}
}

func TestSelectionRoundRunsEveryPhase(t *testing.T) {
	env, world := newRoundEnv(t)
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	var round domain.Round
	query := func(check func(domain.Round)) {
		s.after(time.Second, func() {
			v, err := env.QueryWorkflow(QueryRound)
			if err != nil || v.Get(&round) != nil {
				t.Errorf("query: %v", err)
				return
			}
			check(round)
		})
	}
	// Nominations: finance twice, education once, the public once; a
	// department cannot nominate for another.
	s.update("finance-1", UpdateNominate, NominateRequest{Action: Action{Actor: financeLiaison}, NewEntry: nomination("finance", "财政案例一")})
	s.update("finance-2", UpdateNominate, NominateRequest{Action: Action{Actor: financeLiaison}, NewEntry: nomination("finance", "财政案例二")})
	s.update("for-another", UpdateNominate, NominateRequest{Action: Action{Actor: financeLiaison}, NewEntry: nomination("education", "冒名")})
	s.update("education", UpdateNominate, NominateRequest{Action: Action{Actor: educationLiaison}, NewEntry: nomination("education", "教育案例")})
	s.update("public", UpdateNominate, NominateRequest{Action: Action{Actor: domain.User{Username: PublicActor}},
		NewEntry: domain.NewEntry{Title: "市民建议", Unit: "市民", Summary: "建议", Contact: "138"}})
	// The call closes by itself at its deadline (ten days).
	s.after(11*24*time.Hour, func() {})
	query(func(r domain.Round) {
		if r.Phase != domain.RoundScreening || len(r.Entries) != 4 {
			t.Errorf("after the deadline: %s with %d entries", r.Phase, len(r.Entries))
		}
	})
	s.update("late", UpdateNominate, NominateRequest{Action: Action{Actor: financeLiaison}, NewEntry: nomination("finance", "迟到")})
	for i := 1; i <= 3; i++ {
		s.update(fmt.Sprintf("accept-%d", i), UpdateScreen, ScreenRequest{Action: Action{Actor: mgmtOffice}, ScreenInput: domain.ScreenInput{Entry: i, Decision: domain.ScreenAccept}})
	}
	s.update("return-4", UpdateScreen, ScreenRequest{Action: Action{Actor: mgmtOffice}, ScreenInput: domain.ScreenInput{Entry: 4, Decision: domain.ScreenReturn, Reason: "请补充"}})
	s.update("close-too-early", UpdateCloseScreening, NoteRequest{Action: Action{Actor: mgmtOffice}})
	// The public entry's revision window (3 days) passes: closing rejects it.
	s.after(4*24*time.Hour, func() {})
	s.update("close-screening", UpdateCloseScreening, NoteRequest{Action: Action{Actor: mgmtOffice}})
	query(func(r domain.Round) {
		if r.Phase != domain.RoundReview || len(r.Reviews) != 9 || r.Entry(4).Status != domain.EntryRejected {
			t.Fatalf("after the draw: %s, %d reviews, entry 4 %s", r.Phase, len(r.Reviews), r.Entry(4).Status)
		}
		for _, v := range r.Reviews {
			e := r.Entry(v.Entry)
			if (v.Expert == "e1" && e.Department == "finance") || (v.Expert == "e2" && e.Department == "education") {
				t.Errorf("recusal broken: %+v", v)
			}
		}
	})
	// Scoring: every expert scores; one declares a conflict first and is
	// replaced; an expert cannot score a review that is not theirs.
	s.after(time.Minute, func() {
		first := round.Reviews[0]
		var other string
		for _, e := range world.experts {
			if e.Username != first.Expert {
				other = e.Username
				break
			}
		}
		cb := &updateCallback{}
		s.results["not-theirs"] = cb
		env.UpdateWorkflow(UpdateScore, "not-theirs", cb, ScoreRequest{Action: Action{Actor: expertUser(other)}, Review: first.ID,
			ScoreInput: domain.ScoreInput{Scores: map[string]float64{"innovativeness": 1, "effectiveness": 1}}})
		cb2 := &updateCallback{}
		s.results["conflict"] = cb2
		env.UpdateWorkflow(UpdateDeclareConflict, "conflict", cb2, ConflictRequest{Action: Action{Actor: expertUser(first.Expert)}, Review: first.ID, Reason: "曾参与该项目"})
	})
	s.after(time.Minute, func() {
		v, _ := env.QueryWorkflow(QueryRound)
		_ = v.Get(&round)
		for _, r := range round.Reviews {
			if r.Replaced {
				continue
			}
			// Entry 1 is best, then 3, then 2.
			score := map[int]float64{1: 90, 2: 70, 3: 80}[r.Entry]
			cb := &updateCallback{}
			name := fmt.Sprintf("score-%d", r.ID)
			s.results[name] = cb
			env.UpdateWorkflow(UpdateScore, name, cb, ScoreRequest{Action: Action{Actor: expertUser(r.Expert)}, Review: r.ID,
				ScoreInput: domain.ScoreInput{Scores: map[string]float64{"innovativeness": score, "effectiveness": score}}})
		}
	})
	query(func(r domain.Round) {
		if r.Phase != domain.RoundConfirmation || !slices.Equal(r.Proposed, []int{1, 3}) {
			t.Errorf("ranked: %s proposed %v", r.Phase, r.Proposed)
		}
	})
	s.update("confirm-changed-no-reason", UpdateConfirm, ConfirmRequest{Action: Action{Actor: mgmtConvener}, ConfirmInput: domain.ConfirmInput{List: []int{1, 2}}})
	s.update("confirm", UpdateConfirm, ConfirmRequest{Action: Action{Actor: mgmtConvener}})
	s.update("object", UpdateObject, ObjectRequest{Action: Action{Actor: domain.User{Username: PublicActor}},
		NewObjection: domain.NewObjection{Entry: 1, Name: "李四", Contact: "138", Text: "数据不实"}})
	// The notice (five days) runs out, but the objection is not ruled yet.
	s.after(6*24*time.Hour, func() {})
	query(func(r domain.Round) {
		if r.Phase != domain.RoundNotice {
			t.Errorf("an unruled objection must hold the notice: %s", r.Phase)
		}
	})
	s.update("uphold", UpdateRule, RuleRequest{Action: Action{Actor: mgmtOffice}, RulingInput: domain.RulingInput{Objection: 1, Ruling: domain.RulingUpheld, Reason: "属实"}})
	s.update("announce", UpdateAnnounce, AnnounceRequest{Action: Action{Actor: mgmtOffice}, AnnounceInput: domain.AnnounceInput{Publicity: map[string][]string{"3": {"湖南日报"}}}})

	env.ExecuteWorkflow(Selection, SelectionInput{Round: testRound()})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res SelectionResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Phase != domain.RoundAnnounced || !slices.Equal(res.Results, []int{3, 2}) {
		t.Fatalf("result %+v %v (entry 1 withdrawn, entry 2 promoted)", res, err)
	}
	s.ok("finance-1", "finance-2", "education", "public", "close-screening", "conflict", "confirm", "object", "uphold", "announce")
	s.refused("for-another", domain.KindForbidden)
	s.refused("late", domain.KindConflict)
	s.refused("close-too-early", domain.KindConflict)
	s.refused("not-theirs", domain.KindForbidden)
	s.refused("confirm-changed-no-reason", domain.KindInvalid)
	if world.opened != 2 || world.commands != 2 {
		t.Errorf("calls opened %d, withdrawn %d", world.opened, world.commands)
	}
	final := world.changes[len(world.changes)-1].Round
	replaced := 0
	for _, v := range final.Reviews {
		if v.Replaced {
			replaced++
		}
	}
	if replaced != 1 || len(final.Reviews) != 10 || final.Publicity["3"][0] != "湖南日报" {
		t.Errorf("final: %d replaced of %d, publicity %v", replaced, len(final.Reviews), final.Publicity)
	}
}

func TestSelectionRefusesADrawWithoutEnoughExperts(t *testing.T) {
	env, world := newRoundEnv(t)
	world.experts = world.experts[:2] // e1 (finance) and e2 (education) only
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	s.update("nominate", UpdateNominate, NominateRequest{Action: Action{Actor: financeLiaison}, NewEntry: nomination("finance", "财政案例")})
	s.update("close", UpdateCloseNominations, NoteRequest{Action: Action{Actor: mgmtOffice}})
	s.update("accept", UpdateScreen, ScreenRequest{Action: Action{Actor: mgmtOffice}, ScreenInput: domain.ScreenInput{Entry: 1, Decision: domain.ScreenAccept}})
	s.update("draw", UpdateCloseScreening, NoteRequest{Action: Action{Actor: mgmtOffice}})
	s.update("cancel", UpdateCancelRound, ReasonRequest{Action: Action{Actor: mgmtOffice}, Reason: "专家不足"})
	env.ExecuteWorkflow(Selection, SelectionInput{Round: testRound()})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	s.ok("nominate", "close", "accept", "cancel")
	// The draw fails in the handler (the pool is read there), so the
	// update is accepted and completes with the error.
	cb := s.results["draw"]
	if err := UpdateError(cb.failed); domain.AsError(err) == nil || domain.AsError(err).Key != "error.not_enough_experts" {
		t.Fatalf("draw: rejected %v, failed %v", cb.rejected, cb.failed)
	}
	for _, ch := range world.changes {
		if ch.Round.Phase == domain.RoundReview {
			t.Fatalf("the round entered review: %+v", ch.Round)
		}
	}
}

func TestSelectionRemindsLateExpertsAndReplacesOne(t *testing.T) {
	env, world := newRoundEnv(t)
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	s.update("nominate", UpdateNominate, NominateRequest{Action: Action{Actor: educationLiaison}, NewEntry: nomination("education", "教育案例")})
	s.update("close", UpdateCloseNominations, NoteRequest{Action: Action{Actor: mgmtOffice}})
	s.update("accept", UpdateScreen, ScreenRequest{Action: Action{Actor: mgmtOffice}, ScreenInput: domain.ScreenInput{Entry: 1, Decision: domain.ScreenAccept}})
	s.update("draw", UpdateCloseScreening, NoteRequest{Action: Action{Actor: mgmtOffice}})
	// Nobody scores; the scoring deadline (ten days) passes.
	s.after(11*24*time.Hour, func() {})
	s.update("replace-late", UpdateReassign, ReassignRequest{Action: Action{Actor: mgmtOffice}, Review: 1, Reason: "逾期未评"})
	s.update("cancel", UpdateCancelRound, ReasonRequest{Action: Action{Actor: mgmtOffice}, Reason: "测试结束"})
	env.ExecuteWorkflow(Selection, SelectionInput{Round: testRound()})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	s.ok("nominate", "close", "accept", "draw", "replace-late", "cancel")
	var experts, office []activities.NoticeInput
	for _, n := range world.notices {
		switch n.Message {
		case "notify.review_overdue":
			experts = append(experts, n)
		case "notify.scoring_overdue":
			office = append(office, n)
		}
	}
	if len(experts) != 1 || len(experts[0].Users) != 3 || len(office) != 1 || office[0].Role != "office" {
		t.Fatalf("reminders: experts %+v, office %+v", experts, office)
	}
	final := world.changes[len(world.changes)-1].Round
	if r := final.Review(1); r == nil || !r.Replaced || len(final.Active()) != 3 || final.Reviews[3].Override != "逾期未评" {
		t.Fatalf("replacement: %+v", final.Reviews)
	}
	if slices.Contains(experts[0].Users, "e2") {
		t.Fatalf("e2 (education) must recuse from education's entry: %v", experts[0].Users)
	}
}
