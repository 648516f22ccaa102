package workflows

import (
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/internal/domain"
)

// Update and query names of the Contest workflow.
const (
	UpdateCloseSubmissions = "close-submissions"
	UpdateOpenVoting       = "open-voting"
	UpdateCloseVoting      = "close-voting"
	UpdateConfirmPrizes    = "confirm-prizes"
	UpdateCancelContest    = "cancel-contest"
	QueryContest           = "contest"
	// unscreenedRecheck is how often a contest past its vote opening
	// looks again whether the office has finished screening.
	unscreenedRecheck = time.Hour
)

// Feasibility answers of a department to an idea routed to it.
const (
	AnswerFeasible   = "可行"
	AnswerPartly     = "部分可行"
	AnswerInfeasible = "不可行"
)

// ContestInput starts a contest with its state.
type ContestInput struct {
	Contest domain.Contest
}

// ContestResult is how a contest ended.
type ContestResult struct {
	Phase  domain.ContestPhase
	Awards int
}

// ContestConfirmRequest is the reform office's confirmation of the prizes.
type ContestConfirmRequest struct {
	Action
	domain.ContestConfirmInput
}

type contestState struct {
	c       domain.Contest
	mu      workflow.Mutex
	changes int
	// review is the expert round's result once it has ended.
	review *SelectionResult
}

// Contest runs a year's Lotus City idea contest: submissions open and
// close on their dates, the office screens, the public votes (straight
// into PostgreSQL; the workflow opens and closes the vote), the ideas with
// the most votes go to an expert review round, the combined score ranks
// them into prize tiers, the reform office confirms and routes the awarded
// and adopted ideas to departments, and each department's feasibility
// reply and implementation reports close the loop.
func Contest(ctx workflow.Context, in ContestInput) (ContestResult, error) {
	w := &contestState{c: in.Contest, mu: workflow.NewMutex(ctx)}
	if err := w.register(ctx); err != nil {
		return ContestResult{}, err
	}
	workflow.Go(ctx, func(ctx workflow.Context) { receiveTaskNotices(ctx, w.applyNotice) })
	next := func() time.Time { return w.nextTimer(ctx) }
	if err := runUntilEnded(ctx, w.step, func() bool { return w.c.Phase.Ended() }, next, &w.changes); err != nil {
		return ContestResult{}, err
	}
	return ContestResult{Phase: w.c.Phase, Awards: len(w.c.Awarded())}, nil
}

func (w *contestState) office(u domain.User) bool { return u.HasFor(domain.RoleOffice, w.c.Committee) }

func (w *contestState) register(ctx workflow.Context) error {
	check := func(a Action, apply func(c *domain.Contest) error) error {
		if !w.office(a.Actor) {
			return refuse(domain.Forbidden())
		}
		c := cloneContest(w.c)
		return refuse(apply(&c))
	}
	handlers := []struct {
		name     string
		handler  any
		validate any
	}{
		{UpdateCloseSubmissions, w.closeSubmissions, func(ctx workflow.Context, q NoteRequest) error {
			return check(q.Action, func(c *domain.Contest) error { return c.InPhase(domain.ContestSetup, domain.ContestSubmission) })
		}},
		{UpdateOpenVoting, w.openVoting, func(ctx workflow.Context, q NoteRequest) error {
			return check(q.Action, func(c *domain.Contest) error { return c.InPhase(domain.ContestScreening) })
		}},
		{UpdateCloseVoting, w.closeVoting, func(ctx workflow.Context, q NoteRequest) error {
			return check(q.Action, func(c *domain.Contest) error { return c.InPhase(domain.ContestVoting) })
		}},
		{UpdateConfirmPrizes, w.confirm, func(ctx workflow.Context, q ContestConfirmRequest) error {
			return check(q.Action, func(c *domain.Contest) error { _, err := confirmPrizes(c, q, time.Time{}, ""); return err })
		}},
		{UpdateCancelContest, w.cancel, func(ctx workflow.Context, q ReasonRequest) error {
			return check(q.Action, func(c *domain.Contest) error { return cancelContest(c, q.Reason, time.Time{}, "") })
		}},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler, workflow.UpdateHandlerOptions{Validator: h.validate}); err != nil {
			return err
		}
	}
	return workflow.SetQueryHandler(ctx, QueryContest, func() (domain.Contest, error) { return w.c, nil })
}

// change runs one of the office's changes (see changeUnder).
func (w *contestState) change(ctx workflow.Context, a Action, kind string, detail map[string]any,
	apply func(c *domain.Contest, now time.Time, by string) error, effects func(ctx workflow.Context) error) (domain.Contest, error) {
	return changeUnder(ctx, w.mu, &w.c, cloneContest, a, "contest", kind, detail, apply, effects, w.save)
}

