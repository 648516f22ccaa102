package workflows

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"lianxi/activities"
	"lianxi/internal/domain"
)

// Update and query names of the MeetingCycle workflow.
const (
	UpdateAddItem         = "add-item"
	UpdateCloseAgendaCall = "close-agenda-call"
	UpdateExtendAgenda    = "extend-agenda-call"
	UpdateCompile         = "compile"
	UpdateApproveAgenda   = "approve-agenda"
	UpdateReturnAgenda    = "return-agenda"
	UpdateNotice          = "notice"
	UpdateRecord          = "record"
	UpdateCarryOver       = "carry-over"
	UpdateCancelCycle     = "cancel-cycle"
	QueryCycle            = "cycle"
)

// DefaultCycleHistoryLimit is the history length past which a cycle
// continues as new, well before the server's limits: cycles live for
// months.
const DefaultCycleHistoryLimit = 5000

// MeetingCycleInput starts (or continues) a cycle with its state.
type MeetingCycleInput struct {
	Cycle domain.Cycle
	// HistoryLimit overrides DefaultCycleHistoryLimit (tests set it low).
	HistoryLimit int
}

// MeetingCycleResult is how a cycle ended.
type MeetingCycleResult struct {
	Phase     domain.Phase
	Decisions int
}

// Requests of the cycle's updates. Each carries the Action (who acts); the
// HTTP layer overwrites it with the signed-in user.
type (
	// AddItemRequest adds an item as the office.
	AddItemRequest struct {
		Action
		Item domain.ItemInput `json:"item"`
	}
	// NoteRequest carries an optional note (closing the call, approving).
	NoteRequest struct {
		Action
		Note string `json:"note"`
	}
	// ExtendRequest sets a new deadline for the agenda call.
	ExtendRequest struct {
		Action
		DueAt time.Time `json:"due_at"`
	}
	// CompileRequest arranges the agenda and sends it to the convener.
	CompileRequest struct {
		Action
		domain.Compilation
	}
	// ReturnAgendaRequest returns the agenda with the convener's comments.
	ReturnAgendaRequest struct {
		Action
		Comments string `json:"comments"`
	}
	// NoticeRequest sets date, time and place.
	NoticeRequest struct {
		Action
		domain.Notice
	}
	// RecordRequest records the meeting.
	RecordRequest struct {
		Action
		domain.MeetingRecord
	}
	// CarryOverRequest carries an unfinished decision to the next cycle.
	CarryOverRequest struct {
		Action
		Decision int    `json:"decision"`
		Reason   string `json:"reason"`
	}
)

// cycleState is the MeetingCycle workflow's state. One change at a time:
// every handler and the main loop take the mutex before changing the
// cycle, and each change is recorded before the next begins.
type cycleState struct {
	c       domain.Cycle
	mu      workflow.Mutex
	changes int // bumped on every change, to wake the main loop
	pending int // task notices received and not yet applied
}

