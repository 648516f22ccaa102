package workflows

import (
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/internal/domain"
)

// Update and query names of the Masterpieces workflow.
const (
	UpdateApply            = "apply"
	UpdateCloseCall        = "close-call"
	UpdateScreenApp        = "screen-application"
	UpdateCloseAppScreen   = "close-application-screening"
	UpdateRecordSeminar    = "record-seminar"
	UpdateConfirmSeminar   = "confirm-seminar"
	UpdateApproveTranche   = "approve-tranche"
	UpdateReleaseTranche   = "release-tranche"
	UpdateExamine          = "examine"
	UpdateCloseYear        = "close-year"
	UpdateCancelYear       = "cancel-year"
	QueryMasterpieces      = "masterpieces"
	progressReportDays     = 10
	masterpieceFinanceDept = "finance"
)

// MasterpiecesInput starts a project year with its state.
type MasterpiecesInput struct {
	Year domain.Masterpieces
}

// MasterpiecesResult is how a year ended: the projects accepted, and those
// carried into the next year.
type MasterpiecesResult struct {
	Phase    domain.MasterpiecePhase
	Accepted int
	Carried  []string
}

// Requests of the project year's updates.
type (
	// ApplyRequest is a unit's application (or the office's on its behalf).
	ApplyRequest struct {
		Action
		domain.NewApplication
		UnitName string `json:"unit_name,omitempty"` // filled by the service from the directory
	}
	// ScreenApplicationRequest is the office's screening decision.
	ScreenApplicationRequest struct {
		Action
		domain.ScreenApplication
	}
	// SeminarRequest records a sitting of the planning seminar.
	SeminarRequest struct {
		Action
		domain.SeminarInput
	}
	// ConfirmSeminarRequest is the convener's confirmation of a sitting.
	ConfirmSeminarRequest struct {
		Action
		Seminar int `json:"seminar"`
	}
	// TrancheRequest approves or releases a tranche.
	TrancheRequest struct {
		Action
		domain.TrancheAction
	}
	// ExamineRequest records an acceptance examination.
	ExamineRequest struct {
		Action
		domain.ExamineInput
	}
)

type masterpieceState struct {
	m       domain.Masterpieces
	mu      workflow.Mutex
	changes int
	review  *SelectionResult
}

// Masterpieces runs a year of the cultural masterpiece projects: the call
// for applications, the office's screening, the expert review (a child
// selection round), the planning seminar that determines the key projects
// with their support in tranches (and later supplements), milestone
// reports releasing the tranches after the publicity department's and the
// finance bureau's approval, quarterly progress reports, the acceptance
// examination with rectification, and at the year's end the carry-over of
// what is unfinished.
func Masterpieces(ctx workflow.Context, in MasterpiecesInput) (MasterpiecesResult, error) {
	w := &masterpieceState{m: in.Year, mu: workflow.NewMutex(ctx)}
	if err := w.register(ctx); err != nil {
		return MasterpiecesResult{}, err
	}
	workflow.Go(ctx, func(ctx workflow.Context) { receiveTaskNotices(ctx, w.applyNotice) })
	if err := runUntilEnded(ctx, w.step, func() bool { return w.m.Phase.Ended() }, w.nextTimer, &w.changes); err != nil {
		return MasterpiecesResult{}, err
	}
	out := MasterpiecesResult{Phase: w.m.Phase}
	for _, p := range w.m.Projects {
		switch p.Stage {
		case domain.StageAccepted:
			out.Accepted++
		case domain.StageCarried:
			out.Carried = append(out.Carried, p.ID)
		}
	}
	return out, nil
}

func (w *masterpieceState) office(u domain.User) bool {
	return u.HasFor(domain.RoleOffice, w.m.Committee)
}
func (w *masterpieceState) convener(u domain.User) bool {
	return u.HasFor(domain.RoleConvener, w.m.Committee)
}
func (w *masterpieceState) finance(u domain.User) bool {
	return u.IsAdmin() || domain.CanHandle(u, masterpieceFinanceDept)
}

