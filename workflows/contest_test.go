package workflows

import (
	"context"
	"errors"
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

var contestStart = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

const cDay = 24 * time.Hour

// The contest's dates, from the start of the test.
const (
	cSubmissionOpens  = 1 * cDay
	cSubmissionCloses = 10 * cDay
	cVoteOpens        = 12 * cDay
	cVoteCloses       = 20 * cDay
	cReviewTakes      = 3 * cDay // the fake expert round's length
)

// testContest is a 2026 contest in setup, its submissions opening a day
// after the start: two prizes, four ideas to the experts.
func testContest() domain.Contest {
	at := func(d time.Duration) time.Time { return contestStart.Add(d) }
	p := domain.Programme{Code: domain.ContestProgramme, Version: 1, NameZH: "“莲城创意”大赛专家评审", Committee: "management", Quota: 19,
		Criteria:   []domain.Criterion{{Code: "innovation", Weight: 35, Max: 100}, {Code: "feasibility", Weight: 35, Max: 100}, {Code: "benefit", Weight: 30, Max: 100}},
		Nominators: []string{domain.NominatorPublic}, ScoringDays: 10, ReviewersPerEntry: 3, Aggregation: domain.AggregateTrimmedMean, TieRule: domain.TieByCriteria}
	c := domain.Contest{ID: domain.ContestID(2026), Year: 2026, Theme: "服务发展,助推改革", Committee: "management", StartedBy: "office", StartedAt: contestStart,
		Programme: p, Steps: []domain.Step{},
		Rules: domain.ContestRules{Categories: domain.DefaultCategories(), SubmissionOpens: at(cSubmissionOpens), SubmissionCloses: at(cSubmissionCloses),
			VoteOpens: at(cVoteOpens), VoteCloses: at(cVoteCloses), VotesPerVoter: 3, PublicWeight: 30, ExpertWeight: 70, Shortlist: 4,
			Prizes:       []domain.PrizeTier{{Code: "first", NameZH: "一等奖", NameEN: "First prize", Count: 1}, {Code: "second", NameZH: "二等奖", NameEN: "Second prize", Count: 1}},
			CoOrganisers: []domain.Code{"finance", "education"}, ReplyDays: 15, ReportDays: 60}}
	c.StepInto(domain.ContestSetup, contestStart, "office", "")
	return c
}

// contestCandidates are the four ideas with the most votes; the fake
// review round scores the first three (entry 2 best) and leaves the
// fourth unscored.
func contestCandidates() []domain.Candidate {
	return []domain.Candidate{
		{Idea: 11, Entry: 1, Title: "老旧小区加装电梯", Category: "livelihood", Votes: 40},
		{Idea: 12, Entry: 2, Title: "夜间经济街区", Category: "economy", Votes: 25},
		{Idea: 13, Entry: 3, Title: "社区养老食堂", Category: "livelihood", Votes: 10},
		{Idea: 14, Entry: 4, Title: "智慧停车", Category: "governance", Votes: 30},
	}
}

func contestRanking() []domain.Ranked {
	return []domain.Ranked{{Entry: 2, Rank: 1, Score: 90, Reviews: 3}, {Entry: 3, Rank: 2, Score: 85, Reviews: 3},
		{Entry: 1, Rank: 3, Score: 70, Reviews: 3}, {Entry: 4, Rank: 4, Score: 0, Reviews: 0}}
}

// contestWorld is the activities' and the child round's side of a
// contest's workflow test.
type contestWorld struct {
	env        *testsuite.TestWorkflowEnvironment
	mu         sync.Mutex
	nextID     int64
	changes    []domain.ContestChange
	notices    []activities.NoticeInput
	opened     map[string]activities.OpenedTask
	openCalls  []activities.OpenTasksInput
	unscreened int         // what UnscreenedIdeas answers
	counted    []time.Time // when UnscreenedIdeas was asked
	reviews    []activities.ContestReviewInput
	noIdeas    bool // ContestReview finds no eligible idea
	// child is the fake expert round; children records how it was started.
	child    func(ctx workflow.Context, in SelectionInput) (SelectionResult, error)
	children []childStart
}

type childStart struct {
	ID, Parent string
	In         SelectionInput
}

func newContestEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *contestWorld) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(contestStart)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: domain.ContestID(2026)})
	world := &contestWorld{env: env, nextID: 500, opened: map[string]activities.OpenedTask{}}
	world.child = func(ctx workflow.Context, in SelectionInput) (SelectionResult, error) {
		if err := workflow.Sleep(ctx, cReviewTakes); err != nil {
			return SelectionResult{}, err
		}
		return SelectionResult{Phase: domain.RoundReviewed, Ranking: contestRanking()}, nil
	}
	var c *activities.Contests
	var p *activities.Processes
	env.RegisterActivity(c)
	env.RegisterActivity(p)
	env.OnActivity(c.RecordContest, mock.Anything, mock.Anything).Return(func(_ context.Context, ch domain.ContestChange) error {
		world.mu.Lock()
		defer world.mu.Unlock()
		world.changes = append(world.changes, ch)
		return nil
	})
	env.OnActivity(c.UnscreenedIdeas, mock.Anything, mock.Anything).Return(func(_ context.Context, year int) (int, error) {
		world.mu.Lock()
		defer world.mu.Unlock()
		if year != 2026 {
			t.Errorf("unscreened ideas of %d", year)
		}
		world.counted = append(world.counted, env.Now())
		return world.unscreened, nil
	})
	env.OnActivity(c.ContestReview, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ContestReviewInput) (activities.ContestReviewOutput, error) {
		world.mu.Lock()
		defer world.mu.Unlock()
		world.reviews = append(world.reviews, in)
		r := domain.Round{ID: domain.RoundID(in.Contest.Programme.Code, in.Contest.Year), Programme: in.Contest.Programme, Year: in.Contest.Year,
			Parent: in.Contest.ID, StartedBy: in.Contest.StartedBy, StartedAt: env.Now(), Entries: []domain.Entry{}, Reviews: []domain.Review{}, Objections: []domain.Objection{}}
		cands := contestCandidates()
		if world.noIdeas {
			cands = nil
		}
		for _, x := range cands {
			r.Entries = append(r.Entries, domain.Entry{ID: x.Entry, Title: x.Title, Contact: "idea:" + strconv.FormatInt(x.Idea, 10),
				NominatedBy: domain.NominatorPublic, Status: domain.EntryAccepted})
		}
		r.StepInto(domain.RoundNomination, env.Now(), in.Contest.StartedBy, "")
		r.StepInto(domain.RoundScreening, env.Now(), in.Contest.StartedBy, "")
		return activities.ContestReviewOutput{Round: r, Candidates: cands}, nil
	})
	env.OnActivity(p.Notify, mock.Anything, mock.Anything).Return(func(_ context.Context, n activities.NoticeInput) error {
		world.mu.Lock()
		defer world.mu.Unlock()
		world.notices = append(world.notices, n)
		return nil
	})
	env.OnActivity(p.OpenTasks, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.OpenTasksInput) ([]activities.OpenedTask, error) {
		world.mu.Lock()
		defer world.mu.Unlock()
		world.openCalls = append(world.openCalls, in)
		var out []activities.OpenedTask
		for _, spec := range in.Tasks {
			o, ok := world.opened[spec.Key]
			if !ok {
				world.nextID++
				o = activities.OpenedTask{Key: spec.Key, ID: world.nextID, Lead: spec.Lead}
				world.opened[spec.Key] = o
			}
			out = append(out, o)
		}
		return out, nil
	})
	// The expert round is a fake registered under the real one's name.
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in SelectionInput) (SelectionResult, error) {
		info := workflow.GetInfo(ctx)
		parent := ""
		if info.ParentWorkflowExecution != nil {
			parent = info.ParentWorkflowExecution.ID
		}
		world.mu.Lock()
		world.children = append(world.children, childStart{ID: info.WorkflowExecution.ID, Parent: parent, In: in})
		world.mu.Unlock()
		return world.child(ctx, in)
	}, workflow.RegisterOptions{Name: "Selection"})
	return env, world
}