// MeetingCycle runs one joint meeting of a committee from the agenda call
// to the close: it opens the departments' tasks, waits for their answers
// (signals from the tasks) and for the office's and the convener's actions
// (Updates, validated before they enter history), watches the deadlines,
// asks for progress reports and closes when every follow-up is accepted or
// carried over. It continues as new before its history grows large.
func MeetingCycle(ctx workflow.Context, in MeetingCycleInput) (MeetingCycleResult, error) {
	w := &cycleState{c: in.Cycle, mu: workflow.NewMutex(ctx)}
	limit := in.HistoryLimit
	if limit <= 0 {
		limit = DefaultCycleHistoryLimit
	}
	if err := w.register(ctx); err != nil {
		return MeetingCycleResult{}, err
	}
	workflow.Go(ctx, w.taskNotices)
	for {
		progressed, err := w.step(ctx)
		if err != nil {
			return MeetingCycleResult{}, err
		}
		if progressed {
			continue
		}
		if w.c.Phase.Ended() {
			break
		}
		info := workflow.GetInfo(ctx)
		if info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > limit {
			// Let every handler and notice finish: nothing received is lost.
			if err := workflow.Await(ctx, func() bool { return w.pending == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
				return MeetingCycleResult{}, err
			}
			return MeetingCycleResult{}, workflow.NewContinueAsNewError(ctx, MeetingCycle, MeetingCycleInput{Cycle: w.c, HistoryLimit: in.HistoryLimit})
		}
		seen := w.changes
		woken := func() bool { return w.changes != seen || workflow.GetInfo(ctx).GetContinueAsNewSuggested() }
		if at := w.nextTimer(); at.IsZero() {
			err = workflow.Await(ctx, woken)
		} else {
			_, err = workflow.AwaitWithTimeout(ctx, max(at.Sub(workflow.Now(ctx)), time.Second), woken)
		}
		if err != nil {
			return MeetingCycleResult{}, err
		}
	}
	if err := workflow.Await(ctx, func() bool { return w.pending == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
		return MeetingCycleResult{}, err
	}
	return MeetingCycleResult{Phase: w.c.Phase, Decisions: len(w.c.Decisions)}, nil
}

func (w *cycleState) register(ctx workflow.Context) error {
	office, convener := w.office, w.convener
	handlers := []struct {
		name     string
		handler  any
		validate any
	}{
		{UpdateAddItem, w.addItem, func(ctx workflow.Context, r AddItemRequest) error {
			return w.check(r.Action, office, func(c *domain.Cycle) error { return c.AddItem(r.Item) })
		}},
		{UpdateCloseAgendaCall, w.closeAgendaCall, func(ctx workflow.Context, r NoteRequest) error {
			return w.check(r.Action, office, func(c *domain.Cycle) error { return closeCall(c, r.Note, workflow.Now(ctx), "") })
		}},
		{UpdateExtendAgenda, w.extendAgendaCall, func(ctx workflow.Context, r ExtendRequest) error {
			return w.check(r.Action, office, func(c *domain.Cycle) error { return c.ExtendAgendaCall(r.DueAt, workflow.Now(ctx)) })
		}},
		{UpdateCompile, w.compile, func(ctx workflow.Context, r CompileRequest) error {
			return w.check(r.Action, office, func(c *domain.Cycle) error { return c.Compile(r.Compilation, workflow.Now(ctx), "") })
		}},
		{UpdateApproveAgenda, w.approve, func(ctx workflow.Context, r NoteRequest) error {
			return w.check(r.Action, convener, func(c *domain.Cycle) error { return c.ApproveAgenda(r.Note, workflow.Now(ctx), "") })
		}},
		{UpdateReturnAgenda, w.returnAgenda, func(ctx workflow.Context, r ReturnAgendaRequest) error {
			return w.check(r.Action, convener, func(c *domain.Cycle) error { return c.ReturnAgenda(r.Comments, workflow.Now(ctx), "") })
		}},
		{UpdateNotice, w.notice, func(ctx workflow.Context, r NoticeRequest) error {
			return w.check(r.Action, office, func(c *domain.Cycle) error { return c.SendNotice(r.Notice, workflow.Now(ctx)) })
		}},
		{UpdateRecord, w.record, func(ctx workflow.Context, r RecordRequest) error {
			return w.check(r.Action, office, func(c *domain.Cycle) error { return c.Record(r.MeetingRecord, workflow.Now(ctx), "") })
		}},
		{UpdateCarryOver, w.carryOver, func(ctx workflow.Context, r CarryOverRequest) error {
			return w.check(r.Action, office, func(c *domain.Cycle) error { return c.CarryOver(r.Decision, r.Reason) })
		}},
		{UpdateCancelCycle, w.cancel, func(ctx workflow.Context, r ReasonRequest) error {
			return w.check(r.Action, office, func(c *domain.Cycle) error { return c.Cancel(r.Reason, workflow.Now(ctx), "") })
		}},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler, workflow.UpdateHandlerOptions{Validator: h.validate}); err != nil {
			return err
		}
	}
	return workflow.SetQueryHandler(ctx, QueryCycle, func() (domain.Cycle, error) { return w.c, nil })
}

func (w *cycleState) office(u domain.User) bool { return u.HasFor(domain.RoleOffice, w.c.Committee) }
func (w *cycleState) convener(u domain.User) bool {
	return u.HasFor(domain.RoleConvener, w.c.Committee)
}

// check is a validator: whether the actor may act, and whether the change
// applies to (a copy of) the cycle as it stands.
func (w *cycleState) check(a Action, allowed func(domain.User) bool, apply func(*domain.Cycle) error) error {
	if !allowed(a.Actor) {
		return refuse(domain.Forbidden())
	}
	c := w.c.Clone()
	return refuse(apply(&c))
}

func actorOf(a Action) string {
	if a.Deputy != "" {
		return a.Deputy
	}
	return a.Actor.Username
}

// change runs one change under the mutex: apply it (checked again, as
// another change may have come first), carry out its effects, then record
// the new state with its event and audit record.
func (w *cycleState) change(ctx workflow.Context, a Action, kind string, detail map[string]any,
	apply func(c *domain.Cycle, now time.Time, by string) error, effects func(ctx workflow.Context) error) (domain.Cycle, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.c, err
	}
	defer w.mu.Unlock()
	now, by := workflow.Now(ctx), actorOf(a)
	next := w.c.Clone()
	if err := apply(&next, now, by); err != nil {
		return w.c, refuse(err)
	}
	w.c = next
	if effects != nil {
		if err := effects(ctx); err != nil {
			return w.c, err
		}
	}
	audit := &domain.AuditRecord{Actor: by, Action: "meeting." + kind, Result: domain.AuditOK}
	if a.Deputy != "" {
		audit.Detail = map[string]string{"on_behalf_of": a.Actor.Username}
	}
	key := workflow.GetInfo(ctx).WorkflowExecution.ID + ":" + workflow.GetCurrentUpdateInfo(ctx).ID
	return w.c, w.save(ctx, key, domain.CycleEvent{At: now, Actor: by, Kind: kind, Detail: detail}, audit)
}