func (w *masterpieceState) register(ctx workflow.Context) error {
	check := func(a Action, allowed func(domain.User) bool, apply func(m *domain.Masterpieces, now time.Time) error) error {
		if !allowed(a.Actor) {
			return refuse(domain.Forbidden())
		}
		m := cloneMasterpieces(w.m)
		return refuse(apply(&m, workflow.Now(ctx)))
	}
	handlers := []struct {
		name     string
		handler  any
		validate any
	}{
		{UpdateApply, w.apply, func(ctx workflow.Context, q ApplyRequest) error {
			allowed := func(u domain.User) bool { return w.office(u) || domain.CanHandle(u, q.Sponsor) }
			return check(q.Action, allowed, func(m *domain.Masterpieces, now time.Time) error {
				_, err := m.Apply(q.NewApplication, q.UnitName, "", now)
				return err
			})
		}},
		{UpdateCloseCall, w.closeCall, func(ctx workflow.Context, q NoteRequest) error {
			return check(q.Action, w.office, func(m *domain.Masterpieces, _ time.Time) error { return m.InPhase(domain.MasterpieceCall) })
		}},
		{UpdateScreenApp, w.screen, func(ctx workflow.Context, q ScreenApplicationRequest) error {
			return check(q.Action, w.office, func(m *domain.Masterpieces, _ time.Time) error { return m.Screen(q.ScreenApplication) })
		}},
		{UpdateCloseAppScreen, w.closeScreening, func(ctx workflow.Context, q NoteRequest) error {
			return check(q.Action, w.office, func(m *domain.Masterpieces, _ time.Time) error { return closeAppScreeningCheck(m) })
		}},
		{UpdateRecordSeminar, w.recordSeminar, func(ctx workflow.Context, q SeminarRequest) error {
			return check(q.Action, w.office, func(m *domain.Masterpieces, _ time.Time) error { return m.CheckSeminar(q.SeminarInput) })
		}},
		{UpdateConfirmSeminar, w.confirmSeminar, func(ctx workflow.Context, q ConfirmSeminarRequest) error {
			return check(q.Action, w.convener, func(m *domain.Masterpieces, now time.Time) error {
				_, err := m.ConfirmSeminar(q.Seminar, "", now)
				return err
			})
		}},
		{UpdateApproveTranche, w.approveTranche, func(ctx workflow.Context, q TrancheRequest) error {
			return check(q.Action, w.office, func(m *domain.Masterpieces, now time.Time) error { return m.ApproveTranche(q.TrancheAction, "", now) })
		}},
		{UpdateReleaseTranche, w.releaseTranche, func(ctx workflow.Context, q TrancheRequest) error {
			return check(q.Action, w.finance, func(m *domain.Masterpieces, now time.Time) error { return m.ReleaseTranche(q.TrancheAction, "", now) })
		}},
		{UpdateExamine, w.examine, func(ctx workflow.Context, q ExamineRequest) error {
			return check(q.Action, w.office, func(m *domain.Masterpieces, _ time.Time) error {
				_, err := m.CheckExamination(q.ExamineInput)
				return err
			})
		}},
		{UpdateCloseYear, w.closeYear, func(ctx workflow.Context, q NoteRequest) error {
			return check(q.Action, w.office, func(m *domain.Masterpieces, _ time.Time) error { return m.InPhase(domain.MasterpiecePortfolio) })
		}},
		{UpdateCancelYear, w.cancel, func(ctx workflow.Context, q ReasonRequest) error {
			return check(q.Action, w.office, func(m *domain.Masterpieces, now time.Time) error { return cancelYear(m, q.Reason, now, "") })
		}},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler, workflow.UpdateHandlerOptions{Validator: h.validate}); err != nil {
			return err
		}
	}
	return workflow.SetQueryHandler(ctx, QueryMasterpieces, func() (domain.Masterpieces, error) { return w.m, nil })
}

