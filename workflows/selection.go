package workflows

import (
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/internal/domain"
	"lianxi/internal/selection"
)

// Update and query names of the Selection workflow.
const (
	UpdateNominate          = "nominate"
	UpdateCloseNominations  = "close-nominations"
	UpdateScreen            = "screen"
	UpdateRevise            = "revise"
	UpdateCloseScreening    = "close-screening"
	UpdateScore             = "score"
	UpdateDeclareConflict   = "declare-conflict"
	UpdateReassign          = "reassign"
	UpdateCloseScoring      = "close-scoring"
	UpdateConfirm           = "confirm"
	UpdateObject            = "object"
	UpdateRule              = "rule"
	UpdateAnnounce          = "announce"
	UpdateCancelRound       = "cancel-round"
	QueryRound              = "round"
	PublicActor             = "public"
	defaultRoundHistoryCap  = 5000
	roundNoticeTimerMinimum = time.Second
)

// SelectionInput starts (or continues) a round with its state.
type SelectionInput struct {
	Round domain.Round
	// HistoryLimit overrides the default history length past which the
	// round continues as new.
	HistoryLimit int
}

// SelectionResult is how a round ended: its phase and the entries
// announced.
type SelectionResult struct {
	Phase   domain.RoundPhase
	Results []int
	// Ranking is the experts' ranking, for the parent of a review-only
	// round.
	Ranking []domain.Ranked
}

// Requests of the round's updates; each carries the Action (who acts),
// overwritten by the HTTP layer with the signed-in user.
type (
	// NominateRequest submits a nomination (a department's, the office's on
	// behalf of a unit, or the public's).
	NominateRequest struct {
		Action
		domain.NewEntry
	}
	// ScreenRequest is the office's eligibility decision on an entry.
	ScreenRequest struct {
		Action
		domain.ScreenInput
	}
	// ReviseRequest resubmits a returned entry.
	ReviseRequest struct {
		Action
		Entry int `json:"entry"`
		domain.NewEntry
	}
	// ScoreRequest is an expert's scores for one review.
	ScoreRequest struct {
		Action
		Review int `json:"review"`
		domain.ScoreInput
	}
	// ConflictRequest is an expert's declared conflict with a review's entry.
	ConflictRequest struct {
		Action
		Review int    `json:"review"`
		Reason string `json:"reason"`
	}
	// ReassignRequest hands a review to another expert: a named one (the
	// office's override, with its reason) or, with Expert empty, the next
	// eligible one (a late reviewer replaced).
	ReassignRequest struct {
		Action
		Review int    `json:"review"`
		Expert string `json:"expert"`
		Reason string `json:"reason"`
	}
	// ConfirmRequest is the convener's confirmation of the list.
	ConfirmRequest struct {
		Action
		domain.ConfirmInput
	}
	// ObjectRequest lodges a public objection.
	ObjectRequest struct {
		Action
		domain.NewObjection
	}
	// RuleRequest is the office's ruling on an objection.
	RuleRequest struct {
		Action
		domain.RulingInput
	}
	// AnnounceRequest publishes the results with the publicity list.
	AnnounceRequest struct {
		Action
		domain.AnnounceInput
	}
)

// roundState is the Selection workflow's state; changes are serialised by
// the mutex and each is recorded before the next.
type roundState struct {
	r       domain.Round
	mu      workflow.Mutex
	changes int
	seed    int64
}