// cloneContest copies the parts of a contest a change may alter in place.
func cloneContest(c domain.Contest) domain.Contest {
	c.Results = append([]domain.Award(nil), c.Results...)
	c.Steps = append([]domain.Step(nil), c.Steps...)
	ads := make([]domain.Adoption, len(c.Adoptions))
	for i, a := range c.Adoptions {
		a.Reports = append([]domain.AdoptionReport(nil), a.Reports...)
		ads[i] = a
	}
	if c.Adoptions != nil {
		c.Adoptions = ads
	}
	return c
}

func (w *contestState) save(ctx workflow.Context, key string, ev domain.CycleEvent, audit *domain.AuditRecord) error {
	w.c.Version++
	w.changes++
	var m *activities.Contests
	lctx := workflow.WithLocalActivityOptions(ctx, localRecordOptions)
	return workflow.ExecuteLocalActivity(lctx, m.RecordContest, domain.ContestChange{Key: key, Contest: w.c, Event: ev, Audit: audit}).Get(lctx, nil)
}

func (w *contestState) system(ctx workflow.Context, kind string, detail map[string]any) error {
	return w.save(ctx, w.c.ID+":"+kind+":"+strconv.Itoa(w.c.Version), domain.CycleEvent{At: workflow.Now(ctx), Actor: SystemActor, Kind: kind, Detail: detail}, nil)
}

func (w *contestState) notify(ctx workflow.Context, n activities.NoticeInput) error {
	var m *activities.Processes
	n.Key = w.c.ID + ":" + n.Key
	if n.Link == "" {
		n.Link = "/contests/" + strconv.Itoa(w.c.Year) + "/manage"
	}
	if n.Params == nil {
		n.Params = map[string]any{}
	}
	n.Params["year"] = w.c.Year
	actx := workflow.WithActivityOptions(ctx, recordOptions)
	return workflow.ExecuteActivity(actx, m.Notify, n).Get(actx, nil)
}

func (w *contestState) tellOffice(ctx workflow.Context, key, message string, params map[string]any) error {
	return w.notify(ctx, activities.NoticeInput{Key: key, Committee: w.c.Committee, Role: "office", Message: message, Params: params})
}

// step carries out what the dates and the state call for by themselves.
func (w *contestState) step(ctx workflow.Context) (bool, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return false, err
	}
	defer w.mu.Unlock()
	now := workflow.Now(ctx)
	c := &w.c
	switch c.Phase {
	case domain.ContestSetup:
		if !now.Before(c.Rules.SubmissionOpens) {
			c.StepInto(domain.ContestSubmission, now, SystemActor, "")
			return true, w.system(ctx, "submissions-opened", nil)
		}
	case domain.ContestSubmission:
		if !now.Before(c.Rules.SubmissionCloses) {
			c.StepInto(domain.ContestScreening, now, SystemActor, "")
			return true, w.system(ctx, "submissions-closed", nil)
		}
	case domain.ContestScreening:
		if now.Before(c.Rules.VoteOpens) {
			break
		}
		n, err := w.unscreened(ctx)
		if err != nil {
			return false, err
		}
		if n == 0 {
			c.Unscreened = 0
			// A vote opening late (screening ran past its date) keeps its
			// length.
			if late := now.Sub(c.Rules.VoteOpens); late > time.Minute {
				c.Rules.VoteOpens, c.Rules.VoteCloses = now, c.Rules.VoteCloses.Add(late)
			}
			c.StepInto(domain.ContestVoting, now, SystemActor, "")
			return true, w.system(ctx, "voting-opened", nil)
		}
		if c.Unscreened == 0 {
			c.Unscreened = n
			if err := w.tellOffice(ctx, "unscreened", "notify.contest_unscreened", map[string]any{"count": n}); err != nil {
				return false, err
			}
			return true, w.system(ctx, "screening-overdue", map[string]any{"unscreened": n})
		}
		c.Unscreened = n
	case domain.ContestVoting:
		if !now.Before(c.Rules.VoteCloses) {
			detail, err := w.startReview(ctx, now, SystemActor, "")
			if err != nil {
				return false, err
			}
			return true, w.system(ctx, "voting-closed", detail)
		}
	case domain.ContestReview:
		if w.review == nil {
			break
		}
		if w.review.Phase != domain.RoundReviewed {
			c.StepInto(domain.ContestCancelled, now, SystemActor, "专家评审已取消 The expert review was cancelled")
			return true, w.system(ctx, "review-cancelled", map[string]any{"round": c.Round})
		}
		w.rank(now)
		if err := w.tellOffice(ctx, "ranked", "notify.contest_ranked", nil); err != nil {
			return false, err
		}
		return true, w.system(ctx, "ranked", map[string]any{"awarded": len(c.Awarded())})
	case domain.ContestAdoption:
		for _, a := range c.Adoptions {
			if !a.Ended() {
				return false, nil
			}
		}
		c.StepInto(domain.ContestClosed, now, SystemActor, "")
		return true, w.system(ctx, "closed", nil)
	}
	return false, nil
}

