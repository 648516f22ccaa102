package workflows

import (
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
)

// Update and query names of the Consultation workflow.
const (
	UpdatePublishReport      = "publish-report"
	UpdateCancelConsultation = "cancel-consultation"
	QueryConsultation        = "consultation"
)

// ConsultationInput starts a consultation with its state.
type ConsultationInput struct {
	Consultation domain.Consultation
}

// ConsultationResult is how a consultation ended.
type ConsultationResult struct {
	Phase    domain.ConsultationPhase
	Comments int
}

// PublishReportRequest is the office's publication of the adoption
// report.
type PublishReportRequest struct {
	Action
	domain.PublishReport
}

type consultationState struct {
	c       domain.Consultation
	mu      workflow.Mutex
	changes int
}

// Consultation runs a draft's public consultation (征求意见): the window
// opens and closes on its dates (the public's comments go straight to
// PostgreSQL, which checks the window); the consulted departments comment
// through their tasks, due at the feedback deadline, after which the
// tasks still open are withdrawn; the office answers every comment and is
// reminded each working day while some wait, the conveners told once the
// replies are overdue; the adoption report, once every comment has its
// answer, ends it.
func Consultation(ctx workflow.Context, in ConsultationInput) (ConsultationResult, error) {
	w := &consultationState{c: in.Consultation, mu: workflow.NewMutex(ctx)}
	if err := w.register(ctx); err != nil {
		return ConsultationResult{}, err
	}
	workflow.Go(ctx, func(ctx workflow.Context) { receiveTaskNotices(ctx, w.applyNotice) })
	next := func() time.Time { return w.nextTimer(ctx) }
	if err := runUntilEnded(ctx, w.step, func() bool { return w.c.Phase.Ended() }, next, &w.changes); err != nil {
		return ConsultationResult{}, err
	}
	return ConsultationResult{Phase: w.c.Phase, Comments: w.c.Counts.Total}, nil
}

func (w *consultationState) office(u domain.User) bool {
	return u.HasFor(domain.RoleOffice, w.c.Committee)
}