func (w *contestWorld) task(key string) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.opened[key].ID
}

func (w *contestWorld) noticeOf(message string) []activities.NoticeInput {
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

// kinds are the kinds of the recorded events, in order.
func (w *contestWorld) kinds() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, ch := range w.changes {
		out = append(out, ch.Event.Kind)
	}
	return out
}

// checkChanges checks that versions only grow, one a change, each change
// under its own key.
func (w *contestWorld) checkChanges(t *testing.T, from int) {
	t.Helper()
	keys := map[string]bool{}
	for i, ch := range w.changes {
		if ch.Contest.Version != from+i+1 || keys[ch.Key] || ch.Key == "" {
			t.Fatalf("change %d (%s): version %d key %q", i, ch.Event.Kind, ch.Contest.Version, ch.Key)
		}
		keys[ch.Key] = true
	}
}

// asInt reads a number that may have come through the data converter.
func asInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case float64:
		return int(n)
	}
	return -1
}

// contestAt runs fn at d after the start (s.at is moved there).
func contestAt(s *script, d time.Duration, fn func()) {
	s.at = d
	s.env.RegisterDelayedCallback(fn, d)
}

// queryContest checks the contest's state through its query.
func queryContest(s *script, d time.Duration, check func(domain.Contest)) {
	contestAt(s, d, func() {
		v, err := s.env.QueryWorkflow(QueryContest)
		if err != nil {
			s.t.Errorf("query: %v", err)
			return
		}
		var c domain.Contest
		if err := v.Get(&c); err != nil {
			s.t.Errorf("query: %v", err)
			return
		}
		check(c)
	})
}

func phaseAt(s *script, d time.Duration, want domain.ContestPhase) {
	queryContest(s, d, func(c domain.Contest) {
		if c.Phase != want {
			s.t.Errorf("at +%v: phase %s, want %s", d, c.Phase, want)
		}
	})
}