func (w *contestState) nextTimer(ctx workflow.Context) time.Time {
	r := w.c.Rules
	switch w.c.Phase {
	case domain.ContestSetup:
		return r.SubmissionOpens
	case domain.ContestSubmission:
		return r.SubmissionCloses
	case domain.ContestScreening:
		if w.c.Unscreened > 0 {
			return workflow.Now(ctx).Add(unscreenedRecheck)
		}
		return r.VoteOpens
	case domain.ContestVoting:
		return r.VoteCloses
	}
	return time.Time{}
}

func (w *contestState) unscreened(ctx workflow.Context) (int, error) {
	var m *activities.Contests
	var n int
	actx := workflow.WithActivityOptions(ctx, recordOptions)
	err := workflow.ExecuteActivity(actx, m.UnscreenedIdeas, w.c.Year).Get(actx, &n)
	return n, err
}

// startReview closes the vote and starts the expert review of the
// shortlist as a child round (with no eligible idea, there is nothing to
// review and the contest goes straight to confirmation).
func (w *contestState) startReview(ctx workflow.Context, now time.Time, by, note string) (map[string]any, error) {
	c := &w.c
	c.StepInto(domain.ContestReview, now, by, note)
	var m *activities.Contests
	var out activities.ContestReviewOutput
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 5 * time.Minute, RetryPolicy: recordOptions.RetryPolicy})
	if err := workflow.ExecuteActivity(actx, m.ContestReview, activities.ContestReviewInput{Contest: *c}).Get(actx, &out); err != nil {
		return nil, err
	}
	c.Shortlist = out.Candidates
	if len(out.Candidates) == 0 {
		c.StepInto(domain.ContestConfirmation, now, SystemActor, "没有合格创意 No eligible ideas")
		return map[string]any{"shortlist": 0, "note": note}, nil
	}
	if err := startReview(ctx, out.Round, w.reviewed); err != nil {
		return nil, err
	}
	c.Round = out.Round.ID
	return map[string]any{"shortlist": len(out.Candidates), "round": c.Round, "note": note}, nil
}

// reviewed takes the review round's result when it ends.
func (w *contestState) reviewed(res SelectionResult) {
	w.review = &res
	w.changes++
}

// rank combines the votes with the experts' scores and hands out the
// prize tiers; the reform office confirms next.
func (w *contestState) rank(now time.Time) {
	c := &w.c
	scores := map[int]domain.Ranked{}
	for _, r := range w.review.Ranking {
		scores[r.Entry] = r
	}
	cands := make([]domain.Candidate, len(c.Shortlist))
	for i, x := range c.Shortlist {
		r := scores[x.Entry]
		x.ExpertScore, x.Reviewed = r.Score, r.Reviews > 0
		cands[i] = x
	}
	c.Shortlist = cands
	c.Results = domain.Combine(cands, c.Rules)
	c.StepInto(domain.ContestConfirmation, now, SystemActor, "")
}

func (w *contestState) closeSubmissions(ctx workflow.Context, q NoteRequest) (domain.Contest, error) {
	return w.change(ctx, q.Action, "submissions-closed", map[string]any{"note": q.Note},
		func(c *domain.Contest, now time.Time, by string) error {
			if err := c.InPhase(domain.ContestSetup, domain.ContestSubmission); err != nil {
				return err
			}
			c.Rules.SubmissionCloses = now
			c.Rules.VoteOpens = later(c.Rules.VoteOpens, now)
			c.Rules.VoteCloses = later(c.Rules.VoteCloses, c.Rules.VoteOpens.Add(time.Hour))
			c.StepInto(domain.ContestScreening, now, by, q.Note)
			return nil
		}, nil)
}