// save records the state (a new version) with an event; the caller holds
// the mutex.
func (w *cycleState) save(ctx workflow.Context, key string, ev domain.CycleEvent, audit *domain.AuditRecord) error {
	w.c.Version++
	w.changes++
	var m *activities.Processes
	lctx := workflow.WithLocalActivityOptions(ctx, localRecordOptions)
	return workflow.ExecuteLocalActivity(lctx, m.RecordCycle, domain.CycleChange{Key: key, Cycle: w.c, Event: ev, Audit: audit}).Get(lctx, nil)
}

func (w *cycleState) source() domain.TaskSource {
	return domain.TaskSource{Kind: domain.SourceMeeting, ID: w.c.ID, Committee: w.c.Committee}
}

func (w *cycleState) open(ctx workflow.Context, actor string, specs []activities.TaskSpec) (map[string]activities.OpenedTask, error) {
	out := map[string]activities.OpenedTask{}
	if len(specs) == 0 {
		return out, nil
	}
	var m *activities.Processes
	var opened []activities.OpenedTask
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 5 * time.Minute, RetryPolicy: recordOptions.RetryPolicy})
	if err := workflow.ExecuteActivity(actx, m.OpenTasks, activities.OpenTasksInput{Source: w.source(), Actor: actor, Tasks: specs}).Get(actx, &opened); err != nil {
		return nil, err
	}
	for _, o := range opened {
		out[o.Key] = o
	}
	return out, nil
}

func (w *cycleState) notify(ctx workflow.Context, n activities.NoticeInput) error {
	var m *activities.Processes
	n.Key = w.c.ID + ":" + n.Key
	if n.Link == "" {
		n.Link = "/cycles/" + w.c.ID
	}
	actx := workflow.WithActivityOptions(ctx, recordOptions)
	return workflow.ExecuteActivity(actx, m.Notify, n).Get(actx, nil)
}

func (w *cycleState) pendingAgendaTasks() []int64 {
	var ids []int64
	for _, s := range w.c.Submissions {
		if s.State == domain.SubmissionPending {
			ids = append(ids, s.TaskID)
		}
	}
	return ids
}

func (w *cycleState) title(key string) string {
	return fmt.Sprintf("%s %s · %s", w.c.CommitteeName, w.c.Period, key)
}