// Selection runs one round of a selection programme: the call for
// nominations (tasks to the eligible departments, a public call), the
// office's screening with returns for revision, the draw of reviewers with
// recusal and balanced load, independent scoring, the ranking by the
// programme's rule, the convener's confirmation, the public notice with
// objections, and the announcement.
func Selection(ctx workflow.Context, in SelectionInput) (SelectionResult, error) {
	w := &roundState{r: in.Round, mu: workflow.NewMutex(ctx)}
	h := fnv.New64a()
	h.Write([]byte(in.Round.ID))
	w.seed = int64(h.Sum64() >> 1)
	limit := in.HistoryLimit
	if limit <= 0 {
		limit = defaultRoundHistoryCap
	}
	if err := w.register(ctx); err != nil {
		return SelectionResult{}, err
	}
	// The call tasks tell the round of their changes; the round follows
	// nominations through its own updates, so the notices are only drained.
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, SignalTaskChanged)
		for {
			ch.Receive(ctx, nil)
		}
	})
	for {
		progressed, err := w.step(ctx)
		if err != nil {
			return SelectionResult{}, err
		}
		if progressed {
			continue
		}
		if w.r.Phase.Ended() {
			break
		}
		info := workflow.GetInfo(ctx)
		if info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > limit {
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return SelectionResult{}, err
			}
			return SelectionResult{}, workflow.NewContinueAsNewError(ctx, Selection, SelectionInput{Round: w.r, HistoryLimit: in.HistoryLimit})
		}
		seen := w.changes
		woken := func() bool { return w.changes != seen || workflow.GetInfo(ctx).GetContinueAsNewSuggested() }
		if at := w.nextTimer(); at.IsZero() {
			err = workflow.Await(ctx, woken)
		} else {
			_, err = workflow.AwaitWithTimeout(ctx, max(at.Sub(workflow.Now(ctx)), roundNoticeTimerMinimum), woken)
		}
		if err != nil {
			return SelectionResult{}, err
		}
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return SelectionResult{}, err
	}
	return SelectionResult{Phase: w.r.Phase, Results: w.r.Confirmed, Ranking: w.r.Ranking}, nil
}

func (w *roundState) office(u domain.User) bool {
	return u.HasFor(domain.RoleOffice, w.r.Programme.Committee)
}
func (w *roundState) convener(u domain.User) bool {
	return u.HasFor(domain.RoleConvener, w.r.Programme.Committee)
}
func (w *roundState) anyone(domain.User) bool { return true }

// nominator may nominate: the office (for any unit), a department that is
// called (for itself), or the public when the programme takes public
// nominations.
func (w *roundState) nominator(a Action, in domain.NewEntry) bool {
	if w.office(a.Actor) {
		return true
	}
	if a.Actor.Username == PublicActor {
		return slices.Contains(w.r.Programme.Nominators, domain.NominatorPublic) && in.Department == ""
	}
	for _, c := range w.r.Calls {
		if c.Department == in.Department && domain.CanHandle(a.Actor, c.Department) {
			return true
		}
	}
	return false
}

func (w *roundState) expertOf(review int) func(domain.User) bool {
	return func(u domain.User) bool {
		v := w.r.Review(review)
		return v != nil && v.Expert == u.Username && u.Has(domain.RoleExpert)
	}
}