func (w *consultationState) register(ctx workflow.Context) error {
	check := func(a Action, apply func(c *domain.Consultation) error) error {
		if !w.office(a.Actor) {
			return refuse(domain.Forbidden())
		}
		c := cloneConsultation(w.c)
		return refuse(apply(&c))
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdatePublishReport, w.publish, workflow.UpdateHandlerOptions{
		Validator: func(ctx workflow.Context, q PublishReportRequest) error {
			return check(q.Action, func(c *domain.Consultation) error { return c.InPhase(domain.ConsultationReplying) })
		}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancelConsultation, w.cancel, workflow.UpdateHandlerOptions{
		Validator: func(ctx workflow.Context, q ReasonRequest) error {
			return check(q.Action, func(c *domain.Consultation) error { return cancelConsultation(c, q.Reason, time.Time{}, "") })
		}}); err != nil {
		return err
	}
	return workflow.SetQueryHandler(ctx, QueryConsultation, func() (domain.Consultation, error) { return w.c, nil })
}

// cloneConsultation copies the parts of a consultation a change may alter
// in place.
func cloneConsultation(c domain.Consultation) domain.Consultation {
	c.Steps = append([]domain.Step(nil), c.Steps...)
	c.Departments = append([]domain.ConsultedDepartment(nil), c.Departments...)
	return c
}

func (w *consultationState) change(ctx workflow.Context, a Action, kind string, detail map[string]any,
	apply func(c *domain.Consultation, now time.Time, by string) error, effects func(ctx workflow.Context) error) (domain.Consultation, error) {
	return changeUnder(ctx, w.mu, &w.c, cloneConsultation, a, "consultation", kind, detail, apply, effects, w.save)
}

func (w *consultationState) save(ctx workflow.Context, key string, ev domain.CycleEvent, audit *domain.AuditRecord) error {
	return w.record(ctx, domain.ConsultationChange{Key: key, Event: ev, Audit: audit})
}

// record stores the consultation's new state with a change's event (and
// the department comments it files).
func (w *consultationState) record(ctx workflow.Context, ch domain.ConsultationChange) error {
	w.c.Version++
	w.changes++
	ch.Consultation = w.c
	var m *activities.Consultations
	lctx := workflow.WithLocalActivityOptions(ctx, localRecordOptions)
	return workflow.ExecuteLocalActivity(lctx, m.RecordConsultation, ch).Get(lctx, nil)
}

func (w *consultationState) system(ctx workflow.Context, kind string, detail map[string]any) error {
	return w.save(ctx, w.c.ID+":"+kind+":"+strconv.Itoa(w.c.Version), domain.CycleEvent{At: workflow.Now(ctx), Actor: SystemActor, Kind: kind, Detail: detail}, nil)
}

func (w *consultationState) notify(ctx workflow.Context, n activities.NoticeInput) error {
	var m *activities.Processes
	n.Key = w.c.ID + ":" + n.Key
	if n.Link == "" {
		n.Link = "/consultations/" + w.c.Slug + "/manage"
	}
	if n.Params == nil {
		n.Params = map[string]any{}
	}
	n.Params["title"] = w.c.Title
	actx := workflow.WithActivityOptions(ctx, recordOptions)
	return workflow.ExecuteActivity(actx, m.Notify, n).Get(actx, nil)
}

func (w *consultationState) counts(ctx workflow.Context) error {
	var m *activities.Consultations
	actx := workflow.WithActivityOptions(ctx, recordOptions)
	return workflow.ExecuteActivity(actx, m.CommentCounts, w.c.ID).Get(actx, &w.c.Counts)
}

func (w *consultationState) deadline(ctx workflow.Context, from time.Time, days int) (time.Time, error) {
	var m *activities.Processes
	var due time.Time
	actx := workflow.WithActivityOptions(ctx, recordOptions)
	err := workflow.ExecuteActivity(actx, m.Deadline, activities.DeadlineInput{Days: days, From: from}).Get(actx, &due)
	return due, err
}

// step carries out what the dates and the state call for by themselves.
func (w *consultationState) step(ctx workflow.Context) (bool, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return false, err
	}
	defer w.mu.Unlock()
	now := workflow.Now(ctx)
	c := &w.c
	switch c.Phase {
	case domain.ConsultationScheduled:
		if now.Before(c.OpensAt) {
			return false, nil
		}
		if err := w.openTasks(ctx); err != nil {
			return false, err
		}
		c.StepInto(domain.ConsultationOpen, now, SystemActor, "")
		return true, w.system(ctx, "opened", map[string]any{"departments": len(c.Departments)})
	case domain.ConsultationOpen:
		if now.Before(c.ClosesAt) {
			return false, nil
		}
		if err := w.counts(ctx); err != nil {
			return false, err
		}
		due, err := w.deadline(ctx, c.FeedbackDueAt, c.ReplyDays)
		if err != nil {
			return false, err
		}
		c.ReplyDueAt = due
		c.StepInto(domain.ConsultationReplying, now, SystemActor, "")
		if err := w.notify(ctx, activities.NoticeInput{Key: "closed", Committee: c.Committee, Role: "office", Message: "notify.consultation_closed",
			Params: map[string]any{"count": c.Counts.Total, "due": due.In(calendar.Location).Format("2006-01-02 15:04")}}); err != nil {
			return false, err
		}
		return true, w.system(ctx, "closed", map[string]any{"comments": c.Counts.Total, "reply_due_at": due})
	case domain.ConsultationReplying:
		return w.stepReplying(ctx, now)
	}
	return false, nil
}