// step carries out what the state calls for without anyone acting: open
// the agenda call's tasks, go on when every department answered, mark a
// passed deadline, ask for progress reports, close when the follow-ups are
// done.
func (w *cycleState) step(ctx workflow.Context) (progressed bool, err error) {
	if err := w.mu.Lock(ctx); err != nil {
		return false, err
	}
	defer w.mu.Unlock()
	now := workflow.Now(ctx)
	c := &w.c
	switch c.Phase {
	case domain.PhaseAgendaCall:
		var specs []activities.TaskSpec
		for _, s := range c.Submissions {
			if s.TaskID == 0 && s.State == domain.SubmissionPending {
				specs = append(specs, activities.TaskSpec{Key: c.ID + ":agenda:" + s.Department, Kind: domain.KindAgendaItems, Lead: s.Department,
					Title: w.title("议题征集 Agenda call"), Body: agendaCallBody(*c), Form: domain.AgendaForm(), DueAt: c.AgendaDue})
			}
		}
		if len(specs) > 0 {
			opened, err := w.open(ctx, c.StartedBy, specs)
			if err != nil {
				return false, err
			}
			for i := range c.Submissions {
				if o, ok := opened[c.ID+":agenda:"+c.Submissions[i].Department]; ok {
					c.Submissions[i].TaskID = o.ID
				}
			}
			return true, w.save(ctx, c.ID+":agenda-opened", domain.CycleEvent{At: now, Actor: SystemActor, Kind: "agenda-call-opened",
				Detail: map[string]any{"tasks": len(opened), "due_at": c.AgendaDue}}, nil)
		}
		if c.AllSubmitted() {
			_ = c.CloseAgendaCall(now, SystemActor, "")
			return true, w.save(ctx, c.ID+":agenda-complete", domain.CycleEvent{At: now, Actor: SystemActor, Kind: "agenda-call-closed",
				Detail: map[string]any{"missing": []string{}}}, nil)
		}
		if !c.AgendaOverdue && !now.Before(c.AgendaDue) {
			c.AgendaOverdue = true
			_, missing := c.Waiting()
			due := c.AgendaDue.Format(time.RFC3339)
			if err := w.notify(ctx, activities.NoticeInput{Key: "agenda-overdue:" + due, Committee: c.Committee, Role: "office",
				Message: "notify.agenda_overdue", Params: map[string]any{"period": string(c.Period), "count": len(missing)}}); err != nil {
				return false, err
			}
			return true, w.save(ctx, c.ID+":agenda-overdue:"+due, domain.CycleEvent{At: now, Actor: SystemActor, Kind: "agenda-call-overdue",
				Detail: map[string]any{"missing": missing}}, nil)
		}
	case domain.PhaseFollowUp:
		if c.FollowUpsDone() {
			c.Close(now, SystemActor)
			return true, w.save(ctx, c.ID+":closed", domain.CycleEvent{At: now, Actor: SystemActor, Kind: "closed"}, nil)
		}
		if !c.NextReportAt.IsZero() && !now.Before(c.NextReportAt) {
			return true, w.askForReports(ctx, now)
		}
	}
	return false, nil
}

// askForReports opens a progress-report task for every decision still
// open, and sets the next round.
func (w *cycleState) askForReports(ctx workflow.Context, now time.Time) error {
	c := &w.c
	c.Reports++
	round := strconv.Itoa(c.Reports)
	var specs []activities.TaskSpec
	for _, d := range c.Decisions {
		if d.Status == domain.DecisionOpen {
			specs = append(specs, activities.TaskSpec{Key: c.ID + ":report:" + round + ":" + strconv.Itoa(d.ID), Kind: domain.KindProgressReport,
				Lead: d.Lead, Title: w.title("进展报告 Progress report: " + d.Title), Body: d.DoneWhen, Form: domain.ProgressForm(), DueDays: c.Settings.ReportDays})
		}
	}
	opened, err := w.open(ctx, SystemActor, specs)
	if err != nil {
		return err
	}
	for i := range c.Decisions {
		d := &c.Decisions[i]
		if o, ok := opened[c.ID+":report:"+round+":"+strconv.Itoa(d.ID)]; ok {
			d.Reports = append(d.Reports, domain.ProgressReport{TaskID: o.ID})
		}
	}
	c.NextReportAt = c.NextReportAt.AddDate(0, c.Settings.ReportEveryMonths, 0)
	return w.save(ctx, c.ID+":reports:"+round, domain.CycleEvent{At: now, Actor: SystemActor, Kind: "progress-reports-requested",
		Detail: map[string]any{"round": c.Reports, "tasks": len(opened)}}, nil)
}