func (w *roundState) register(ctx workflow.Context) error {
	check := func(a Action, allowed func(domain.User) bool, apply func(*domain.Round, time.Time) error) error {
		if !allowed(a.Actor) {
			return refuse(domain.Forbidden())
		}
		r := w.r.Clone()
		return refuse(apply(&r, workflow.Now(ctx)))
	}
	handlers := []struct {
		name     string
		handler  any
		validate any
	}{
		{UpdateNominate, w.nominate, func(ctx workflow.Context, q NominateRequest) error {
			allowed := func(domain.User) bool { return w.nominator(q.Action, q.NewEntry) }
			return check(q.Action, allowed, func(r *domain.Round, now time.Time) error { _, err := r.Nominate(q.NewEntry, "", now); return err })
		}},
		{UpdateCloseNominations, w.closeNominations, func(ctx workflow.Context, q NoteRequest) error {
			return check(q.Action, w.office, func(r *domain.Round, _ time.Time) error { return r.InPhase(domain.RoundNomination) })
		}},
		{UpdateScreen, w.screen, func(ctx workflow.Context, q ScreenRequest) error {
			return check(q.Action, w.office, func(r *domain.Round, now time.Time) error { return r.Screen(q.ScreenInput, now) })
		}},
		{UpdateRevise, w.revise, func(ctx workflow.Context, q ReviseRequest) error {
			allowed := func(u domain.User) bool {
				e := w.r.Entry(q.Entry)
				return e != nil && (w.office(u) || (e.Department != "" && domain.CanHandle(u, e.Department)))
			}
			return check(q.Action, allowed, func(r *domain.Round, now time.Time) error { return r.Revise(q.Entry, q.NewEntry, now) })
		}},
		{UpdateCloseScreening, w.closeScreening, func(ctx workflow.Context, q NoteRequest) error {
			return check(q.Action, w.office, func(r *domain.Round, now time.Time) error { return closeScreeningCheck(r, now) })
		}},
		{UpdateScore, w.score, func(ctx workflow.Context, q ScoreRequest) error {
			return check(q.Action, w.expertOf(q.Review), func(r *domain.Round, now time.Time) error { return scoreReview(r, q, now) })
		}},
		{UpdateDeclareConflict, w.declareConflict, func(ctx workflow.Context, q ConflictRequest) error {
			return check(q.Action, w.expertOf(q.Review), func(r *domain.Round, _ time.Time) error { return w.conflict(r, q) })
		}},
		{UpdateReassign, w.reassign, func(ctx workflow.Context, q ReassignRequest) error {
			return check(q.Action, w.office, func(r *domain.Round, _ time.Time) error { return w.reassignReview(r, q) })
		}},
		{UpdateCloseScoring, w.closeScoring, func(ctx workflow.Context, q NoteRequest) error {
			return check(q.Action, w.office, func(r *domain.Round, now time.Time) error { return w.rank(r, now, "") })
		}},
		{UpdateConfirm, w.confirm, func(ctx workflow.Context, q ConfirmRequest) error {
			return check(q.Action, w.convener, func(r *domain.Round, _ time.Time) error { return r.Confirm(q.ConfirmInput, "") })
		}},
		{UpdateObject, w.object, func(ctx workflow.Context, q ObjectRequest) error {
			return check(q.Action, w.anyone, func(r *domain.Round, now time.Time) error { _, err := r.Object(q.NewObjection, now); return err })
		}},
		{UpdateRule, w.rule, func(ctx workflow.Context, q RuleRequest) error {
			return check(q.Action, w.office, func(r *domain.Round, _ time.Time) error { return applyRuling(r, q.RulingInput, "") })
		}},
		{UpdateAnnounce, w.announce, func(ctx workflow.Context, q AnnounceRequest) error {
			return check(q.Action, w.office, func(r *domain.Round, now time.Time) error { return r.Announce(q.AnnounceInput, now, "") })
		}},
		{UpdateCancelRound, w.cancelRound, func(ctx workflow.Context, q ReasonRequest) error {
			return check(q.Action, w.office, func(r *domain.Round, now time.Time) error { return cancelRound(r, q.Reason, now, "") })
		}},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler, workflow.UpdateHandlerOptions{Validator: h.validate}); err != nil {
			return err
		}
	}
	return workflow.SetQueryHandler(ctx, QueryRound, func() (domain.Round, error) { return w.r, nil })
}

// change runs one change under the mutex: apply it again (another change
// may have come first), carry out its effects, then record the new state
// with its event and audit record.
func (w *roundState) change(ctx workflow.Context, a Action, kind string, detail map[string]any,
	apply func(r *domain.Round, now time.Time, by string) error, effects func(ctx workflow.Context) error) (domain.Round, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.r, err
	}
	defer w.mu.Unlock()
	now, by := workflow.Now(ctx), actorOf(a)
	next := w.r.Clone()
	if err := apply(&next, now, by); err != nil {
		return w.r, refuse(err)
	}
	w.r = next
	if effects != nil {
		if err := effects(ctx); err != nil {
			return w.r, err
		}
	}
	audit := &domain.AuditRecord{Actor: by, Action: "selection." + kind, Result: domain.AuditOK}
	if a.Deputy != "" {
		audit.Detail = map[string]string{"on_behalf_of": a.Actor.Username}
	}
	return w.r, w.save(ctx, updateKey(ctx), domain.CycleEvent{At: now, Actor: by, Kind: kind, Detail: detail}, audit)
}

func (w *roundState) save(ctx workflow.Context, key string, ev domain.CycleEvent, audit *domain.AuditRecord) error {
	w.r.Version++
	w.changes++
	var m *activities.Processes
	lctx := workflow.WithLocalActivityOptions(ctx, localRecordOptions)
	return workflow.ExecuteLocalActivity(lctx, m.RecordRound, domain.RoundChange{Key: key, Round: w.r, Event: ev, Audit: audit}).Get(lctx, nil)
}

func (w *roundState) deadline(ctx workflow.Context, days int) (time.Time, error) {
	var m *activities.Processes
	var due time.Time
	actx := workflow.WithActivityOptions(ctx, recordOptions)
	err := workflow.ExecuteActivity(actx, m.Deadline, activities.DeadlineInput{Days: days}).Get(actx, &due)
	return due, err
}