// stepReplying closes the departments' feedback at its deadline, then
// reminds the office of unanswered comments each working day and tells
// the conveners once the replies are overdue.
func (w *consultationState) stepReplying(ctx workflow.Context, now time.Time) (bool, error) {
	c := &w.c
	if pending := w.pendingTasks(); !now.Before(c.FeedbackDueAt) && len(pending) > 0 {
		var missed []domain.Code
		for i := range c.Departments {
			if d := &c.Departments[i]; d.Status == domain.DeptCommentPending {
				d.Status = domain.DeptCommentMissed
				missed = append(missed, d.Department)
			}
		}
		commandTasks(ctx, pending, ProcessCommand{Withdraw: true, Reason: "反馈意见已截止 The deadline for written feedback has passed"})
		return true, w.system(ctx, "feedback-closed", map[string]any{"missed": missed})
	}
	if now.Before(c.FeedbackDueAt) {
		return false, nil
	}
	if c.NextReminderAt.IsZero() || !now.Before(c.NextReminderAt) {
		if err := w.counts(ctx); err != nil {
			return false, err
		}
		next, err := w.deadline(ctx, now, 1)
		if err != nil {
			return false, err
		}
		first := c.NextReminderAt.IsZero()
		c.NextReminderAt = next
		if n := c.Counts.Unreplied(); n > 0 && !first {
			c.Reminders++
			if err := w.notify(ctx, activities.NoticeInput{Key: "remind:" + strconv.Itoa(c.Reminders), Committee: c.Committee, Role: "office",
				Message: "notify.consultation_unreplied", Params: map[string]any{"count": n, "due": c.ReplyDueAt.In(calendar.Location).Format("2006-01-02 15:04")}}); err != nil {
				return false, err
			}
			if !c.Escalated && !now.Before(c.ReplyDueAt) {
				c.Escalated = true
				if err := w.notify(ctx, activities.NoticeInput{Key: "escalated", Committee: c.Committee, Role: "convener",
					Message: "notify.consultation_overdue", Params: map[string]any{"count": n}}); err != nil {
					return false, err
				}
				return true, w.system(ctx, "replies-overdue", map[string]any{"unreplied": n})
			}
			return true, w.system(ctx, "reminded", map[string]any{"unreplied": n, "reminder": c.Reminders})
		}
		// Nothing to remind of (yet): only the next look is scheduled.
		w.changes++
		return true, nil
	}
	return false, nil
}

func (w *consultationState) nextTimer(ctx workflow.Context) time.Time {
	c := w.c
	switch c.Phase {
	case domain.ConsultationScheduled:
		return c.OpensAt
	case domain.ConsultationOpen:
		return c.ClosesAt
	case domain.ConsultationReplying:
		if workflow.Now(ctx).Before(c.FeedbackDueAt) {
			return c.FeedbackDueAt
		}
		return c.NextReminderAt
	}
	return time.Time{}
}

func (w *consultationState) pendingTasks() []int64 {
	var ids []int64
	for _, d := range w.c.Departments {
		if d.Status == domain.DeptCommentPending && d.TaskID != 0 {
			ids = append(ids, d.TaskID)
		}
	}
	return ids
}

// openTasks opens each consulted department's comment task, due at the
// feedback deadline, and keeps their ids.
func (w *consultationState) openTasks(ctx workflow.Context) error {
	c := &w.c
	specs := make([]activities.TaskSpec, 0, len(c.Departments))
	for _, d := range c.Departments {
		specs = append(specs, activities.TaskSpec{Key: c.ID + ":comments:" + d.Department, Kind: domain.KindDraftComments, Lead: d.Department,
			Title: "征求意见 Comments on a draft: " + c.Title,
			Body: "请研究征求意见稿，对全文或具体条目提出修改意见；没有意见的请勾选“无意见”。\n" +
				"Study the draft and comment on the whole or on its sections; tick “no comments” if you have none.\n/consultations/" + c.Slug,
			Form: domain.ConsultationForm(*c), DueAt: c.FeedbackDueAt})
	}
	src := domain.TaskSource{Kind: domain.SourceConsultation, ID: c.ID, Committee: c.Committee}
	opened, err := openProcessTasks(ctx, src, c.StartedBy, specs)
	if err != nil {
		return err
	}
	for _, o := range opened {
		if d := c.Department(o.Lead); d != nil {
			d.TaskID = o.ID
		}
	}
	return nil
}