// replyNotice is the office's acceptance of a department's feasibility
// reply to an idea.
func replyNotice(w *contestWorld, idea int64, lead domain.Code, answer string) func() TaskNotice {
	return func() TaskNotice {
		return TaskNotice{TaskID: w.task("contest:2026:reply:" + strconv.FormatInt(idea, 10)), Kind: domain.KindFeasibilityReply, Lead: lead,
			Status: domain.TaskAccepted, At: contestStart.Add(30 * cDay),
			Values: map[string]any{"feasibility": answer, "reply": "我局已研究：" + answer, "plan": "一季度试点"}}
	}
}

// reportNotice is an implementation report on an idea (the n-th), closed
// on submission.
func reportNotice(w *contestWorld, idea int64, lead domain.Code, n int, done bool) func() TaskNotice {
	return func() TaskNotice {
		return TaskNotice{TaskID: w.task("contest:2026:report:" + strconv.FormatInt(idea, 10) + ":" + strconv.Itoa(n)), Kind: domain.KindProgressReport,
			Lead: lead, Status: domain.TaskAccepted, At: contestStart.Add(40 * cDay), Values: map[string]any{"progress": "试点进展 " + strconv.Itoa(n), "done": done}}
	}
}

// expectedResults is the combined ranking of contestCandidates scored by
// contestRanking, by domain.Combine.
func expectedResults(rules domain.ContestRules) []domain.Award {
	score := map[int]domain.Ranked{}
	for _, r := range contestRanking() {
		score[r.Entry] = r
	}
	cands := contestCandidates()
	for i := range cands {
		r := score[cands[i].Entry]
		cands[i].ExpertScore, cands[i].Reviewed = r.Score, r.Reviews > 0
	}
	return domain.Combine(cands, rules)
}