// cloneMasterpieces copies a year deeply enough for a change to be tried
// on the copy.
func cloneMasterpieces(m domain.Masterpieces) domain.Masterpieces {
	m.Applications = append([]domain.Application(nil), m.Applications...)
	m.Seminars = append([]domain.Seminar(nil), m.Seminars...)
	m.Steps = append([]domain.Step(nil), m.Steps...)
	ps := make([]domain.Project, len(m.Projects))
	for i, p := range m.Projects {
		p.Tranches = append([]domain.Tranche(nil), p.Tranches...)
		p.Examinations = append([]domain.Examination(nil), p.Examinations...)
		p.ProgressTasks = append([]int64(nil), p.ProgressTasks...)
		p.History = append([]domain.ProjectEvent(nil), p.History...)
		ps[i] = p
	}
	m.Projects = ps
	return m
}

// change runs a person's change (see changeUnder).
func (w *masterpieceState) change(ctx workflow.Context, a Action, kind string, detail map[string]any,
	apply func(m *domain.Masterpieces, now time.Time, by string) error, effects func(ctx workflow.Context) error) (domain.Masterpieces, error) {
	return changeUnder(ctx, w.mu, &w.m, cloneMasterpieces, a, "masterpiece", kind, detail, apply, effects, w.save)
}

func (w *masterpieceState) save(ctx workflow.Context, key string, ev domain.CycleEvent, audit *domain.AuditRecord) error {
	w.m.Version++
	w.changes++
	var m *activities.Processes
	lctx := workflow.WithLocalActivityOptions(ctx, localRecordOptions)
	return workflow.ExecuteLocalActivity(lctx, m.RecordMasterpieces, domain.MasterpieceChange{Key: key, Year: w.m, Event: ev, Audit: audit}).Get(lctx, nil)
}

func (w *masterpieceState) system(ctx workflow.Context, kind string, detail map[string]any) error {
	return w.save(ctx, w.m.ID+":"+kind+":"+strconv.Itoa(w.m.Version), domain.CycleEvent{At: workflow.Now(ctx), Actor: SystemActor, Kind: kind, Detail: detail}, nil)
}

func (w *masterpieceState) notify(ctx workflow.Context, n activities.NoticeInput) error {
	var m *activities.Processes
	n.Key = w.m.ID + ":" + n.Key
	if n.Link == "" {
		n.Link = "/masterpieces/" + strconv.Itoa(w.m.Year)
	}
	if n.Params == nil {
		n.Params = map[string]any{}
	}
	n.Params["year"] = w.m.Year
	actx := workflow.WithActivityOptions(ctx, recordOptions)
	return workflow.ExecuteActivity(actx, m.Notify, n).Get(actx, nil)
}

func (w *masterpieceState) tellOffice(ctx workflow.Context, key, message string, params map[string]any) error {
	return w.notify(ctx, activities.NoticeInput{Key: key, Committee: w.m.Committee, Role: "office", Message: message, Params: params})
}

func (w *masterpieceState) deadline(ctx workflow.Context, days int) (time.Time, error) {
	var m *activities.Processes
	var due time.Time
	actx := workflow.WithActivityOptions(ctx, recordOptions)
	err := workflow.ExecuteActivity(actx, m.Deadline, activities.DeadlineInput{Days: days}).Get(actx, &due)
	return due, err
}