func (w *roundState) notify(ctx workflow.Context, n activities.NoticeInput) error {
	var m *activities.Processes
	n.Key = w.r.ID + ":" + n.Key
	if n.Link == "" {
		n.Link = "/rounds/" + w.r.ID
	}
	actx := workflow.WithActivityOptions(ctx, recordOptions)
	return workflow.ExecuteActivity(actx, m.Notify, n).Get(actx, nil)
}

// step carries out what the state calls for by itself: open the calls for
// nominations, close the call at its deadline, rank when every review is
// in, announce-ready when the notice has run out with every objection ruled.
func (w *roundState) step(ctx workflow.Context) (bool, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return false, err
	}
	defer w.mu.Unlock()
	now := workflow.Now(ctx)
	r := &w.r
	switch r.Phase {
	case domain.RoundNomination:
		var specs []activities.TaskSpec
		for _, c := range r.Calls {
			if c.TaskID == 0 {
				specs = append(specs, activities.TaskSpec{Key: r.ID + ":call:" + c.Department, Kind: domain.KindNomination, Lead: c.Department,
					Title: r.Programme.NameZH + " " + strconv.Itoa(r.Year) + " · 推荐申报 Nominations",
					Body:  "请通过评选页面推荐申报对象，完成后提交本任务。\nNominate through the round's page, then submit this task.",
					Form:  []domain.FormField{{Name: "note", Label: "说明 Note", Type: domain.FieldTextarea}}, DueAt: r.NominationDue})
			}
		}
		if len(specs) > 0 {
			var m *activities.Processes
			var opened []activities.OpenedTask
			actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 5 * time.Minute, RetryPolicy: recordOptions.RetryPolicy})
			src := domain.TaskSource{Kind: domain.SourceSelection, ID: r.ID, Committee: r.Programme.Committee}
			if err := workflow.ExecuteActivity(actx, m.OpenTasks, activities.OpenTasksInput{Source: src, Actor: r.StartedBy, Tasks: specs}).Get(actx, &opened); err != nil {
				return false, err
			}
			for _, o := range opened {
				for i := range r.Calls {
					if o.Key == r.ID+":call:"+r.Calls[i].Department {
						r.Calls[i].TaskID = o.ID
					}
				}
			}
			return true, w.save(ctx, r.ID+":calls-opened", domain.CycleEvent{At: now, Actor: SystemActor, Kind: "calls-opened",
				Detail: map[string]any{"tasks": len(opened)}}, nil)
		}
		if !now.Before(r.NominationDue) {
			commandTasks(ctx, w.callTasks(), closedCall)
			r.StepInto(domain.RoundScreening, now, SystemActor, "")
			return true, w.save(ctx, r.ID+":nominations-closed", domain.CycleEvent{At: now, Actor: SystemActor, Kind: "nominations-closed",
				Detail: map[string]any{"entries": len(r.Entries)}}, nil)
		}
	case domain.RoundScreening:
		if r.Parent == "" || len(r.Reviews) > 0 || r.DrawFailed != "" {
			break
		}
		pool, due, err := w.reviewers(ctx)
		if err != nil {
			return false, err
		}
		if err := w.draw(r, pool, due, now, SystemActor, ""); err != nil {
			de := domain.AsError(err)
			if de == nil {
				return false, err // not the round's own refusal: retried by Temporal
			}
			r.DrawFailed = de.Key
			if err := w.notify(ctx, activities.NoticeInput{Key: "draw-failed", Committee: r.Programme.Committee, Role: "office",
				Message: "notify.draw_failed", Params: map[string]any{"programme": r.Programme.NameZH, "year": r.Year}}); err != nil {
				return false, err
			}
			return true, w.save(ctx, r.ID+":draw-failed", domain.CycleEvent{At: now, Actor: SystemActor, Kind: "draw-failed",
				Detail: map[string]any{"error": r.DrawFailed}}, nil)
		}
		if err := w.tellExperts(ctx); err != nil {
			return false, err
		}
		return true, w.save(ctx, r.ID+":reviewers-drawn", domain.CycleEvent{At: now, Actor: SystemActor, Kind: "reviewers-drawn",
			Detail: map[string]any{"experts": len(pool)}}, nil)
	case domain.RoundReview:
		if !r.ScoringDone() && !r.ScoringOverdue && !now.Before(r.ScoringDue) {
			r.ScoringOverdue = true
			_, late := r.Waiting()
			params := map[string]any{"programme": r.Programme.NameZH, "year": r.Year, "count": len(late)}
			if err := w.notify(ctx, activities.NoticeInput{Key: "scoring-overdue:experts", Users: late, Message: "notify.review_overdue",
				Params: params, Link: "/reviews"}); err != nil {
				return false, err
			}
			if err := w.notify(ctx, activities.NoticeInput{Key: "scoring-overdue:office", Committee: r.Programme.Committee, Role: "office",
				Message: "notify.scoring_overdue", Params: params}); err != nil {
				return false, err
			}
			return true, w.save(ctx, r.ID+":scoring-overdue", domain.CycleEvent{At: now, Actor: SystemActor, Kind: "scoring-overdue",
				Detail: map[string]any{"late": late}}, nil)
		}
		if r.ScoringDone() {
			if err := w.rank(r, now, SystemActor); err != nil {
				return false, err
			}
			return true, w.save(ctx, r.ID+":ranked", domain.CycleEvent{At: now, Actor: SystemActor, Kind: "ranked",
				Detail: map[string]any{"proposed": r.Proposed}}, nil)
		}
	case domain.RoundNotice:
		if !now.Before(r.NoticeEnds) && r.PendingObjections() == 0 {
			r.StepInto(domain.RoundAnnouncing, now, SystemActor, "")
			return true, w.save(ctx, r.ID+":notice-ended", domain.CycleEvent{At: now, Actor: SystemActor, Kind: "notice-ended"}, nil)
		}
	}
	return false, nil
}