func later(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// openVoting opens the vote before its date, once every idea is screened.
func (w *contestState) openVoting(ctx workflow.Context, q NoteRequest) (domain.Contest, error) {
	n, err := w.unscreened(ctx)
	if err != nil {
		return w.c, err
	}
	return w.change(ctx, q.Action, "voting-opened", map[string]any{"note": q.Note},
		func(c *domain.Contest, now time.Time, by string) error {
			if err := c.InPhase(domain.ContestScreening); err != nil {
				return err
			}
			if n > 0 {
				return domain.Conflict("error.ideas_unscreened", map[string]any{"count": n})
			}
			c.Unscreened = 0
			c.Rules.VoteOpens = now
			c.Rules.VoteCloses = later(c.Rules.VoteCloses, now.Add(time.Hour))
			c.StepInto(domain.ContestVoting, now, by, q.Note)
			return nil
		}, nil)
}

// closeVoting closes the vote before its date and starts the review.
func (w *contestState) closeVoting(ctx workflow.Context, q NoteRequest) (domain.Contest, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.c, err
	}
	defer w.mu.Unlock()
	if err := w.c.InPhase(domain.ContestVoting); err != nil {
		return w.c, refuse(err)
	}
	now, by := workflow.Now(ctx), actorOf(q.Action)
	w.c.Rules.VoteCloses = now
	detail, err := w.startReview(ctx, now, by, q.Note)
	if err != nil {
		return w.c, err
	}
	audit := &domain.AuditRecord{Actor: by, Action: "contest.voting-closed", Result: domain.AuditOK}
	return w.c, w.save(ctx, updateKey(ctx), domain.CycleEvent{At: now, Actor: by, Kind: "voting-closed", Detail: detail}, audit)
}

// confirmPrizes applies the reform office's confirmation: the tiers stand,
// and each routed idea (every awarded one, and any other adopted) goes to
// its department.
func confirmPrizes(c *domain.Contest, q ContestConfirmRequest, now time.Time, by string) (map[int64]domain.Code, error) {
	if err := c.InPhase(domain.ContestConfirmation); err != nil {
		return nil, err
	}
	routes, err := c.Routed(q.ContestConfirmInput, func(d domain.Code) bool { return strings.TrimSpace(d) != "" })
	if err != nil {
		return nil, err
	}
	c.ConfirmedBy = by
	c.Adoptions = nil
	for _, a := range c.Results {
		if d, ok := routes[a.Idea]; ok {
			c.Adoptions = append(c.Adoptions, domain.Adoption{Idea: a.Idea, Title: a.Title, Department: d, Status: domain.AdoptionReplying})
		}
	}
	c.StepInto(domain.ContestAdoption, now, by, q.Reason)
	return routes, nil
}

func (w *contestState) confirm(ctx workflow.Context, q ContestConfirmRequest) (domain.Contest, error) {
	return w.change(ctx, q.Action, "confirmed", map[string]any{"routes": q.Routes, "reason": q.Reason},
		func(c *domain.Contest, now time.Time, by string) error {
			_, err := confirmPrizes(c, q, now, by)
			return err
		},
		func(ctx workflow.Context) error {
			var specs []activities.TaskSpec
			for _, a := range w.c.Adoptions {
				specs = append(specs, w.replyTask(a))
			}
			if err := w.openTasks(ctx, specs); err != nil {
				return err
			}
			return w.notify(ctx, activities.NoticeInput{Key: "announced", Departments: w.c.Rules.CoOrganisers, Message: "notify.contest_announced",
				Link: "/contests/" + strconv.Itoa(w.c.Year) + "/results"})
		})
}

func cancelContest(c *domain.Contest, reason string, now time.Time, by string) error {
	if err := c.InPhase(domain.ContestSetup, domain.ContestSubmission, domain.ContestScreening, domain.ContestVoting, domain.ContestConfirmation); err != nil {
		return err
	}
	var v domain.Validation
	v.Check(strings.TrimSpace(reason) != "", "reason", "validation.required", nil)
	if err := v.Err(); err != nil {
		return err
	}
	c.StepInto(domain.ContestCancelled, now, by, reason)
	return nil
}

func (w *contestState) cancel(ctx workflow.Context, q ReasonRequest) (domain.Contest, error) {
	return w.change(ctx, q.Action, "cancelled", map[string]any{"reason": q.Reason},
		func(c *domain.Contest, now time.Time, by string) error { return cancelContest(c, q.Reason, now, by) }, nil)
}

func (w *contestState) ideaLink(idea int64) string {
	return "/contests/" + strconv.Itoa(w.c.Year) + "/ideas/" + strconv.FormatInt(idea, 10)
}