// step carries out what dates and state call for by themselves: the call
// closes at its deadline; the review's result opens the seminar; each
// running project's next milestone report is asked for; quarterly
// progress reports; the year's end.
func (w *masterpieceState) step(ctx workflow.Context) (bool, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return false, err
	}
	defer w.mu.Unlock()
	now := workflow.Now(ctx)
	m := &w.m
	if m.Phase.Ended() {
		return false, nil
	}
	if opened, err := w.openReports(ctx); err != nil || opened {
		return opened, err
	}
	if !m.NextQuarter.IsZero() && !now.Before(m.NextQuarter) {
		return true, w.quarterlyReports(ctx, now)
	}
	if !m.YearEnd.IsZero() && !now.Before(m.YearEnd) && m.Phase == domain.MasterpiecePortfolio {
		return true, w.system(ctx, "year-ended", w.endYear(ctx, SystemActor, ""))
	}
	switch m.Phase {
	case domain.MasterpieceCall:
		if !now.Before(m.CallDue) {
			m.StepInto(domain.MasterpieceScreening, now, SystemActor, "")
			return true, w.system(ctx, "call-closed", map[string]any{"applications": len(m.Applications)})
		}
	case domain.MasterpieceReview:
		if w.review == nil {
			break
		}
		if w.review.Phase != domain.RoundReviewed {
			m.StepInto(domain.MasterpieceCancelled, now, SystemActor, "专家评审已取消 The expert review was cancelled")
			return true, w.system(ctx, "review-cancelled", nil)
		}
		m.Ranking = w.review.Ranking
		m.StepInto(domain.MasterpieceSeminar, now, SystemActor, "")
		if err := w.tellOffice(ctx, "ranked", "notify.masterpiece_ranked", nil); err != nil {
			return false, err
		}
		return true, w.system(ctx, "ranked", map[string]any{"ranked": len(m.Ranking)})
	}
	return false, nil
}

func (w *masterpieceState) nextTimer() time.Time {
	var at time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	if w.m.Phase == domain.MasterpieceCall {
		earliest(w.m.CallDue)
	}
	earliest(w.m.NextQuarter)
	if w.m.Phase == domain.MasterpiecePortfolio {
		earliest(w.m.YearEnd)
	}
	return at
}

// openReports asks each running project for its next milestone report
// (one at a time, due on the milestone's date).
func (w *masterpieceState) openReports(ctx workflow.Context) (bool, error) {
	var specs []activities.TaskSpec
	for _, p := range w.m.Projects {
		if p.Stage != domain.StageInProgress {
			continue
		}
		if t := (&p).NextReport(); t != nil && t.TaskID == 0 {
			specs = append(specs, activities.TaskSpec{Key: w.milestoneKey(p, t.Seq), Kind: domain.KindMilestoneReport, Lead: p.Sponsor,
				Title: "文艺精品 " + p.Title + " · 节点报告 Milestone report " + strconv.Itoa(t.Seq) + ": " + t.Milestone,
				Body: "请报告节点完成情况；报告经市委宣传部审核通过后，按程序拨付本期资金 " + money(t.Amount) + " 元。\n" +
					"Report on this milestone; once the office accepts the report, the tranche of " + money(t.Amount) + " yuan can be released.",
				Form:  []domain.FormField{{Name: "report", Label: "完成情况 What was done", Type: domain.FieldTextarea, Required: true}},
				DueAt: t.Due})
		}
	}
	if len(specs) == 0 {
		return false, nil
	}
	opened, err := w.openTasks(ctx, specs)
	if err != nil {
		return false, err
	}
	for _, o := range opened {
		for i := range w.m.Projects {
			p := &w.m.Projects[i]
			if t := p.NextReport(); t != nil && o.Key == w.milestoneKey(*p, t.Seq) {
				t.TaskID = o.ID
			}
		}
	}
	return true, w.system(ctx, "reports-asked", map[string]any{"tasks": len(opened)})
}

func (w *masterpieceState) milestoneKey(p domain.Project, seq int) string {
	return w.m.ID + ":milestone:" + p.ID + ":" + strconv.Itoa(seq)
}