func (w *roundState) nextTimer() time.Time {
	switch w.r.Phase {
	case domain.RoundNomination:
		return w.r.NominationDue
	case domain.RoundNotice:
		return w.r.NoticeEnds
	case domain.RoundReview:
		if !w.r.ScoringOverdue {
			return w.r.ScoringDue
		}
	}
	return time.Time{}
}

// callTasks are the departments' call-for-nominations tasks: withdrawn
// (those still open) when the call closes.
func (w *roundState) callTasks() []int64 {
	var ids []int64
	for _, c := range w.r.Calls {
		ids = append(ids, c.TaskID)
	}
	return ids
}

var closedCall = ProcessCommand{Withdraw: true, Reason: "推荐申报已截止 The call for nominations has closed"}

// commandTasks sends a process command to each task; a task that has
// ended or been submitted ignores it.
func commandTasks(ctx workflow.Context, ids []int64, cmd ProcessCommand) {
	futures := make([]workflow.Future, 0, len(ids))
	for _, id := range ids {
		if id != 0 {
			futures = append(futures, workflow.SignalExternalWorkflow(ctx, TaskID(id), "", SignalProcessCommand, cmd))
		}
	}
	for _, f := range futures {
		_ = f.Get(ctx, nil)
	}
}

func (w *roundState) nominate(ctx workflow.Context, q NominateRequest) (domain.Round, error) {
	return w.change(ctx, q.Action, "nominated", map[string]any{"title": q.Title, "unit": q.Unit},
		func(r *domain.Round, now time.Time, by string) error {
			_, err := r.Nominate(q.NewEntry, by, now)
			return err
		}, nil)
}

func (w *roundState) closeNominations(ctx workflow.Context, q NoteRequest) (domain.Round, error) {
	return w.change(ctx, q.Action, "nominations-closed", map[string]any{"note": q.Note},
		func(r *domain.Round, now time.Time, by string) error {
			if err := r.InPhase(domain.RoundNomination); err != nil {
				return err
			}
			r.StepInto(domain.RoundScreening, now, by, q.Note)
			return nil
		},
		func(ctx workflow.Context) error { commandTasks(ctx, w.callTasks(), closedCall); return nil })
}

func (w *roundState) screen(ctx workflow.Context, q ScreenRequest) (domain.Round, error) {
	var reviseBy time.Time
	if q.Decision == domain.ScreenReturn {
		var err error
		if reviseBy, err = w.deadline(ctx, w.r.Programme.RevisionDays); err != nil {
			return w.r, err
		}
	}
	return w.change(ctx, q.Action, "screened", map[string]any{"entry": q.Entry, "decision": q.Decision, "reason": q.Reason},
		func(r *domain.Round, _ time.Time, _ string) error { return r.Screen(q.ScreenInput, reviseBy) },
		func(ctx workflow.Context) error {
			e := w.r.Entry(q.Entry)
			if e.Department == "" || q.Decision == domain.ScreenAccept {
				return nil
			}
			return w.notify(ctx, activities.NoticeInput{Key: "screen:" + strconv.Itoa(e.ID) + ":" + strconv.Itoa(w.r.Version), Departments: []domain.Code{e.Department},
				Message: "notify.entry_" + e.Status, Params: map[string]any{"title": e.Title, "reason": e.Reason}})
		})
}