// nextTimer is when the main loop must wake up by itself: the agenda
// call's deadline, the next round of progress reports.
func (w *cycleState) nextTimer() time.Time {
	switch {
	case w.c.Phase == domain.PhaseAgendaCall && !w.c.AgendaOverdue:
		return w.c.AgendaDue
	case w.c.Phase == domain.PhaseFollowUp:
		return w.c.NextReportAt
	}
	return time.Time{}
}

// taskNotices applies what the cycle's tasks report: agenda items
// submitted, attendance answered, results submitted, accepted or returned,
// progress reported.
func (w *cycleState) taskNotices(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalTaskChanged)
	for {
		var n TaskNotice
		ch.Receive(ctx, &n)
		w.pending++
		if err := w.applyNotice(ctx, n); err != nil {
			workflow.GetLogger(ctx).Error("task notice not recorded", "task", n.TaskID, "err", err)
		}
		w.pending--
	}
}

func (w *cycleState) applyNotice(ctx workflow.Context, n TaskNotice) error {
	if err := w.mu.Lock(ctx); err != nil {
		return err
	}
	defer w.mu.Unlock()
	c := &w.c
	kind := ""
	detail := map[string]any{"task_id": n.TaskID, "department": n.Lead}
	switch n.Kind {
	case domain.KindAgendaItems:
		if n.Status != domain.TaskAccepted || c.Phase != domain.PhaseAgendaCall {
			return nil
		}
		items, _ := domain.ItemsValue(n.Values["items"])
		c.Submit(n.Lead, n.TaskID, n.At, items)
		kind, detail["items"] = "agenda-submitted", len(items)
	case domain.KindAttendance:
		if n.Status != domain.TaskAccepted || c.Phase != domain.PhaseNotice {
			return nil
		}
		c.Answer(n.Lead, n.TaskID, n.Values)
		kind, detail["answer"] = "attendance-answered", n.Values["answer"]
	case domain.KindDecision:
		d := c.DecisionByTask(n.TaskID)
		if d == nil || d.Status == domain.DecisionCarriedOver && n.Status != domain.TaskAccepted {
			return nil
		}
		switch n.Status {
		case domain.TaskSubmitted:
			d.Status, kind = domain.DecisionSubmitted, "result-submitted"
		case domain.TaskAccepted:
			d.Status, kind = domain.DecisionAccepted, "result-accepted"
		case domain.TaskInProgress:
			if d.Status != domain.DecisionSubmitted {
				return nil
			}
			d.Status, kind = domain.DecisionOpen, "result-returned"
		case domain.TaskCancelled:
			d.Status, d.Reason, kind = domain.DecisionCarriedOver, "cancelled", "follow-up-cancelled"
		default:
			return nil
		}
		detail["decision"] = d.ID
	case domain.KindProgressReport:
		if n.Status != domain.TaskAccepted {
			return nil
		}
		for i := range c.Decisions {
			for j := range c.Decisions[i].Reports {
				r := &c.Decisions[i].Reports[j]
				if r.TaskID == n.TaskID {
					r.Text, _ = n.Values["progress"].(string)
					r.At = n.At
					kind, detail["decision"] = "progress-reported", c.Decisions[i].ID
				}
			}
		}
	}
	if kind == "" {
		return nil
	}
	key := c.ID + ":task:" + strconv.FormatInt(n.TaskID, 10) + ":" + string(n.Status) + ":" + n.At.Format(time.RFC3339Nano)
	return w.save(ctx, key, domain.CycleEvent{At: workflow.Now(ctx), Actor: SystemActor, Kind: kind, Detail: detail}, nil)
}

func agendaCallBody(c domain.Cycle) string {
	body := "请于截止日期前提交本次联席会议的议题（标题、简要说明、需会议决定的事项、附件），如无议题请勾选“本次无议题”。\n" +
		"Please submit your agenda items for this joint meeting (title, summary, the decision requested, attachments) by the due date, or declare that you have none."
	var carried []string
	for _, it := range c.Items {
		if it.CarriedFrom != "" {
			carried = append(carried, "· "+it.Title)
		}
	}
	if len(carried) > 0 {
		body += "\n\n上次会议结转事项 Carried over from the last cycle:\n" + strings.Join(carried, "\n")
	}
	return body
}

func (w *cycleState) addItem(ctx workflow.Context, r AddItemRequest) (domain.Cycle, error) {
	return w.change(ctx, r.Action, "item-added", map[string]any{"title": r.Item.Title, "section": r.Item.Section},
		func(c *domain.Cycle, _ time.Time, _ string) error { return c.AddItem(r.Item) }, nil)
}