func money(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

func (w *masterpieceState) openTasks(ctx workflow.Context, specs []activities.TaskSpec) ([]activities.OpenedTask, error) {
	src := domain.TaskSource{Kind: domain.SourceMasterpiece, ID: w.m.ID, Committee: w.m.Committee}
	return openProcessTasks(ctx, src, w.m.StartedBy, specs)
}

// quarterlyReports asks every running project for a progress report and
// sets the next quarter.
func (w *masterpieceState) quarterlyReports(ctx workflow.Context, now time.Time) error {
	m := &w.m
	quarter := m.NextQuarter
	var specs []activities.TaskSpec
	for _, p := range m.Projects {
		if p.Stage == domain.StageInProgress || p.Stage == domain.StageRectifying {
			specs = append(specs, activities.TaskSpec{Key: m.ID + ":progress:" + p.ID + ":" + quarter.Format("2006-01"), Kind: domain.KindProgressReport,
				Lead: p.Sponsor, Title: "文艺精品 " + p.Title + " · 季度进展 Quarterly progress",
				Body: "请报告本季度创作生产进展和资金使用情况。\nReport this quarter's progress and the use of the funds.",
				Form: []domain.FormField{{Name: "progress", Label: "进展 Progress", Type: domain.FieldTextarea, Required: true}}, DueDays: progressReportDays})
		}
	}
	opened, err := w.openTasks(ctx, specs)
	if err != nil {
		return err
	}
	for _, o := range opened {
		for i := range m.Projects {
			if strings.HasPrefix(o.Key, m.ID+":progress:"+m.Projects[i].ID+":") {
				m.Projects[i].ProgressTasks = append(m.Projects[i].ProgressTasks, o.ID)
			}
		}
	}
	m.NextQuarter = quarter.AddDate(0, 3, 0)
	if !m.YearEnd.IsZero() && !m.NextQuarter.Before(m.YearEnd) {
		m.NextQuarter = time.Time{}
	}
	return w.system(ctx, "progress-asked", map[string]any{"quarter": quarter.Format("2006-01"), "tasks": len(opened)})
}

// carryOver marks every unfinished project carried into the next year and
// returns the projects carried and their open tasks (milestone reports not
// asked again, rectifications, progress reports), to be withdrawn: the
// next year asks again.
func (w *masterpieceState) carryOver(now time.Time, by string) (carried int, withdraw []int64) {
	for i := range w.m.Projects {
		p := &w.m.Projects[i]
		if p.Finished() {
			continue
		}
		for _, t := range p.Tranches {
			if t.Status == domain.TranchePending && t.TaskID != 0 {
				withdraw = append(withdraw, t.TaskID)
			}
		}
		for _, e := range p.Examinations {
			if e.TaskID != 0 {
				withdraw = append(withdraw, e.TaskID)
			}
		}
		withdraw = append(withdraw, p.ProgressTasks...)
		p.Stage = domain.StageCarried
		p.Log(now, by, "carried-over", strconv.Itoa(w.m.Year+1))
		carried++
	}
	return carried, withdraw
}

// endYear closes the year (at its end, or earlier by the office): the
// unfinished projects carry over and their open tasks are withdrawn.
func (w *masterpieceState) endYear(ctx workflow.Context, by, note string) map[string]any {
	now := workflow.Now(ctx)
	carried, withdraw := w.carryOver(now, by)
	commandTasks(ctx, withdraw, ProcessCommand{Withdraw: true, Reason: "项目结转下一年度 The project continues next year"})
	w.m.StepInto(domain.MasterpieceClosed, now, by, note)
	return map[string]any{"carried": carried, "withdrawn": len(withdraw)}
}

func (w *masterpieceState) apply(ctx workflow.Context, q ApplyRequest) (domain.Masterpieces, error) {
	return w.change(ctx, q.Action, "applied", map[string]any{"unit": q.Unit, "title": q.Title},
		func(m *domain.Masterpieces, now time.Time, by string) error {
			_, err := m.Apply(q.NewApplication, q.UnitName, by, now)
			return err
		}, nil)
}

func (w *masterpieceState) closeCall(ctx workflow.Context, q NoteRequest) (domain.Masterpieces, error) {
	return w.change(ctx, q.Action, "call-closed", map[string]any{"note": q.Note},
		func(m *domain.Masterpieces, now time.Time, by string) error {
			if err := m.InPhase(domain.MasterpieceCall); err != nil {
				return err
			}
			m.CallDue = now
			m.StepInto(domain.MasterpieceScreening, now, by, q.Note)
			return nil
		}, nil)
}

func (w *masterpieceState) screen(ctx workflow.Context, q ScreenApplicationRequest) (domain.Masterpieces, error) {
	return w.change(ctx, q.Action, "screened", map[string]any{"application": q.Application, "decision": q.Decision, "reason": q.Reason},
		func(m *domain.Masterpieces, _ time.Time, _ string) error { return m.Screen(q.ScreenApplication) }, nil)
}

func closeAppScreeningCheck(m *domain.Masterpieces) error {
	if err := m.InPhase(domain.MasterpieceScreening); err != nil {
		return err
	}
	if n := m.Unscreened(); n > 0 {
		return domain.Conflict("error.entries_unscreened", map[string]any{"count": n})
	}
	if len(m.Accepted()) == 0 {
		return domain.Conflict("error.no_accepted_entries", nil)
	}
	return nil
}

// closeScreening sends the accepted applications to the experts: a child
// round of the programme, already screened, that draws its reviewers.
func (w *masterpieceState) closeScreening(ctx workflow.Context, q NoteRequest) (domain.Masterpieces, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.m, err
	}
	defer w.mu.Unlock()
	if err := closeAppScreeningCheck(&w.m); err != nil {
		return w.m, refuse(err)
	}
	now, by := workflow.Now(ctx), actorOf(q.Action)
	m := &w.m
	r := domain.Round{ID: domain.RoundID(m.Programme.Code, m.Year), Programme: m.Programme, Year: m.Year, Parent: m.ID, StartedBy: by, StartedAt: now,
		Entries: []domain.Entry{}, Reviews: []domain.Review{}, Objections: []domain.Objection{}}
	for _, a := range m.Accepted() {
		r.Entries = append(r.Entries, domain.Entry{ID: a.ID, Title: a.Title, Unit: a.UnitName, Department: a.Sponsor,
			Summary: a.Summary, Contact: a.Contact, Attachments: a.Attachments, NominatedBy: a.SubmittedBy, At: a.At, Status: domain.EntryAccepted})
	}
	r.StepInto(domain.RoundNomination, now, by, "")
	r.StepInto(domain.RoundScreening, now, by, "")
	var acts *activities.Processes
	actx := workflow.WithActivityOptions(ctx, recordOptions)
	if err := workflow.ExecuteActivity(actx, acts.StartReviewRound, r).Get(actx, nil); err != nil {
		return w.m, err
	}
	if err := startReview(ctx, r, func(res SelectionResult) { w.review = &res; w.changes++ }); err != nil {
		return w.m, err
	}
	m.Round = r.ID
	m.StepInto(domain.MasterpieceReview, now, by, q.Note)
	audit := &domain.AuditRecord{Actor: by, Action: "masterpiece.review-started", Result: domain.AuditOK}
	return w.m, w.save(ctx, updateKey(ctx), domain.CycleEvent{At: now, Actor: by, Kind: "review-started",
		Detail: map[string]any{"round": r.ID, "applications": len(r.Entries)}}, audit)
}