func (w *roundState) revise(ctx workflow.Context, q ReviseRequest) (domain.Round, error) {
	return w.change(ctx, q.Action, "revised", map[string]any{"entry": q.Entry},
		func(r *domain.Round, now time.Time, _ string) error { return r.Revise(q.Entry, q.NewEntry, now) }, nil)
}

// closeScreeningCheck refuses to close screening with entries undecided or
// nothing accepted.
func closeScreeningCheck(r *domain.Round, now time.Time) error {
	if err := r.InPhase(domain.RoundScreening); err != nil {
		return err
	}
	if open := r.Unscreened(now); len(open) > 0 {
		return domain.Conflict("error.entries_unscreened", map[string]any{"count": len(open)})
	}
	if r.Accepted() == 0 {
		return domain.Conflict("error.no_accepted_entries", nil)
	}
	return nil
}

// closeScreening ends screening (returned entries not revised in time are
// rejected), draws the reviewers from the expert pool and opens scoring.
func (w *roundState) closeScreening(ctx workflow.Context, q NoteRequest) (domain.Round, error) {
	pool, due, err := w.reviewers(ctx)
	if err != nil {
		return w.r, err
	}
	return w.change(ctx, q.Action, "reviewers-drawn", map[string]any{"note": q.Note, "experts": len(pool)},
		func(r *domain.Round, now time.Time, by string) error { return w.draw(r, pool, due, now, by, q.Note) },
		w.tellExperts)
}

// reviewers loads the expert pool and the scoring deadline.
func (w *roundState) reviewers(ctx workflow.Context) ([]domain.Expert, time.Time, error) {
	var m *activities.Processes
	var pool []domain.Expert
	actx := workflow.WithActivityOptions(ctx, recordOptions)
	if err := workflow.ExecuteActivity(actx, m.LoadExperts, activities.LoadExpertsInput{}).Get(actx, &pool); err != nil {
		return nil, time.Time{}, err
	}
	due, err := w.deadline(ctx, w.r.Programme.ScoringDays)
	return pool, due, err
}

// draw closes screening and assigns the reviewers.
func (w *roundState) draw(r *domain.Round, pool []domain.Expert, due, now time.Time, by, note string) error {
	if err := closeScreeningCheck(r, now); err != nil {
		return err
	}
	for i := range r.Entries {
		if e := &r.Entries[i]; e.Status == domain.EntryReturned {
			e.Status, e.Reason = domain.EntryRejected, "未在期限内修改 Not revised in time"
		}
	}
	reviews, err := selection.Assign(w.seed, r.Entries, pool, r.Conflicts, r.Programme.ReviewersPerEntry, r.Reviews)
	if err != nil {
		return err
	}
	r.Experts, r.Reviews, r.ScoringDue = pool, append(r.Reviews, reviews...), due
	r.StepInto(domain.RoundReview, now, by, note)
	return nil
}

// tellExperts notifies the drawn experts of their assignments.
func (w *roundState) tellExperts(ctx workflow.Context) error {
	var experts []string
	for _, v := range w.r.Reviews {
		if !slices.Contains(experts, v.Expert) {
			experts = append(experts, v.Expert)
		}
	}
	return w.notify(ctx, activities.NoticeInput{Key: "review-opened", Users: experts, Message: "notify.review_assigned",
		Params: map[string]any{"programme": w.r.Programme.NameZH, "year": w.r.Year}, Link: "/reviews"})
}

// scoreReview applies an expert's scores to their review while scoring is
// open.
func scoreReview(r *domain.Round, q ScoreRequest, now time.Time) error {
	if err := r.InPhase(domain.RoundReview); err != nil {
		return err
	}
	v := r.Review(q.Review)
	if v == nil || v.Replaced {
		return domain.Conflict("error.review_closed", map[string]any{"review": q.Review})
	}
	if err := q.ScoreInput.Validate(r.Programme); err != nil {
		return err
	}
	v.Scores, v.Comment, v.At = q.Scores, q.Comment, now
	return nil
}

func (w *roundState) score(ctx workflow.Context, q ScoreRequest) (domain.Round, error) {
	return w.change(ctx, q.Action, "scored", map[string]any{"review": q.Review},
		func(r *domain.Round, now time.Time, _ string) error { return scoreReview(r, q, now) }, nil)
}