// applyNotice files what a department's comment task brings: its
// comments, or its answer that it has none.
func (w *consultationState) applyNotice(ctx workflow.Context, n TaskNotice) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	d := w.c.DepartmentByTask(n.TaskID)
	if d == nil || n.Kind != domain.KindDraftComments || n.Status != domain.TaskAccepted || d.Status != domain.DeptCommentPending || w.c.Phase.Ended() {
		return nil
	}
	comments, _ := domain.CommentsValue(n.Values["comments"])
	filed := make([]domain.ConsultationComment, len(comments))
	for i, k := range comments {
		filed[i] = domain.ConsultationComment{Section: k.Section, Body: strings.TrimSpace(k.Body), Department: d.Department, TaskID: n.TaskID, At: n.At}
	}
	d.Status, d.Comments, d.At = domain.DeptCommentSubmitted, len(filed), n.At
	if len(filed) == 0 {
		d.Status = domain.DeptCommentNone
	}
	now := workflow.Now(ctx)
	return w.record(ctx, domain.ConsultationChange{Key: w.c.ID + ":task:" + strconv.FormatInt(n.TaskID, 10),
		Event:    domain.CycleEvent{At: now, Actor: SystemActor, Kind: "department-commented", Detail: map[string]any{"department": d.Department, "comments": len(filed), "task_id": n.TaskID}},
		Comments: filed})
}

// publish publishes the adoption report: only once the window has closed,
// the departments' feedback is in (or its deadline passed) and every
// comment has its answer.
func (w *consultationState) publish(ctx workflow.Context, q PublishReportRequest) (domain.Consultation, error) {
	if err := w.counts(ctx); err != nil {
		return w.c, err
	}
	counts := w.c.Counts
	return w.change(ctx, q.Action, "reported", map[string]any{"revised_draft": q.RevisedDraft, "comments": counts.Total},
		func(c *domain.Consultation, now time.Time, by string) error {
			if err := c.InPhase(domain.ConsultationReplying); err != nil {
				return err
			}
			if pending := c.DepartmentsPending(); len(pending) > 0 && now.Before(c.FeedbackDueAt) {
				return domain.Conflict("error.departments_pending", map[string]any{"count": len(pending)})
			}
			if n := counts.Unreplied(); n > 0 {
				return domain.Conflict("error.comments_unreplied", map[string]any{"count": n})
			}
			c.Report = &domain.ConsultationReport{PublishedAt: now, By: by, Summary: strings.TrimSpace(q.Summary), RevisedDraft: q.RevisedDraft, Counts: counts}
			c.StepInto(domain.ConsultationReported, now, by, "")
			return nil
		},
		func(ctx workflow.Context) error {
			commandTasks(ctx, w.pendingTasks(), ProcessCommand{Withdraw: true, Reason: "意见采纳情况已公布 The adoption report is published"})
			var depts []domain.Code
			for _, d := range w.c.Departments {
				depts = append(depts, d.Department)
			}
			return w.notify(ctx, activities.NoticeInput{Key: "reported", Departments: depts, Committee: w.c.Committee, Role: "office",
				Message: "notify.consultation_reported", Link: "/consultations/" + w.c.Slug + "/report"})
		})
}

func cancelConsultation(c *domain.Consultation, reason string, now time.Time, by string) error {
	if err := c.InPhase(domain.ConsultationScheduled, domain.ConsultationOpen, domain.ConsultationReplying); err != nil {
		return err
	}
	var v domain.Validation
	v.Check(strings.TrimSpace(reason) != "", "reason", "validation.required", nil)
	if err := v.Err(); err != nil {
		return err
	}
	c.StepInto(domain.ConsultationCancelled, now, by, reason)
	return nil
}

func (w *consultationState) cancel(ctx workflow.Context, q ReasonRequest) (domain.Consultation, error) {
	return w.change(ctx, q.Action, "cancelled", map[string]any{"reason": q.Reason},
		func(c *domain.Consultation, now time.Time, by string) error {
			return cancelConsultation(c, q.Reason, now, by)
		},
		func(ctx workflow.Context) error {
			commandTasks(ctx, w.pendingTasks(), ProcessCommand{Withdraw: true, Reason: "征求意见已撤回 The consultation was withdrawn"})
			return nil
		})
}