func (w *masterpieceState) recordSeminar(ctx workflow.Context, q SeminarRequest) (domain.Masterpieces, error) {
	return w.change(ctx, q.Action, "seminar-recorded", map[string]any{"kind": q.Kind, "decisions": len(q.Decisions)},
		func(m *domain.Masterpieces, _ time.Time, by string) error {
			_, err := m.RecordSeminar(q.SeminarInput, by)
			return err
		},
		func(ctx workflow.Context) error {
			return w.notify(ctx, activities.NoticeInput{Key: "seminar:" + strconv.Itoa(len(w.m.Seminars)), Committee: w.m.Committee, Role: "convener",
				Message: "notify.seminar_recorded", Params: map[string]any{"seminar": len(w.m.Seminars)}})
		})
}

func (w *masterpieceState) confirmSeminar(ctx workflow.Context, q ConfirmSeminarRequest) (domain.Masterpieces, error) {
	return w.change(ctx, q.Action, "seminar-confirmed", map[string]any{"seminar": q.Seminar},
		func(m *domain.Masterpieces, now time.Time, by string) error {
			if _, err := m.ConfirmSeminar(q.Seminar, by, now); err != nil {
				return err
			}
			if m.Phase == domain.MasterpieceSeminar {
				m.StepInto(domain.MasterpiecePortfolio, now, by, "")
			}
			return nil
		}, nil)
}