// conflict records an expert's declared conflict and hands the review to
// another eligible expert.
func (w *roundState) conflict(r *domain.Round, q ConflictRequest) error {
	if err := r.InPhase(domain.RoundReview); err != nil {
		return err
	}
	v := r.Review(q.Review)
	if v == nil || v.Replaced || v.Done() {
		return domain.Conflict("error.review_closed", map[string]any{"review": q.Review})
	}
	var val domain.Validation
	val.Check(q.Reason != "", "reason", "validation.required", nil)
	if err := val.Err(); err != nil {
		return err
	}
	if r.Conflicts == nil {
		r.Conflicts = map[string][]int{}
	}
	r.Conflicts[v.Expert] = append(r.Conflicts[v.Expert], v.Entry)
	return w.replaceReview(r, v, "", "回避 Recused: "+q.Reason)
}

func (w *roundState) declareConflict(ctx workflow.Context, q ConflictRequest) (domain.Round, error) {
	return w.change(ctx, q.Action, "conflict-declared", map[string]any{"review": q.Review},
		func(r *domain.Round, _ time.Time, _ string) error { return w.conflict(r, q) }, nil)
}

// replaceReview marks a review replaced and adds its successor: the named
// expert (an override; recusal still applies) or the next eligible one.
func (w *roundState) replaceReview(r *domain.Round, v *domain.Review, expert, reason string) error {
	entry := r.Entry(v.Entry)
	var next domain.Review
	if expert == "" {
		var err error
		if next, err = selection.Replace(w.seed+int64(len(r.Reviews)), *v, r.Entries, r.Experts, r.Conflicts, r.Reviews); err != nil {
			return err
		}
	} else {
		var val domain.Validation
		i := slices.IndexFunc(r.Experts, func(e domain.Expert) bool { return e.Username == expert })
		val.Check(i >= 0, "expert", "validation.unknown_expert", map[string]any{"value": expert})
		if i >= 0 {
			val.Check(selection.Eligible(r.Experts[i], *entry, r.Conflicts), "expert", "validation.recusal", map[string]any{"value": expert})
			val.Check(!slices.ContainsFunc(r.Reviews, func(x domain.Review) bool { return x.Entry == v.Entry && x.Expert == expert }),
				"expert", "validation.duplicate", map[string]any{"value": expert})
		}
		if err := val.Err(); err != nil {
			return err
		}
		next = domain.Review{ID: maxReviewID(r.Reviews) + 1, Entry: v.Entry, Expert: expert}
	}
	next.Override = reason
	v.Replaced = true
	r.Reviews = append(r.Reviews, next)
	return nil
}

func maxReviewID(rs []domain.Review) int {
	n := 0
	for _, r := range rs {
		n = max(n, r.ID)
	}
	return n
}

func (w *roundState) reassignReview(r *domain.Round, q ReassignRequest) error {
	if err := r.InPhase(domain.RoundReview); err != nil {
		return err
	}
	v := r.Review(q.Review)
	if v == nil || v.Replaced || v.Done() {
		return domain.Conflict("error.review_closed", map[string]any{"review": q.Review})
	}
	var val domain.Validation
	val.Check(q.Reason != "", "reason", "validation.required", nil)
	if err := val.Err(); err != nil {
		return err
	}
	return w.replaceReview(r, v, q.Expert, q.Reason)
}

func (w *roundState) reassign(ctx workflow.Context, q ReassignRequest) (domain.Round, error) {
	return w.change(ctx, q.Action, "reassigned", map[string]any{"review": q.Review, "expert": q.Expert, "reason": q.Reason},
		func(r *domain.Round, _ time.Time, _ string) error { return w.reassignReview(r, q) }, nil)
}

// rank closes scoring: the ranking by the programme's rule, and the
// proposed list (the top of the ranking, up to the quota).
func (w *roundState) rank(r *domain.Round, now time.Time, by string) error {
	if err := r.InPhase(domain.RoundReview); err != nil {
		return err
	}
	r.Ranking = selection.Rank(r.Programme, r.Entries, r.Reviews)
	r.Proposed = nil
	for _, x := range r.Ranking {
		if len(r.Proposed) < r.Programme.Quota && x.Reviews > 0 {
			r.Proposed = append(r.Proposed, x.Entry)
		}
	}
	if r.Parent != "" {
		r.StepInto(domain.RoundReviewed, now, by, "")
		return nil
	}
	r.StepInto(domain.RoundConfirmation, now, by, "")
	return nil
}