func contestResult(t *testing.T, env *testsuite.TestWorkflowEnvironment) ContestResult {
	t.Helper()
	if !env.IsWorkflowCompleted() {
		t.Fatal("the contest did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res ContestResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

// The dates alone carry a contest from setup to review: submissions open
// and close, voting opens (nothing left to screen) and closes, the
// shortlist goes to a child round; its ranking makes the results. The
// office confirms, the departments answer, and the contest closes.
func TestContestDatesDrivePhasesToTheEnd(t *testing.T) {
	env, world := newContestEnv(t)
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	office := Action{Actor: mgmtOffice}

	phaseAt(s, time.Hour, domain.ContestSetup)
	phaseAt(s, cSubmissionOpens-time.Minute, domain.ContestSetup)
	phaseAt(s, cSubmissionOpens+time.Minute, domain.ContestSubmission)
	phaseAt(s, cSubmissionCloses-time.Minute, domain.ContestSubmission)
	phaseAt(s, cSubmissionCloses+time.Minute, domain.ContestScreening)
	queryContest(s, cVoteOpens-time.Minute, func(c domain.Contest) {
		if c.Phase != domain.ContestScreening || len(world.counted) != 0 {
			t.Errorf("before the vote opens: %s, counted %v", c.Phase, world.counted)
		}
	})
	phaseAt(s, cVoteOpens+time.Minute, domain.ContestVoting)
	phaseAt(s, cVoteCloses-time.Minute, domain.ContestVoting)
	queryContest(s, cVoteCloses+time.Minute, func(c domain.Contest) {
		if c.Phase != domain.ContestReview || c.Round != domain.RoundID(domain.ContestProgramme, 2026) || len(c.Shortlist) != 4 || len(world.children) != 1 {
			t.Errorf("after the vote: %s round %q, %d shortlisted, %d children", c.Phase, c.Round, len(c.Shortlist), len(world.children))
		}
	})
	// The office cannot cancel while the experts review.
	contestAt(s, cVoteCloses+time.Hour, func() {})
	s.update("cancel-in-review", UpdateCancelContest, ReasonRequest{Action: office, Reason: "测试"})
	phaseAt(s, cVoteCloses+cReviewTakes-time.Minute, domain.ContestReview)
	queryContest(s, cVoteCloses+cReviewTakes+time.Minute, func(c domain.Contest) {
		want := expectedResults(c.Rules)
		if c.Phase != domain.ContestConfirmation || len(c.Results) != 4 {
			t.Fatalf("after the review: %s, %d results", c.Phase, len(c.Results))
		}
		for i := range want {
			if c.Results[i] != want[i] {
				t.Errorf("result %d: %+v, want %+v", i, c.Results[i], want[i])
			}
		}
		// By hand: 12 has 30·25/40 + 70·90/90 = 88.75; 11 has 30 + 70·70/90 = 84.44.
		if r := c.Results; r[0].Idea != 12 || r[0].Tier != "first" || r[0].Combined != 88.75 || r[1].Idea != 11 || r[1].Tier != "second" ||
			r[1].Combined != 84.44 || r[2].Tier != "" || r[3].Idea != 14 || r[3].Tier != "" {
			t.Errorf("results %+v", r)
		}
		for _, x := range c.Shortlist {
			if x.Reviewed != (x.Entry != 4) {
				t.Errorf("shortlist %+v", x)
			}
		}
	})
	contestAt(s, 24*cDay, func() {})
	s.update("confirm", UpdateConfirmPrizes, ContestConfirmRequest{Action: office, ContestConfirmInput: domain.ContestConfirmInput{
		Routes: map[string]domain.Code{"12": "finance", "11": "education"}, Reason: "经市改革办审定"}})
	s.signal(replyNotice(world, 12, "finance", AnswerFeasible))
	s.signal(replyNotice(world, 11, "education", AnswerInfeasible))
	s.signal(reportNotice(world, 12, "finance", 1, true))

	env.ExecuteWorkflow(Contest, ContestInput{Contest: testContest()})
	res := contestResult(t, env)
	if res.Phase != domain.ContestClosed || res.Awards != 2 {
		t.Fatalf("result %+v", res)
	}
	s.ok("confirm")
	s.refused("cancel-in-review", domain.KindConflict)

	want := []string{"submissions-opened", "submissions-closed", "voting-opened", "voting-closed", "ranked", "confirmed",
		"reply-feasible", "reply-infeasible", "implemented", "closed"}
	if got := world.kinds(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	world.checkChanges(t, 0)
	// Each date-driven step happened at its date, by the system.
	for kind, d := range map[string]time.Duration{"submissions-opened": cSubmissionOpens, "submissions-closed": cSubmissionCloses,
		"voting-opened": cVoteOpens, "voting-closed": cVoteCloses, "ranked": cVoteCloses + cReviewTakes} {
		i := slices.Index(want, kind)
		if ev := world.changes[i].Event; !ev.At.Equal(contestStart.Add(d)) || ev.Actor != SystemActor || world.changes[i].Audit != nil {
			t.Errorf("%s at %v by %s, want at +%v by the system", kind, ev.At, ev.Actor, d)
		}
	}
	if len(world.counted) != 1 || !world.counted[0].Equal(contestStart.Add(cVoteOpens)) {
		t.Errorf("unscreened ideas counted at %v, want once at the vote's opening", world.counted)
	}
	// The review: asked once with the contest in review; the child round
	// started under the round's id with the contest as its parent.
	if len(world.reviews) != 1 || world.reviews[0].Contest.Phase != domain.ContestReview {
		t.Fatalf("reviews asked %+v", world.reviews)
	}
	rid := domain.RoundID(domain.ContestProgramme, 2026)
	if ch := world.children; len(ch) != 1 || ch[0].ID != rid || ch[0].Parent != domain.ContestID(2026) || ch[0].In.Round.ID != rid ||
		ch[0].In.Round.Parent != domain.ContestID(2026) || ch[0].In.Round.Phase != domain.RoundScreening || len(ch[0].In.Round.Entries) != 4 {
		t.Fatalf("child rounds %+v", ch)
	}
	if d := world.changes[3].Event.Detail; asInt(d["shortlist"]) != 4 || d["round"] != rid {
		t.Errorf("voting-closed detail %v", d)
	}
	if n := world.noticeOf("notify.contest_ranked"); len(n) != 1 || n[0].Role != "office" || n[0].Committee != "management" || n[0].Key != "contest:2026:ranked" {
		t.Errorf("ranked notices %+v", n)
	}
	if n := world.noticeOf("notify.contest_announced"); len(n) != 1 || !slices.Equal(n[0].Departments, []domain.Code{"finance", "education"}) ||
		n[0].Link != "/contests/2026/results" {
		t.Errorf("announced notices %+v", n)
	}
	if n := world.noticeOf("notify.contest_unscreened"); len(n) != 0 {
		t.Errorf("unscreened notices with nothing to screen: %+v", n)
	}
	final := world.changes[len(world.changes)-1].Contest
	if final.Phase != domain.ContestClosed || final.ClosedAt.IsZero() || final.ConfirmedBy != "office" || len(final.Adoptions) != 2 {
		t.Fatalf("final %s closed %v by %q, adoptions %+v", final.Phase, final.ClosedAt, final.ConfirmedBy, final.Adoptions)
	}
	if a := final.Adoption(12); a.Status != domain.AdoptionDone || a.Reply != "我局已研究：可行" || len(a.Reports) != 1 || !a.Reports[0].Done {
		t.Errorf("adoption of 12: %+v", a)
	}
	if a := final.Adoption(11); a.Status != domain.AdoptionInfeasible || a.Department != "education" {
		t.Errorf("adoption of 11: %+v", a)
	}
}

// Voting is due but ideas are left to screen: the office is told once, the
// contest stays in screening and looks again every hour, and voting opens
// at the first look that finds none left.
func TestContestWaitsForScreeningWhenVotingIsDue(t *testing.T) {
	env, world := newContestEnv(t)
	world.unscreened = 3
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	office := Action{Actor: mgmtOffice}
	set := func(n int) func() {
		return func() { world.mu.Lock(); world.unscreened = n; world.mu.Unlock() }
	}
	queryContest(s, cVoteOpens+time.Minute, func(c domain.Contest) {
		if c.Phase != domain.ContestScreening || c.Unscreened != 3 {
			t.Errorf("when voting is due: %s with %d unscreened", c.Phase, c.Unscreened)
		}
	})
	// The office screens two more; the next look finds one left.
	contestAt(s, cVoteOpens+90*time.Minute, set(1))
	queryContest(s, cVoteOpens+2*time.Hour+time.Minute, func(c domain.Contest) {
		if c.Phase != domain.ContestScreening || c.Unscreened != 1 {
			t.Errorf("one left: %s with %d unscreened", c.Phase, c.Unscreened)
		}
	})
	// The office cannot open the vote by hand with one left either.
	s.update("open-early", UpdateOpenVoting, NoteRequest{Action: office})
	contestAt(s, cVoteOpens+150*time.Minute, set(0))
	phaseAt(s, cVoteOpens+3*time.Hour-time.Minute, domain.ContestScreening)
	queryContest(s, cVoteOpens+3*time.Hour+time.Minute, func(c domain.Contest) {
		if c.Phase != domain.ContestVoting || c.Unscreened != 0 {
			t.Errorf("all screened: %s with %d unscreened", c.Phase, c.Unscreened)
		}
	})
	contestAt(s, cVoteOpens+4*time.Hour, func() {})
	s.update("cancel-no-reason", UpdateCancelContest, ReasonRequest{Action: office, Reason: "  "})
	s.update("cancel-not-office", UpdateCancelContest, ReasonRequest{Action: Action{Actor: mgmtConvener}, Reason: "停办"})
	s.update("cancel", UpdateCancelContest, ReasonRequest{Action: office, Reason: "本届停办"})

	env.ExecuteWorkflow(Contest, ContestInput{Contest: testContest()})
	res := contestResult(t, env)
	if res.Phase != domain.ContestCancelled || res.Awards != 0 {
		t.Fatalf("result %+v", res)
	}
	s.ok("cancel")
	if e := s.refused("cancel-no-reason", domain.KindInvalid); e == nil || len(e.Fields) != 1 || e.Fields[0].Field != "reason" {
		t.Errorf("cancel without a reason: %+v", e)
	}
	s.refused("cancel-not-office", domain.KindForbidden)
	// Opening by hand is checked in the handler (the count is read there):
	// accepted, then failed.
	if cb := s.results["open-early"]; cb.rejected != nil || domain.AsError(UpdateError(cb.failed)) == nil ||
		domain.AsError(UpdateError(cb.failed)).Key != "error.ideas_unscreened" {
		t.Errorf("open-early: rejected %v, failed %v", cb.rejected, cb.failed)
	}

	n := world.noticeOf("notify.contest_unscreened")
	if len(n) != 1 || n[0].Role != "office" || n[0].Committee != "management" || asInt(n[0].Params["count"]) != 3 || n[0].Key != "contest:2026:unscreened" {
		t.Fatalf("unscreened notices %+v", n)
	}
	// The counts: at the opening (and once more as the loop goes round),
	// then hourly, plus the office's attempt; never in between.
	vo := contestStart.Add(cVoteOpens)
	var looks []time.Time
	byOffice := 0
	for _, c := range world.counted {
		switch {
		case c.Sub(vo)%time.Hour != 0:
			byOffice++
		case !slices.ContainsFunc(looks, c.Equal):
			looks = append(looks, c)
		}
	}
	if byOffice != 1 {
		t.Errorf("counted %v: %d off the hour, want the office's one", world.counted, byOffice)
	}
	if want := []time.Time{vo, vo.Add(time.Hour), vo.Add(2 * time.Hour), vo.Add(3 * time.Hour)}; !slices.EqualFunc(looks, want, time.Time.Equal) {
		t.Errorf("looked at %v, want %v", looks, want)
	}
	want := []string{"submissions-opened", "submissions-closed", "screening-overdue", "voting-opened", "cancelled"}
	if got := world.kinds(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	world.checkChanges(t, 0)
	if ch := world.changes[2]; asInt(ch.Event.Detail["unscreened"]) != 3 || ch.Contest.Unscreened != 3 || !ch.Event.At.Equal(vo) {
		t.Errorf("screening-overdue %+v", ch.Event)
	}
	if ch := world.changes[3]; !ch.Event.At.Equal(vo.Add(3*time.Hour)) || ch.Contest.Unscreened != 0 {
		t.Errorf("voting-opened %+v", ch.Event)
	}
	last := world.changes[4]
	if last.Audit == nil || last.Audit.Action != "contest.cancelled" || last.Event.Actor != "office" || last.Contest.Steps[len(last.Contest.Steps)-1].Note != "本届停办" {
		t.Errorf("cancelled %+v %+v", last.Event, last.Audit)
	}
}

// startedInVoting is the contest already voting, the vote closing a day
// after the start.
func startedInVoting() domain.Contest {
	c := testContest()
	c.Rules.SubmissionOpens, c.Rules.SubmissionCloses = contestStart.Add(-20*cDay), contestStart.Add(-10*cDay)
	c.Rules.VoteOpens, c.Rules.VoteCloses = contestStart.Add(-5*cDay), contestStart.Add(cDay)
	c.StepInto(domain.ContestSubmission, c.Rules.SubmissionOpens, SystemActor, "")
	c.StepInto(domain.ContestScreening, c.Rules.SubmissionCloses, SystemActor, "")
	c.StepInto(domain.ContestVoting, c.Rules.VoteOpens, SystemActor, "")
	c.Version = 3
	return c
}

// A review round that ends without a ranking, cancelled or failed,
// cancels the contest.
func TestContestCancelledWithItsReview(t *testing.T) {
	for name, child := range map[string]func(ctx workflow.Context, in SelectionInput) (SelectionResult, error){
		"round cancelled": func(ctx workflow.Context, _ SelectionInput) (SelectionResult, error) {
			if err := workflow.Sleep(ctx, cDay); err != nil {
				return SelectionResult{}, err
			}
			return SelectionResult{Phase: domain.RoundCancelled}, nil
		},
		"round failed": func(ctx workflow.Context, _ SelectionInput) (SelectionResult, error) {
			if err := workflow.Sleep(ctx, cDay); err != nil {
				return SelectionResult{}, err
			}
			return SelectionResult{}, temporal.NewNonRetryableApplicationError("boom", "test", errors.New("boom"))
		},
	} {
		t.Run(name, func(t *testing.T) {
			env, world := newContestEnv(t)
			world.child = child
			s := &script{t: t, env: env, results: map[string]*updateCallback{}}
			phaseAt(s, cDay+time.Hour, domain.ContestReview)
			s.update("cancel-in-review", UpdateCancelContest, ReasonRequest{Action: Action{Actor: mgmtOffice}, Reason: "专家不足"})
			env.ExecuteWorkflow(Contest, ContestInput{Contest: startedInVoting()})
			res := contestResult(t, env)
			if res.Phase != domain.ContestCancelled || res.Awards != 0 {
				t.Fatalf("result %+v", res)
			}
			s.refused("cancel-in-review", domain.KindConflict)
			want := []string{"voting-closed", "review-cancelled"}
			if got := world.kinds(); !slices.Equal(got, want) {
				t.Fatalf("events %v, want %v", got, want)
			}
			world.checkChanges(t, 3)
			last := world.changes[1]
			if !last.Event.At.Equal(contestStart.Add(2*cDay)) || last.Event.Detail["round"] != domain.RoundID(domain.ContestProgramme, 2026) ||
				last.Contest.Results != nil || last.Contest.ClosedAt.IsZero() {
				t.Errorf("review-cancelled %+v, closed %v", last.Event, last.Contest.ClosedAt)
			}
			if len(world.noticeOf("notify.contest_ranked")) != 0 {
				t.Errorf("ranked notice for a cancelled review")
			}
		})
	}
}

// startedInConfirmation is the contest ranked (by contestRanking), waiting
// for the office's confirmation.
func startedInConfirmation() domain.Contest {
	c := startedInVoting()
	c.StepInto(domain.ContestReview, contestStart.Add(-2*cDay), SystemActor, "")
	c.Round = domain.RoundID(domain.ContestProgramme, 2026)
	c.Shortlist = contestCandidates()
	c.Results = expectedResults(c.Rules)
	c.StepInto(domain.ContestConfirmation, contestStart.Add(-cDay), SystemActor, "")
	c.Version = 5
	return c
}

// The office confirms the prizes, routing each awarded idea and one more
// to a department; the departments' replies and reports close the loop.
func TestContestConfirmAndAdoptions(t *testing.T) {
	env, world := newContestEnv(t)
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	office := Action{Actor: mgmtOffice}
	confirm := func(name string, a Action, routes map[string]domain.Code) {
		s.update(name, UpdateConfirmPrizes, ContestConfirmRequest{Action: a, ContestConfirmInput: domain.ContestConfirmInput{Routes: routes, Reason: "审定"}})
	}
	all := map[string]domain.Code{"12": "finance", "11": "education", "13": "finance"}
	confirm("not-office", Action{Actor: mgmtConvener}, all)
	confirm("liaison", Action{Actor: financeLiaison}, all)
	confirm("award-unrouted", office, map[string]domain.Code{"12": "finance", "13": "finance"})
	confirm("award-blank", office, map[string]domain.Code{"12": "finance", "11": " "})
	confirm("unknown-idea", office, map[string]domain.Code{"12": "finance", "11": "education", "99": "finance"})
	confirm("confirm", office, all)
	confirm("confirm-again", office, all)
	queryContest(s, s.at+time.Second, func(c domain.Contest) {
		if c.Phase != domain.ContestAdoption || len(c.Adoptions) != 3 {
			t.Fatalf("confirmed: %s with %+v", c.Phase, c.Adoptions)
		}
		for _, a := range c.Adoptions {
			if a.Status != domain.AdoptionReplying || a.TaskID == 0 || a.TaskID != world.task("contest:2026:reply:"+strconv.FormatInt(a.Idea, 10)) {
				t.Errorf("adoption %+v", a)
			}
		}
	})
	s.update("cancel-in-adoption", UpdateCancelContest, ReasonRequest{Action: office, Reason: "停办"})
	// 12: feasible, a report not yet done, then done. 11: infeasible.
	// 13: partly feasible, done at its first report. A notice of a task
	// only submitted (not accepted) changes nothing; nor does a notice of a
	// task the contest does not know.
	s.signal(func() TaskNotice {
		n := replyNotice(world, 12, "finance", AnswerFeasible)()
		n.Status = domain.TaskSubmitted
		return n
	})
	s.signal(func() TaskNotice {
		return TaskNotice{TaskID: 9999, Kind: domain.KindFeasibilityReply, Lead: "finance", Status: domain.TaskAccepted, Values: map[string]any{"feasibility": AnswerInfeasible}}
	})
	queryContest(s, s.at+time.Second, func(c domain.Contest) {
		for _, a := range c.Adoptions {
			if a.Status != domain.AdoptionReplying {
				t.Errorf("ignored notices changed %+v", a)
			}
		}
	})
	s.signal(replyNotice(world, 12, "finance", AnswerFeasible))
	queryContest(s, s.at+time.Second, func(c domain.Contest) {
		a := c.Adoption(12)
		if a.Status != domain.AdoptionImplementing || a.Reply != "我局已研究：可行" || a.Plan != "一季度试点" || a.RepliedAt.IsZero() ||
			a.TaskID == 0 || a.TaskID != world.task("contest:2026:report:12:1") {
			t.Errorf("after a feasible reply: %+v", a)
		}
	})
	s.signal(replyNotice(world, 11, "education", AnswerInfeasible))
	s.signal(replyNotice(world, 13, "finance", AnswerPartly))
	s.signal(reportNotice(world, 12, "finance", 1, false))
	queryContest(s, s.at+time.Second, func(c domain.Contest) {
		a := c.Adoption(12)
		if c.Phase != domain.ContestAdoption || a.Status != domain.AdoptionImplementing || len(a.Reports) != 1 || a.Reports[0].Done ||
			a.TaskID != world.task("contest:2026:report:12:2") || a.TaskID == 0 {
			t.Errorf("after a report not done: %s %+v", c.Phase, a)
		}
		if b := c.Adoption(11); b.Status != domain.AdoptionInfeasible || b.TaskID != 0 {
			t.Errorf("after an infeasible reply: %+v", b)
		}
	})
	s.signal(reportNotice(world, 12, "finance", 2, true))
	phaseAt(s, s.at+time.Second, domain.ContestAdoption) // 13 is still implementing
	s.signal(reportNotice(world, 13, "finance", 1, true))

	env.ExecuteWorkflow(Contest, ContestInput{Contest: startedInConfirmation()})
	res := contestResult(t, env)
	if res.Phase != domain.ContestClosed || res.Awards != 2 {
		t.Fatalf("result %+v", res)
	}
	s.ok("confirm")
	s.refused("not-office", domain.KindForbidden)
	s.refused("liaison", domain.KindForbidden)
	for name, field := range map[string]string{"award-unrouted": "routes.11", "award-blank": "routes.11", "unknown-idea": "routes.99"} {
		if e := s.refused(name, domain.KindInvalid); e == nil || !slices.ContainsFunc(e.Fields, func(f domain.FieldError) bool { return f.Field == field }) {
			t.Errorf("%s: fields %+v, want %s", name, e, field)
		}
	}
	s.refused("confirm-again", domain.KindConflict)
	s.refused("cancel-in-adoption", domain.KindConflict)

	// One OpenTasks for the replies, one feasibility reply per routed idea
	// to its department; then one per report.
	if len(world.openCalls) == 0 {
		t.Fatal("no tasks opened")
	}
	first := world.openCalls[0]
	if first.Source.Kind != domain.SourceContest || first.Source.ID != "contest:2026" || first.Source.Committee != "management" || first.Actor != "office" || len(first.Tasks) != 3 {
		t.Fatalf("reply tasks %+v", first)
	}
	leads := map[string]domain.Code{}
	for _, sp := range first.Tasks {
		leads[sp.Key] = sp.Lead
		if sp.Kind != domain.KindFeasibilityReply || sp.DueDays != 15 || len(sp.Form) != 3 || !slices.Equal(sp.Form[0].Options, []string{AnswerFeasible, AnswerPartly, AnswerInfeasible}) {
			t.Errorf("reply task %+v", sp)
		}
	}
	if want := map[string]domain.Code{"contest:2026:reply:11": "education", "contest:2026:reply:12": "finance", "contest:2026:reply:13": "finance"}; len(leads) != 3 ||
		leads["contest:2026:reply:11"] != want["contest:2026:reply:11"] || leads["contest:2026:reply:12"] != want["contest:2026:reply:12"] ||
		leads["contest:2026:reply:13"] != want["contest:2026:reply:13"] {
		t.Errorf("reply tasks to %v", leads)
	}
	var reports []string
	for _, call := range world.openCalls[1:] {
		for _, sp := range call.Tasks {
			if sp.Kind != domain.KindProgressReport || sp.DueDays != 60 {
				t.Errorf("report task %+v", sp)
			}
			reports = append(reports, sp.Key)
		}
	}
	if want := []string{"contest:2026:report:12:1", "contest:2026:report:13:1", "contest:2026:report:12:2"}; !slices.Equal(reports, want) {
		t.Errorf("report tasks %v, want %v", reports, want)
	}

	want := []string{"confirmed", "reply-feasible", "reply-infeasible", "reply-feasible", "implementation-reported", "implemented", "implemented", "closed"}
	if got := world.kinds(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	world.checkChanges(t, 5)
	if ch := world.changes[0]; ch.Audit == nil || ch.Audit.Action != "contest.confirmed" || ch.Event.Actor != "office" || ch.Contest.ConfirmedBy != "office" {
		t.Errorf("confirmed %+v %+v", ch.Event, ch.Audit)
	}
	final := world.changes[len(world.changes)-1].Contest
	if a := final.Adoption(12); a.Status != domain.AdoptionDone || len(a.Reports) != 2 || a.Reports[0].Done || !a.Reports[1].Done || a.TaskID != 0 {
		t.Errorf("12 at the end: %+v", a)
	}
	if a := final.Adoption(13); a.Status != domain.AdoptionDone || a.Reply != "我局已研究：部分可行" || len(a.Reports) != 1 {
		t.Errorf("13 at the end: %+v", a)
	}
	if final.Phase != domain.ContestClosed || final.Steps[len(final.Steps)-1].By != SystemActor {
		t.Errorf("final %s %+v", final.Phase, final.Steps[len(final.Steps)-1])
	}
}

// A confirmation routing nothing beyond the prizes, where every reply is
// infeasible, closes the contest at the last reply.
func TestContestClosesWhenEveryIdeaIsInfeasible(t *testing.T) {
	env, world := newContestEnv(t)
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	s.update("confirm", UpdateConfirmPrizes, ContestConfirmRequest{Action: Action{Actor: mgmtOffice}, ContestConfirmInput: domain.ContestConfirmInput{
		Routes: map[string]domain.Code{"12": "finance", "11": "education"}}})
	s.signal(replyNotice(world, 11, "education", AnswerInfeasible))
	phaseAt(s, s.at+time.Second, domain.ContestAdoption)
	s.signal(replyNotice(world, 12, "finance", AnswerInfeasible))
	env.ExecuteWorkflow(Contest, ContestInput{Contest: startedInConfirmation()})
	res := contestResult(t, env)
	if res.Phase != domain.ContestClosed || res.Awards != 2 {
		t.Fatalf("result %+v", res)
	}
	s.ok("confirm")
	if len(world.openCalls) != 1 {
		t.Errorf("tasks opened %d times, want once (no reports)", len(world.openCalls))
	}
	if got, want := world.kinds(), []string{"confirmed", "reply-infeasible", "reply-infeasible", "closed"}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

// With no eligible idea there is nothing to review: the contest goes
// straight to confirmation, which routes nothing and closes the contest.
func TestContestWithoutEligibleIdeasSkipsTheReview(t *testing.T) {
	env, world := newContestEnv(t)
	world.noIdeas = true
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	queryContest(s, cDay+time.Minute, func(c domain.Contest) {
		if c.Phase != domain.ContestConfirmation || c.Round != "" || len(c.Shortlist) != 0 || len(c.Results) != 0 {
			t.Errorf("after the vote: %s round %q, %d shortlisted", c.Phase, c.Round, len(c.Shortlist))
		}
	})
	s.update("confirm", UpdateConfirmPrizes, ContestConfirmRequest{Action: Action{Actor: mgmtOffice}})
	env.ExecuteWorkflow(Contest, ContestInput{Contest: startedInVoting()})
	res := contestResult(t, env)
	if res.Phase != domain.ContestClosed || res.Awards != 0 {
		t.Fatalf("result %+v", res)
	}
	s.ok("confirm")
	if len(world.children) != 0 || len(world.openCalls) != 0 || len(world.noticeOf("notify.contest_ranked")) != 0 {
		t.Errorf("children %d, tasks opened %d", len(world.children), len(world.openCalls))
	}
	if got, want := world.kinds(), []string{"voting-closed", "confirmed", "closed"}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if d := world.changes[0].Event.Detail; asInt(d["shortlist"]) != 0 {
		t.Errorf("voting-closed detail %v", d)
	}
	world.checkChanges(t, 3)
}

// Screening that ends after the vote's closing date opens a vote that
// closes at once: the public never votes. The office's own open-voting
// keeps the vote open an hour at least; the dates should too.
func TestContestLateScreeningStillGivesAVote(t *testing.T) {
	env, world := newContestEnv(t)
	world.unscreened = 3
	world.child = func(workflow.Context, SelectionInput) (SelectionResult, error) {
		return SelectionResult{Phase: domain.RoundCancelled}, nil
	}
	s := &script{t: t, env: env, results: map[string]*updateCallback{}}
	// The office finishes screening half an hour after the vote was to close.
	contestAt(s, cVoteCloses+30*time.Minute, func() { world.mu.Lock(); world.unscreened = 0; world.mu.Unlock() })
	contestAt(s, cVoteCloses+90*time.Minute, func() {})
	s.update("cancel", UpdateCancelContest, ReasonRequest{Action: Action{Actor: mgmtOffice}, Reason: "测试结束"})
	env.ExecuteWorkflow(Contest, ContestInput{Contest: testContest()})
	var opened, closed time.Time
	for _, ch := range world.changes {
		switch ch.Event.Kind {
		case "voting-opened":
			opened = ch.Event.At
		case "voting-closed":
			closed = ch.Event.At
		}
	}
	if opened.IsZero() || (!closed.IsZero() && closed.Sub(opened) < time.Hour) {
		t.Fatalf("voting opened at %v and closed at %v: no time to vote", opened, closed)
	}
}