func (w *masterpieceState) approveTranche(ctx workflow.Context, q TrancheRequest) (domain.Masterpieces, error) {
	return w.change(ctx, q.Action, "tranche-approved", map[string]any{"project": q.Project, "tranche": q.Tranche},
		func(m *domain.Masterpieces, now time.Time, by string) error {
			return m.ApproveTranche(q.TrancheAction, by, now)
		},
		func(ctx workflow.Context) error {
			return w.notify(ctx, activities.NoticeInput{Key: "approved:" + q.Project + ":" + strconv.Itoa(q.Tranche), Departments: []domain.Code{masterpieceFinanceDept},
				Message: "notify.tranche_approved", Params: map[string]any{"project": w.m.Project(q.Project).Title, "tranche": q.Tranche}})
		})
}

func (w *masterpieceState) releaseTranche(ctx workflow.Context, q TrancheRequest) (domain.Masterpieces, error) {
	return w.change(ctx, q.Action, "tranche-released", map[string]any{"project": q.Project, "tranche": q.Tranche},
		func(m *domain.Masterpieces, now time.Time, by string) error {
			return m.ReleaseTranche(q.TrancheAction, by, now)
		}, nil)
}

// examine records the panel's verdict: a pass or a fail ends the project;
// rectification opens a task for the unit, due in working days, after
// which the panel examines again.
func (w *masterpieceState) examine(ctx workflow.Context, q ExamineRequest) (domain.Masterpieces, error) {
	var due time.Time
	if q.Result == domain.ExamRectify && q.RectifyDays > 0 {
		var err error
		if due, err = w.deadline(ctx, q.RectifyDays); err != nil {
			return w.m, err
		}
	}
	return w.change(ctx, q.Action, "examined", map[string]any{"project": q.Project, "result": q.Result},
		func(m *domain.Masterpieces, now time.Time, by string) error {
			p, err := m.CheckExamination(q.ExamineInput)
			if err != nil {
				return err
			}
			p.Examinations = append(p.Examinations, domain.Examination{At: now, Panel: q.Panel, Checklist: q.Checklist, Result: q.Result,
				Comment: q.Comment, RectifyBy: due, By: by})
			p.Stage = map[string]string{domain.ExamPass: domain.StageAccepted, domain.ExamFail: domain.StageFailed, domain.ExamRectify: domain.StageRectifying}[q.Result]
			p.Log(now, by, "examined", q.Result)
			return nil
		},
		func(ctx workflow.Context) error {
			if q.Result != domain.ExamRectify {
				return nil
			}
			p := w.m.Project(q.Project)
			n := len(p.Examinations)
			opened, err := w.openTasks(ctx, []activities.TaskSpec{{Key: w.m.ID + ":rectify:" + p.ID + ":" + strconv.Itoa(n), Kind: domain.KindRectification,
				Lead: p.Sponsor, Title: "文艺精品 " + p.Title + " · 验收整改 Rectification",
				Body: "验收专家组意见：" + q.Comment + "\n请在期限内整改并报告。\nThe acceptance panel asks for rectification; report when done.",
				Form: []domain.FormField{{Name: "report", Label: "整改情况 What was rectified", Type: domain.FieldTextarea, Required: true}}, DueAt: due}})
			if err != nil {
				return err
			}
			if len(opened) == 1 {
				p.Examinations[n-1].TaskID = opened[0].ID
			}
			return nil
		})
}