func (w *roundState) closeScoring(ctx workflow.Context, q NoteRequest) (domain.Round, error) {
	return w.change(ctx, q.Action, "ranked", map[string]any{"note": q.Note},
		func(r *domain.Round, now time.Time, by string) error { return w.rank(r, now, by) }, nil)
}

func (w *roundState) confirm(ctx workflow.Context, q ConfirmRequest) (domain.Round, error) {
	ends, err := w.deadline(ctx, w.r.Programme.NoticeDays)
	if err != nil {
		return w.r, err
	}
	return w.change(ctx, q.Action, "confirmed", map[string]any{"list": q.List, "reason": q.Reason},
		func(r *domain.Round, now time.Time, by string) error {
			if err := r.Confirm(q.ConfirmInput, by); err != nil {
				return err
			}
			r.NoticeEnds = ends
			r.StepInto(domain.RoundNotice, now, by, q.Reason)
			return nil
		}, nil)
}

func (w *roundState) object(ctx workflow.Context, q ObjectRequest) (domain.Round, error) {
	return w.change(ctx, q.Action, "objection-lodged", map[string]any{"entry": q.Entry},
		func(r *domain.Round, now time.Time, _ string) error {
			_, err := r.Object(q.NewObjection, now)
			return err
		},
		func(ctx workflow.Context) error {
			return w.notify(ctx, activities.NoticeInput{Key: "objection:" + strconv.Itoa(len(w.r.Objections)), Committee: w.r.Programme.Committee,
				Role: "office", Message: "notify.objection_lodged", Params: map[string]any{"programme": w.r.Programme.NameZH, "entry": q.Entry}})
		})
}

// applyRuling records the office's ruling; an upheld objection withdraws
// the entry and promotes the best-ranked entry not on the list.
func applyRuling(r *domain.Round, in domain.RulingInput, by string) error {
	o, err := r.CheckRuling(in)
	if err != nil {
		return err
	}
	o.Ruling, o.Reason, o.RuledBy = in.Ruling, in.Reason, by
	if in.Ruling == domain.RulingUpheld {
		if e := r.Entry(o.Entry); e != nil && e.Status != domain.EntryWithdrawn {
			var withdrawn []int
			for _, x := range r.Entries {
				if x.Status == domain.EntryWithdrawn {
					withdrawn = append(withdrawn, x.ID)
				}
			}
			e.Status, e.Reason = domain.EntryWithdrawn, in.Reason
			r.Confirmed = selection.Promote(r.Ranking, r.Confirmed, o.Entry, withdrawn)
		}
	}
	return nil
}

func (w *roundState) rule(ctx workflow.Context, q RuleRequest) (domain.Round, error) {
	return w.change(ctx, q.Action, "objection-ruled", map[string]any{"objection": q.Objection, "ruling": q.Ruling, "reason": q.Reason},
		func(r *domain.Round, _ time.Time, by string) error { return applyRuling(r, q.RulingInput, by) }, nil)
}

func (w *roundState) announce(ctx workflow.Context, q AnnounceRequest) (domain.Round, error) {
	return w.change(ctx, q.Action, "announced", map[string]any{"results": w.r.Confirmed},
		func(r *domain.Round, now time.Time, by string) error { return r.Announce(q.AnnounceInput, now, by) }, nil)
}

func cancelRound(r *domain.Round, reason string, now time.Time, by string) error {
	if r.Phase.Ended() {
		return r.InPhase()
	}
	var v domain.Validation
	v.Check(reason != "", "reason", "validation.required", nil)
	if err := v.Err(); err != nil {
		return err
	}
	r.StepInto(domain.RoundCancelled, now, by, reason)
	return nil
}

func (w *roundState) cancelRound(ctx workflow.Context, q ReasonRequest) (domain.Round, error) {
	return w.change(ctx, q.Action, "cancelled", map[string]any{"reason": q.Reason},
		func(r *domain.Round, now time.Time, by string) error { return cancelRound(r, q.Reason, now, by) },
		func(ctx workflow.Context) error {
			commandTasks(ctx, w.callTasks(), ProcessCommand{Withdraw: true, Reason: "评选已取消 The round was cancelled"})
			return nil
		})
}