// replyTask is the department's feasibility reply to an idea routed to it.
func (w *contestState) replyTask(a domain.Adoption) activities.TaskSpec {
	return activities.TaskSpec{Key: w.c.ID + ":reply:" + strconv.FormatInt(a.Idea, 10), Kind: domain.KindFeasibilityReply, Lead: a.Department,
		Title: "“莲城创意” " + strconv.Itoa(w.c.Year) + " · 创意答复 Reply on an idea: " + a.Title,
		Body: "请研究这条获奖或采纳的创意，答复是否可行以及如何落实；答复经市改革办确认后向社会公开。\n" +
			"Study this awarded or adopted idea and reply whether it is feasible and how it will be carried out; the reply is published once the office accepts it.\n" +
			w.ideaLink(a.Idea),
		Form: []domain.FormField{
			{Name: "feasibility", Label: "可行性 Feasibility", Type: domain.FieldSelect, Required: true, Options: []string{AnswerFeasible, AnswerPartly, AnswerInfeasible}},
			{Name: "reply", Label: "答复意见 Reply", Type: domain.FieldTextarea, Required: true},
			{Name: "plan", Label: "落实计划 Plan", Type: domain.FieldTextarea},
		},
		DueDays: w.c.Rules.ReplyDays}
}

// reportTask is the next implementation report on an adopted idea.
func (w *contestState) reportTask(a domain.Adoption) activities.TaskSpec {
	return activities.TaskSpec{Key: w.c.ID + ":report:" + strconv.FormatInt(a.Idea, 10) + ":" + strconv.Itoa(len(a.Reports)+1),
		Kind: domain.KindProgressReport, Lead: a.Department,
		Title: "“莲城创意” " + strconv.Itoa(w.c.Year) + " · 落实情况 Implementation report: " + a.Title,
		Body:  "请报告这条创意的落实进展；全部落实后勾选“已落实”。\nReport how the idea is being carried out; tick “done” once it is.\n" + w.ideaLink(a.Idea),
		Form: []domain.FormField{
			{Name: "progress", Label: "落实进展 Progress", Type: domain.FieldTextarea, Required: true},
			{Name: "done", Label: "已落实 Done", Type: domain.FieldBoolean},
		},
		DueDays: w.c.Rules.ReportDays}
}

// openTasks opens the contest's tasks and keeps their ids on the
// adoptions.
func (w *contestState) openTasks(ctx workflow.Context, specs []activities.TaskSpec) error {
	src := domain.TaskSource{Kind: domain.SourceContest, ID: w.c.ID, Committee: w.c.Committee}
	opened, err := openProcessTasks(ctx, src, w.c.StartedBy, specs)
	if err != nil {
		return err
	}
	for _, o := range opened {
		parts := strings.Split(o.Key, ":")
		if len(parts) < 4 {
			continue
		}
		id, _ := strconv.ParseInt(parts[3], 10, 64)
		if a := w.c.Adoption(id); a != nil {
			a.TaskID = o.ID
		}
	}
	return nil
}

// applyNotice applies what the adoption tasks report: a reply accepted by
// the office, an implementation report filed.
func (w *contestState) applyNotice(ctx workflow.Context, n TaskNotice) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	a := w.c.AdoptionByTask(n.TaskID)
	if a == nil || n.Status != domain.TaskAccepted {
		return nil
	}
	text := func(k string) string { s, _ := n.Values[k].(string); return s }
	kind := ""
	switch n.Kind {
	case domain.KindFeasibilityReply:
		a.Reply, a.Plan, a.RepliedAt, a.TaskID = text("reply"), text("plan"), n.At, 0
		if text("feasibility") == AnswerInfeasible {
			a.Status, kind = domain.AdoptionInfeasible, "reply-infeasible"
		} else {
			a.Status, kind = domain.AdoptionImplementing, "reply-feasible"
		}
	case domain.KindProgressReport:
		done, _ := n.Values["done"].(bool)
		a.Reports = append(a.Reports, domain.AdoptionReport{At: n.At, Body: text("progress"), Done: done})
		a.TaskID, kind = 0, "implementation-reported"
		if done {
			a.Status, kind = domain.AdoptionDone, "implemented"
		}
	default:
		return nil
	}
	if a.Status == domain.AdoptionImplementing {
		if err := w.openTasks(ctx, []activities.TaskSpec{w.reportTask(*a)}); err != nil {
			return err
		}
	}
	return w.save(ctx, w.c.ID+":task:"+strconv.FormatInt(n.TaskID, 10)+":"+kind, domain.CycleEvent{At: workflow.Now(ctx), Actor: SystemActor, Kind: kind,
		Detail: map[string]any{"idea": a.Idea, "department": a.Department, "task_id": n.TaskID}}, nil)
}