// closeYear ends the year before its date: unfinished projects carry over.
func (w *masterpieceState) closeYear(ctx workflow.Context, q NoteRequest) (domain.Masterpieces, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.m, err
	}
	defer w.mu.Unlock()
	if err := w.m.InPhase(domain.MasterpiecePortfolio); err != nil {
		return w.m, refuse(err)
	}
	now, by := workflow.Now(ctx), actorOf(q.Action)
	detail := w.endYear(ctx, by, q.Note)
	audit := &domain.AuditRecord{Actor: by, Action: "masterpiece.year-closed", Result: domain.AuditOK}
	return w.m, w.save(ctx, updateKey(ctx), domain.CycleEvent{At: now, Actor: by, Kind: "year-closed", Detail: detail}, audit)
}

func cancelYear(m *domain.Masterpieces, reason string, now time.Time, by string) error {
	if err := m.InPhase(domain.MasterpieceCall, domain.MasterpieceScreening, domain.MasterpieceSeminar); err != nil {
		return err
	}
	for _, p := range m.Projects {
		if !p.Finished() {
			return domain.Conflict("error.projects_running", map[string]any{"project": p.ID})
		}
	}
	var v domain.Validation
	v.Check(strings.TrimSpace(reason) != "", "reason", "validation.required", nil)
	if err := v.Err(); err != nil {
		return err
	}
	m.StepInto(domain.MasterpieceCancelled, now, by, reason)
	return nil
}

func (w *masterpieceState) cancel(ctx workflow.Context, q ReasonRequest) (domain.Masterpieces, error) {
	return w.change(ctx, q.Action, "cancelled", map[string]any{"reason": q.Reason},
		func(m *domain.Masterpieces, now time.Time, by string) error { return cancelYear(m, q.Reason, now, by) }, nil)
}

// applyNotice applies what the projects' tasks report: a milestone report
// accepted makes its tranche releasable (and, the last one, the project
// ready for acceptance); a rectification accepted sends the project back
// to the panel.
func (w *masterpieceState) applyNotice(ctx workflow.Context, n TaskNotice) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	if n.Status != domain.TaskAccepted || w.m.Phase.Ended() {
		return nil
	}
	p, t := w.m.ProjectByTask(n.TaskID)
	if p == nil {
		return nil
	}
	text := func(k string) string { s, _ := n.Values[k].(string); return s }
	kind := ""
	switch n.Kind {
	case domain.KindMilestoneReport:
		if t == nil || t.Status != domain.TranchePending {
			return nil
		}
		t.Status, t.Report, t.ReportedAt, kind = domain.TrancheReported, text("report"), n.At, "milestone-reported"
		p.Log(n.At, SystemActor, kind, strconv.Itoa(t.Seq))
		if p.NextReport() == nil && p.Stage == domain.StageInProgress {
			p.Stage = domain.StageAcceptance
			p.Log(n.At, SystemActor, "ready-for-acceptance", "")
		}
		if err := w.tellOffice(ctx, "reported:"+p.ID+":"+strconv.Itoa(t.Seq), "notify.milestone_reported",
			map[string]any{"project": p.Title, "tranche": t.Seq}); err != nil {
			return err
		}
	case domain.KindRectification:
		if p.Stage != domain.StageRectifying {
			return nil
		}
		p.Stage, kind = domain.StageAcceptance, "rectified"
		p.Log(n.At, SystemActor, kind, text("report"))
	case domain.KindProgressReport:
		kind = "progress-reported"
		p.Log(n.At, SystemActor, kind, text("progress"))
	default:
		return nil
	}
	return w.save(ctx, w.m.ID+":task:"+strconv.FormatInt(n.TaskID, 10)+":"+kind, domain.CycleEvent{At: workflow.Now(ctx), Actor: SystemActor, Kind: kind,
		Detail: map[string]any{"project": p.ID, "task_id": n.TaskID}}, nil)
}