func closeCall(c *domain.Cycle, note string, now time.Time, by string) error {
	return c.CloseAgendaCall(now, by, note)
}

func (w *cycleState) closeAgendaCall(ctx workflow.Context, r NoteRequest) (domain.Cycle, error) {
	var withdraw []int64
	detail := map[string]any{"note": r.Note}
	return w.change(ctx, r.Action, "agenda-call-closed", detail,
		func(c *domain.Cycle, now time.Time, by string) error {
			if err := closeCall(c, r.Note, now, by); err != nil {
				return err
			}
			for _, s := range c.Submissions {
				if s.State == domain.SubmissionMissing {
					withdraw = append(withdraw, s.TaskID)
				}
			}
			detail["missing"] = c.Missing()
			return nil
		},
		func(ctx workflow.Context) error {
			commandTasks(ctx, withdraw, ProcessCommand{Withdraw: true, Reason: "议题征集已截止 The agenda call has closed"})
			return nil
		})
}

func (w *cycleState) extendAgendaCall(ctx workflow.Context, r ExtendRequest) (domain.Cycle, error) {
	return w.change(ctx, r.Action, "agenda-call-extended", map[string]any{"due_at": r.DueAt},
		func(c *domain.Cycle, now time.Time, _ string) error { return c.ExtendAgendaCall(r.DueAt, now) },
		func(ctx workflow.Context) error {
			commandTasks(ctx, w.pendingAgendaTasks(), ProcessCommand{DueAt: r.DueAt, Reason: "议题征集延期 The agenda call was extended"})
			return nil
		})
}

func (w *cycleState) compile(ctx workflow.Context, r CompileRequest) (domain.Cycle, error) {
	detail := map[string]any{"order": r.Order, "merged": len(r.Merge), "deferred": len(r.Defer), "rejected": len(r.Reject)}
	return w.change(ctx, r.Action, "compiled", detail,
		func(c *domain.Cycle, now time.Time, by string) error { return c.Compile(r.Compilation, now, by) },
		func(ctx workflow.Context) error {
			// The departments are told what became of items not put on the agenda.
			for _, p := range slices.Concat(r.Defer, r.Reject) {
				it := w.c.Item(p.Item)
				if it == nil || it.Department == "" {
					continue
				}
				if err := w.notify(ctx, activities.NoticeInput{Key: "item:" + strconv.Itoa(it.ID) + ":" + it.Status, Departments: []domain.Code{it.Department},
					Message: "notify.item_" + it.Status, Params: map[string]any{"title": it.Title, "reason": it.Reason}, TaskID: it.TaskID}); err != nil {
					return err
				}
			}
			return w.notify(ctx, activities.NoticeInput{Key: "approval:" + strconv.Itoa(len(w.c.Steps)), Committee: w.c.Committee, Role: "convener",
				Message: "notify.agenda_for_approval", Params: map[string]any{"period": string(w.c.Period)}})
		})
}

func (w *cycleState) approve(ctx workflow.Context, r NoteRequest) (domain.Cycle, error) {
	return w.change(ctx, r.Action, "agenda-approved", map[string]any{"note": r.Note},
		func(c *domain.Cycle, now time.Time, by string) error { return c.ApproveAgenda(r.Note, now, by) }, nil)
}

func (w *cycleState) returnAgenda(ctx workflow.Context, r ReturnAgendaRequest) (domain.Cycle, error) {
	return w.change(ctx, r.Action, "agenda-returned", map[string]any{"comments": r.Comments},
		func(c *domain.Cycle, now time.Time, by string) error { return c.ReturnAgenda(r.Comments, now, by) },
		func(ctx workflow.Context) error {
			return w.notify(ctx, activities.NoticeInput{Key: "returned:" + strconv.Itoa(len(w.c.Steps)), Committee: w.c.Committee, Role: "office",
				Message: "notify.agenda_returned", Params: map[string]any{"period": string(w.c.Period), "comments": r.Comments}})
		})
}

func (w *cycleState) notice(ctx workflow.Context, r NoticeRequest) (domain.Cycle, error) {
	return w.change(ctx, r.Action, "notice-sent", map[string]any{"starts_at": r.StartsAt, "place": r.Place},
		func(c *domain.Cycle, now time.Time, _ string) error { return c.SendNotice(r.Notice, now) },
		func(ctx workflow.Context) error {
			c := &w.c
			when := c.Notice.StartsAt.Format("2006-01-02 15:04")
			var specs []activities.TaskSpec
			for _, a := range c.Attendance {
				if a.TaskID == 0 {
					specs = append(specs, activities.TaskSpec{Key: c.ID + ":attendance:" + a.Department, Kind: domain.KindAttendance, Lead: a.Department,
						Title: w.title("参会回执 Attendance"), Body: "会议时间 Time: " + when + "\n会议地点 Place: " + c.Notice.Place + "\n" + c.Notice.Note,
						Form: domain.AttendanceForm(), DueDays: c.Settings.AttendanceDays})
				}
			}
			opened, err := w.open(ctx, actorOf(r.Action), specs)
			if err != nil {
				return err
			}
			for i := range c.Attendance {
				if o, ok := opened[c.ID+":attendance:"+c.Attendance[i].Department]; ok {
					c.Attendance[i].TaskID = o.ID
				}
			}
			return w.notify(ctx, activities.NoticeInput{Key: "notice:" + c.Notice.StartsAt.Format(time.RFC3339) + ":" + c.Notice.Place,
				Departments: c.Members, Message: "notify.meeting_notice",
				Params: map[string]any{"period": string(c.Period), "when": when, "place": c.Notice.Place}})
		})
}

func (w *cycleState) record(ctx workflow.Context, r RecordRequest) (domain.Cycle, error) {
	return w.change(ctx, r.Action, "meeting-recorded", map[string]any{"decisions": len(r.Decisions)},
		func(c *domain.Cycle, now time.Time, by string) error { return c.Record(r.MeetingRecord, now, by) },
		func(ctx workflow.Context) error {
			c := &w.c
			var unanswered []int64
			for _, a := range c.Attendance {
				if a.Answer == domain.AttendancePending {
					unanswered = append(unanswered, a.TaskID)
				}
			}
			commandTasks(ctx, unanswered, ProcessCommand{Withdraw: true, Reason: "会议已召开 The meeting has been held"})
			var specs []activities.TaskSpec
			for _, d := range c.Decisions {
				if d.TaskID == 0 {
					specs = append(specs, activities.TaskSpec{Key: c.ID + ":decision:" + strconv.Itoa(d.ID), Kind: domain.KindDecision, Lead: d.Lead, Co: d.Co,
						Title: d.Title, Body: "完成标准 Done when: " + d.DoneWhen, Form: domain.ResultForm(), DueAt: d.DueAt})
				}
			}
			opened, err := w.open(ctx, actorOf(r.Action), specs)
			if err != nil {
				return err
			}
			for i := range c.Decisions {
				if o, ok := opened[c.ID+":decision:"+strconv.Itoa(c.Decisions[i].ID)]; ok {
					c.Decisions[i].TaskID = o.ID
				}
			}
			c.NextReportAt = workflow.Now(ctx).AddDate(0, c.Settings.ReportEveryMonths, 0)
			return nil
		})
}

func (w *cycleState) carryOver(ctx workflow.Context, r CarryOverRequest) (domain.Cycle, error) {
	return w.change(ctx, r.Action, "carried-over", map[string]any{"decision": r.Decision, "reason": r.Reason},
		func(c *domain.Cycle, _ time.Time, _ string) error { return c.CarryOver(r.Decision, r.Reason) }, nil)
}

func (w *cycleState) cancel(ctx workflow.Context, r ReasonRequest) (domain.Cycle, error) {
	var open []int64
	return w.change(ctx, r.Action, "cancelled", map[string]any{"reason": r.Reason},
		func(c *domain.Cycle, now time.Time, by string) error {
			open = w.pendingAgendaTasks()
			for _, a := range c.Attendance {
				if a.Answer == domain.AttendancePending {
					open = append(open, a.TaskID)
				}
			}
			return c.Cancel(r.Reason, now, by)
		},
		func(ctx workflow.Context) error {
			commandTasks(ctx, open, ProcessCommand{Withdraw: true, Reason: "会议周期已取消 The meeting cycle was cancelled"})
			return nil
		})
}
