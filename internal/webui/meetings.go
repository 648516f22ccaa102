package webui

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/workflows"
)

// Meetings is what the cycle pages need of the meeting-cycle service
// (meetings.Service): the same calls the API makes, so a page can do
// nothing the API refuses.
type Meetings interface {
	Start(ctx context.Context, actor domain.User, committee domain.Code, in domain.NewCycle, meta auth.Meta) (domain.Cycle, error)
	Get(ctx context.Context, actor domain.User, id string) (domain.Cycle, error)
	List(ctx context.Context, actor domain.User, committee domain.Code) ([]domain.Cycle, error)
	History(ctx context.Context, actor domain.User, id string) ([]domain.CycleEvent, error)
	Act(ctx context.Context, actor domain.User, onBehalfOf, id, update string, build func(workflows.Action) any) (domain.Cycle, error)
	FollowUp(ctx context.Context, actor domain.User, onBehalfOf, id string, decision int, accept bool, note string) (domain.Task, error)
}

// cycleForm is a refused cycle form come back: which form, the message,
// each input's message and everything posted, so that the form shows
// again as the person left it. Inputs are named by what they are about
// ("item.7.reason", "decision.2.lead"); the domain's field names, which
// number list entries as sent ("reject[0].reason"), are renamed to them.
type cycleForm struct {
	Action string
	Error  string
	Fields map[string]string
	Values url.Values
}

// forms is what the forms of a page show: the values each starts with, or,
// for the form just refused, what was typed and the messages.
type forms struct {
	Refused  cycleForm
	Defaults map[string]url.Values // by form
}

// Val is the value an input of a form shows.
func (f forms) Val(form, name string) string {
	if f.Refused.Action == form {
		return f.Refused.Values.Get(name)
	}
	return f.Defaults[form].Get(name)
}

// Has reports whether a value is chosen in a select (of several choices,
// perhaps).
func (f forms) Has(form, name, value string) bool {
	vals := f.Defaults[form][name]
	if f.Refused.Action == form {
		vals = f.Refused.Values[name]
	}
	return slices.Contains(vals, value)
}

// Err is the message of an input of a form, if the form was refused.
func (f forms) Err(form, name string) string {
	if f.Refused.Action != form {
		return ""
	}
	return f.Refused.Fields[name]
}

// Alert is the message of a refused form, shown at its top.
func (f forms) Alert(form string) string {
	if f.Refused.Action != form {
		return ""
	}
	return f.Refused.Error
}

// ID is the element id of an input of a form.
func (f forms) ID(form, name string) string {
	return form + "-" + strings.NewReplacer(".", "-", "[", "-", "]", "").Replace(name)
}

func (f *forms) set(form, name string, vals ...string) {
	if f.Defaults == nil {
		f.Defaults = map[string]url.Values{}
	}
	if f.Defaults[form] == nil {
		f.Defaults[form] = url.Values{}
	}
	f.Defaults[form][name] = vals
}

// refusedForm turns a refusal into the form shown again: the message at
// the top, each field's beside its input. rename gives the input a domain
// field belongs to; "" says the message belongs at the top of the form.
func refusedForm(lang i18n.Lang, action string, posted url.Values, err error, rename func(string) string) cycleForm {
	form := cycleForm{Action: action, Values: posted, Fields: map[string]string{}}
	title, fields := i18n.ErrorMessage(lang, err)
	form.Error = title
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		msg, to := fields[k], k
		if rename != nil {
			to = rename(k)
		}
		switch {
		case to == "":
			form.Error += " " + msg
		case form.Fields[to] != "" && form.Fields[to] != msg:
			form.Fields[to] += i18n.T(lang, "punct.list_sep", nil) + msg
		default:
			form.Fields[to] = msg
		}
	}
	return form
}

// cycleRow is a cycle as the committee's list shows it.
type cycleRow struct {
	ID           string
	Period       string
	Phase        domain.Phase
	PhaseLabel   string
	PlannedMonth string
	JointWith    string
	Waiting      string
	MeetingAt    time.Time
	Place        string
}

// cyclesPage is a committee's meeting cycles, latest first, with the
// office's form to start one.
type cyclesPage struct {
	Committee domain.Committee
	Rows      []cycleRow
	CanStart  bool
	Forms     forms
}

func (p *Pages) cycles(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	p.showCycles(w, r, u, http.StatusOK, cycleForm{})
}

func (p *Pages) showCycles(w http.ResponseWriter, r *http.Request, u domain.User, status int, refused cycleForm) {
	code := chi.URLParam(r, "code")
	if p.meet == nil || !domain.ValidCode(code) {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	ctx := r.Context()
	committee, err := p.dir.GetCommittee(ctx, code)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	cs, err := p.meet.List(ctx, u, code)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "cycle.list.title", "committees")
	v.Title = v.T("cycle.list.title", "committee", committee.Name(v.LangCode))
	data := cyclesPage{Committee: committee, CanStart: u.HasFor(domain.RoleOffice, code), Forms: forms{Refused: refused}}
	for _, c := range cs {
		row := cycleRow{ID: c.ID, Period: string(c.Period), Phase: c.Phase, PhaseLabel: v.T("cycle.phase." + string(c.Phase)),
			PlannedMonth: c.PlannedMonth, JointWith: c.JointWith}
		role, depts := c.Waiting()
		if role != "" {
			row.Waiting = v.T("cycle.waiting."+role, "n", len(depts))
		}
		if c.Notice != nil {
			row.MeetingAt, row.Place = c.Notice.StartsAt, c.Notice.Place
		}
		data.Rows = append(data.Rows, row)
	}
	v.Data = data
	p.render(w, r, status, "cycles", v)
}

// startCycle starts a committee's cycle from the office's form and shows
// it; a refusal (a period started already, a malformed period) shows the
// list again with the messages in the form.
func (p *Pages) startCycle(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if p.meet == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	lang := i18n.FromRequest(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showCycles(w, r, u, http.StatusRequestEntityTooLarge, cycleForm{Action: "start", Error: i18n.T(lang, "error.body_too_large", nil)})
		return
	}
	f := r.PostForm
	in := domain.NewCycle{Period: domain.Period(strings.TrimSpace(f.Get("period"))), PlannedMonth: strings.TrimSpace(f.Get("planned_meeting_month")),
		JointWith: strings.TrimSpace(f.Get("joint_with"))}
	c, err := p.meet.Start(r.Context(), u, chi.URLParam(r, "code"), in, auth.RequestMeta(r))
	if err == nil {
		http.Redirect(w, r, cycleURL(c.ID)+"?done=start", http.StatusSeeOther)
		return
	}
	p.cycleRefused(w, r, u, err, func() {
		p.showCycles(w, r, u, statusOf(err), refusedForm(lang, "start", f, err, nil))
	})
}

// cycleRefused answers a refused action: invalid input or a conflict shows
// the form again (show), a refusal of the person is the audited 403 page,
// anything else the error page.
func (p *Pages) cycleRefused(w http.ResponseWriter, r *http.Request, u domain.User, err error, show func()) {
	switch domain.KindOf(err) {
	case domain.KindInvalid, domain.KindConflict:
		show()
	case domain.KindForbidden:
		p.forbidden(w, r, u)
	default:
		p.fail(w, r, err)
	}
}

// cycleURL is the address of a cycle's page.
func cycleURL(id string) string { return "/cycles/" + id }

// phaseStep is one phase on a cycle's timeline: done, the current one or
// still to come, with when and by whom the cycle entered it.
type phaseStep struct {
	Label string
	State string // "done", "current", "upcoming" or "skipped"
	At    time.Time
	By    string
	Note  string
}

// subRow is one member department's answer to the agenda call, a line of
// the submission matrix.
type subRow struct {
	Department string
	State      string
	Label      string
	At         time.Time
	Task       string // the task's address, for those who may open it
}

// stateCol is a column of the submission matrix.
type stateCol struct {
	State, Label string
	N            int
}

// itemView is an agenda item in words.
type itemView struct {
	domain.AgendaItem
	Ref        string // "#3": how forms and messages name it
	Department string
	StatusText string
	Section    string // which agenda of a combined sitting
	Into       string // the item it was merged into
	Files      []option
}

// attRow is a member department's attendance: its answer, then the record.
type attRow struct {
	Code       string
	Department string
	Answer     string
	Who        string // attendee with post
	Delegate   string // delegate with post
	Recorded   string
	Task       string
}

// reportRow is one progress report on a decision.
type reportRow struct {
	Text string
	At   time.Time
	Task string
}

// decisionRow is a decision with its follow-up.
type decisionRow struct {
	domain.Decision
	ItemRef    string
	LeadName   string
	CoNames    []string
	StatusText string
	Task       string
	Reports    []reportRow
	Form       string // prefix of its forms' names: "decision-3-"
	Review     bool   // the office may accept or return its result
	Carry      bool   // the office may carry it over
}

// cycleCan says which forms a person gets on a cycle. The workflow decides
// in the end; the page only hides what would be refused.
type cycleCan struct {
	AddItem, Extend, Close, Compile bool
	Approve, Return                 bool
	Notice, Record, FollowUp        bool
	Cancel                          bool
	Print                           bool
}

// cyclePage is one cycle: where it stands, who it waits on, its items,
// attendance and decisions, its history, and the forms the person may use.
type cyclePage struct {
	C            domain.Cycle
	Committee    string
	PhaseLabel   string
	Timeline     []phaseStep
	WaitingRole  string
	WaitingOn    []string // the departments waited on, or still to answer while the office is
	WaitingDepts bool     // the departments themselves are waited on
	Cols         []stateCol
	Subs         []subRow
	Missing      []string
	Items        []itemView
	Open         []itemView // the items a compilation places
	Agenda       []itemView
	Attendance   []attRow
	Decisions    []decisionRow
	History      []historyRow
	Members      []option
	Sections     []option // the agendas of a combined sitting
	AgendaOpts   []option // agenda items a decision may belong to
	PlaceOpts    []option // where the compilation may place an item
	AttendOpts   []option // how the record may mark a department
	DecisionRows []int
	MoreRows     string
	Can          cycleCan
	Forms        forms
	Done         string
	Orphan       string
	MinDate      string
	DayEnd       string
}

func (p *Pages) cycle(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if p.meet == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	p.showCycle(w, r, u, chi.URLParam(r, "id"), http.StatusOK, cycleForm{}, r.URL.Query().Get("done"))
}

// cycleOf reads a cycle for a page (see readFor).
func (p *Pages) cycleOf(w http.ResponseWriter, r *http.Request, u domain.User, id string) (domain.Cycle, bool) {
	return readFor(p, w, r, u, func() (domain.Cycle, error) { return p.meet.Get(r.Context(), u, id) })
}

// readFor reads a process (a cycle, a round) for a page: one the person may
// not see is the audited 403 page, as in the API; false when the answer is
// written.
func readFor[T any](p *Pages, w http.ResponseWriter, r *http.Request, u domain.User, get func() (T, error)) (T, bool) {
	x, err := get()
	switch {
	case err == nil:
		return x, true
	case domain.KindOf(err) == domain.KindForbidden:
		p.forbidden(w, r, u)
	default:
		p.fail(w, r, err)
	}
	return x, false
}

// showCycle renders a cycle's page, with a refused form shown again, or
// with the confirmation of the action just done.
func (p *Pages) showCycle(w http.ResponseWriter, r *http.Request, u domain.User, id string, status int, refused cycleForm, done string) {
	ctx := r.Context()
	c, ok := p.cycleOf(w, r, u, id)
	if !ok {
		return
	}
	events, err := p.meet.History(ctx, u, id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "cycle.page.title", "committees")
	n, _, _, err := p.taskNames(ctx, v.Lang)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	cal, err := p.calendar(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	cv := cycleViewer{v: v, n: n, u: u, c: c}
	v.Title = v.T("cycle.page.title", "committee", n.committee(c.Committee), "period", string(c.Period))
	data := cyclePage{C: c, Committee: n.committee(c.Committee), PhaseLabel: v.T("cycle.phase." + string(c.Phase)),
		Timeline: cv.timeline(), Can: cv.can(), Forms: forms{Refused: refused},
		MinDate: calendar.DateOf(maxTime(c.AgendaDue, p.now())).AddDays(1).String(), DayEnd: time.Time{}.Add(cal.DayEnd()).Format("15:04")}
	if key := "cycle.done." + done; done != "" && i18n.Has(v.Lang, key) {
		data.Done = v.T(key)
	}
	role, depts := c.Waiting()
	if role != "" {
		data.WaitingRole, data.WaitingDepts = v.T("cycle.waiting."+role+".long"), role == domain.WaitingDepartments
	}
	for _, d := range depts {
		data.WaitingOn = append(data.WaitingOn, n.org(d))
	}
	data.Cols, data.Subs = cv.submissions()
	for _, d := range c.Missing() {
		data.Missing = append(data.Missing, n.org(d))
	}
	for _, it := range c.Items {
		data.Items = append(data.Items, cv.item(it))
	}
	for _, it := range openItems(c) {
		data.Open = append(data.Open, cv.item(it))
	}
	for _, it := range c.Agenda() {
		iv := cv.item(it)
		data.Agenda = append(data.Agenda, iv)
		data.AgendaOpts = append(data.AgendaOpts, option{Value: strconv.Itoa(it.ID), Label: iv.Ref + " " + it.Title})
	}
	for _, a := range c.Attendance {
		data.Attendance = append(data.Attendance, cv.attendance(a))
	}
	for _, d := range c.Decisions {
		data.Decisions = append(data.Decisions, cv.decision(d, data.Can.FollowUp))
	}
	for _, e := range events {
		data.History = append(data.History, cv.event(e))
	}
	for _, m := range c.Members {
		data.Members = append(data.Members, option{Value: m, Label: n.org(m)})
	}
	for _, s := range []string{placeAgenda, placeMerge, placeDefer, placeReject} {
		data.PlaceOpts = append(data.PlaceOpts, option{Value: s, Label: v.T("cycle.place." + s)})
	}
	for _, s := range []string{domain.AttendedPresent, domain.AttendedDelegate, domain.AttendedAbsent} {
		data.AttendOpts = append(data.AttendOpts, option{Value: s, Label: v.T("cycle.attended." + s)})
	}
	if c.JointWith != "" {
		data.Sections = []option{{Value: "", Label: n.committee(c.Committee)}, {Value: domain.SectionJoint, Label: c.JointWith}}
	}
	rows := decisionRowsOf(r.URL.Query().Get("decisions"), refused)
	for i := range rows {
		data.DecisionRows = append(data.DecisionRows, i)
	}
	if rows < maxDecisionRows {
		data.MoreRows = "?" + url.Values{"decisions": {strconv.Itoa(min(rows+5, maxDecisionRows))}}.Encode() + "#record"
	}
	cv.defaults(&data.Forms)
	// A refusal because the cycle moved on (another office member compiled
	// it meanwhile, say) belongs to a form the page no longer shows: say it
	// at the top instead.
	if refused.Action != "" && !data.Can.shows(refused.Action) {
		data.Orphan = refused.Error
	}
	v.Data = data
	p.render(w, r, status, "cycle", v)
}

// OtherOpen are the items an open item may be merged into: the other
// open ones (the compilation refuses a target left off the agenda).
func (d cyclePage) OtherOpen(id int) []option {
	var out []option
	for _, it := range d.Open {
		if it.ID != id {
			out = append(out, option{Value: strconv.Itoa(it.ID), Label: it.Ref + " " + it.Title})
		}
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// shows reports whether the page offers a form, by its action's name.
func (c cycleCan) shows(action string) bool {
	if strings.HasPrefix(action, "decision-") {
		return c.FollowUp
	}
	return map[string]bool{"add-item": c.AddItem, "extend-agenda-call": c.Extend, "close-agenda-call": c.Close, "compile": c.Compile,
		"approve": c.Approve, "return": c.Return, "notice": c.Notice, "record": c.Record, "cancel": c.Cancel}[action]
}

// cycleViewer puts a cycle into words for one person.
type cycleViewer struct {
	v *view
	n names
	u domain.User
	c domain.Cycle
}

func (cv cycleViewer) office() bool   { return cv.u.HasFor(domain.RoleOffice, cv.c.Committee) }
func (cv cycleViewer) convener() bool { return cv.u.HasFor(domain.RoleConvener, cv.c.Committee) }

// can works out which forms a person gets: the office's in the phases
// where they apply, the convener's while the agenda awaits approval.
func (cv cycleViewer) can() cycleCan {
	c, office := cv.c, cv.office()
	in := func(ps ...domain.Phase) bool { return slices.Contains(ps, c.Phase) }
	return cycleCan{
		AddItem:  office && in(domain.PhaseAgendaCall, domain.PhaseCompilation),
		Extend:   office && in(domain.PhaseAgendaCall),
		Close:    office && in(domain.PhaseAgendaCall),
		Compile:  office && in(domain.PhaseCompilation),
		Approve:  cv.convener() && in(domain.PhaseApproval),
		Return:   cv.convener() && in(domain.PhaseApproval),
		Notice:   office && in(domain.PhaseNotice),
		Record:   office && in(domain.PhaseNotice) && c.Notice != nil,
		FollowUp: office && in(domain.PhaseFollowUp),
		Cancel:   office && !c.Phase.Ended(),
		Print:    len(c.Agenda()) > 0,
	}
}

// taskLink is the address of a department's task, for those who may open
// it: the committee's office and conveners, and the department's people.
func (cv cycleViewer) taskLink(id int64, depts ...domain.Code) string {
	if id == 0 {
		return ""
	}
	if cv.office() || cv.convener() || slices.ContainsFunc(depts, func(d domain.Code) bool { return domain.CanHandle(cv.u, d) }) {
		return "/tasks/" + strconv.FormatInt(id, 10)
	}
	return ""
}

// timeline lays a process's phases out in order (phases, the last of
// them final), each with the last time the process entered it; a
// cancelled process ends where it was cancelled. prefix names the phases
// in the catalogue.
func timeline[P ~string](v *view, prefix string, phases []P, now, cancelled P, steps []domain.Step, actor func(string) string) []phaseStep {
	entered := map[P]domain.Step{}
	for _, s := range steps {
		entered[P(s.Phase)] = s
	}
	current := slices.Index(phases, now)
	var out []phaseStep
	for i, ph := range phases {
		st := phaseStep{Label: v.T(prefix + string(ph)), State: "upcoming"}
		s, ok := entered[ph]
		switch {
		case now == cancelled && ok:
			st.State = "done"
		case now == cancelled:
			st.State = "skipped"
		case i < current, i == current && i == len(phases)-1:
			st.State = "done"
		case i == current:
			st.State = "current"
		}
		if ok && st.State != "upcoming" {
			st.At, st.By, st.Note = s.At, actor(s.By), s.Note
		}
		out = append(out, st)
	}
	if s, ok := entered[cancelled]; ok {
		out = append(out, phaseStep{Label: v.T(prefix + string(cancelled)), State: "current", At: s.At, By: actor(s.By), Note: s.Note})
	}
	return out
}

// timeline is the cycle's phases.
func (cv cycleViewer) timeline() []phaseStep {
	return timeline(cv.v, "cycle.phase.", domain.Phases, cv.c.Phase, domain.PhaseCancelled, cv.c.Steps, cv.actor)
}

func (cv cycleViewer) actor(by string) string {
	if by == workflows.SystemActor {
		return cv.v.T("cycle.system")
	}
	return by
}

// submissions is the agenda call's matrix: one line per member, one
// column per state, with how many are in each.
func (cv cycleViewer) submissions() ([]stateCol, []subRow) {
	states := []string{domain.SubmissionPending, domain.SubmissionSubmitted, domain.SubmissionNoItems, domain.SubmissionMissing}
	cols := make([]stateCol, len(states))
	for i, s := range states {
		cols[i] = stateCol{State: s, Label: cv.v.T("cycle.submission." + s)}
	}
	rows := make([]subRow, 0, len(cv.c.Submissions))
	for _, s := range cv.c.Submissions {
		rows = append(rows, subRow{Department: cv.n.org(s.Department), State: s.State, Label: cv.v.T("cycle.submission." + s.State), At: s.At,
			Task: cv.taskLink(s.TaskID, s.Department)})
		if i := slices.Index(states, s.State); i >= 0 {
			cols[i].N++
		}
	}
	return cols, rows
}

// ref names an item as forms and messages do: "#3".
func ref(id int) string { return "#" + strconv.Itoa(id) }

func (cv cycleViewer) dept(code domain.Code) string {
	if code == "" {
		return cv.v.T("cycle.office")
	}
	return cv.n.org(code)
}

func (cv cycleViewer) item(it domain.AgendaItem) itemView {
	v := cv.v
	iv := itemView{AgendaItem: it, Ref: ref(it.ID), Department: cv.dept(it.Department), StatusText: v.T("cycle.item." + it.Status)}
	if cv.c.JointWith != "" {
		iv.Section = cv.n.committee(cv.c.Committee)
		if it.Section == domain.SectionJoint {
			iv.Section = cv.c.JointWith
		}
	}
	if into := cv.c.Item(it.MergedInto); it.Status == domain.ItemMerged && into != nil {
		iv.Into = ref(into.ID) + " " + into.Title
	}
	if cv.taskLink(it.TaskID, it.Department) != "" {
		for i, a := range it.Attachments {
			iv.Files = append(iv.Files, option{Value: "/tasks/" + strconv.FormatInt(it.TaskID, 10) + "/attachments/" + strconv.FormatInt(a, 10),
				Label: v.T("cycle.item.file", "n", i+1)})
		}
	}
	return iv
}

func (cv cycleViewer) attendance(a domain.Attendance) attRow {
	v := cv.v
	row := attRow{Code: a.Department, Department: cv.n.org(a.Department), Answer: v.T("cycle.answer." + a.Answer), Task: cv.taskLink(a.TaskID, a.Department)}
	row.Who = cv.withPost(a.Name, a.Post)
	row.Delegate = cv.withPost(a.DelegateName, a.DelegatePost)
	if a.Recorded != "" {
		row.Recorded = v.T("cycle.attended." + a.Recorded)
	}
	return row
}

// withPost is a person's name with their post: "李明（局长）".
func (cv cycleViewer) withPost(name, post string) string {
	switch {
	case name == "":
		return ""
	case post == "":
		return name
	}
	return cv.v.T("cycle.with_post", "name", name, "post", post)
}

func (cv cycleViewer) decision(d domain.Decision, followUp bool) decisionRow {
	v := cv.v
	row := decisionRow{Decision: d, LeadName: cv.n.org(d.Lead), StatusText: v.T("cycle.decision." + d.Status),
		Task: cv.taskLink(d.TaskID, append([]domain.Code{d.Lead}, d.Co...)...), Form: "decision-" + strconv.Itoa(d.ID) + "-"}
	if it := cv.c.Item(d.Item); it != nil {
		row.ItemRef = v.T("cycle.item.number", "n", it.Number)
	}
	for _, c := range d.Co {
		row.CoNames = append(row.CoNames, cv.n.org(c))
	}
	for _, rp := range d.Reports {
		row.Reports = append(row.Reports, reportRow{Text: rp.Text, At: rp.At, Task: cv.taskLink(rp.TaskID, d.Lead)})
	}
	open := d.Status == domain.DecisionOpen || d.Status == domain.DecisionSubmitted
	row.Review = followUp && d.Status == domain.DecisionSubmitted && d.TaskID != 0
	row.Carry = followUp && open
	return row
}

// event says one entry of a cycle's history in words. Details come back
// from storage as JSON: numbers are float64, lists []any, times strings.
func (cv cycleViewer) event(e domain.CycleEvent) historyRow {
	v, n := cv.v, cv.n
	h := historyRow{At: e.At, Actor: cv.actor(e.Actor), What: e.Kind}
	if key := "cycle.event." + e.Kind; i18n.Has(v.Lang, key) {
		h.What = v.T(key)
	}
	d := e.Detail
	str := func(k string) string { s, _ := d[k].(string); return s }
	num := func(k string) (int, bool) { f, ok := d[k].(float64); return int(f), ok }
	add := func(key string, kv ...any) { h.Details = append(h.Details, v.T(key, kv...)) }
	if s := str("department"); s != "" {
		h.Details = append(h.Details, n.org(s))
	}
	if s := str("title"); s != "" {
		add("cycle.detail.title", "text", s)
	}
	for _, k := range []string{"note", "reason", "comments"} {
		if s := str(k); s != "" {
			add("cycle.detail."+k, "text", s)
		}
	}
	if x, ok := num("items"); ok {
		add("cycle.detail.items", "n", x)
	}
	if x, ok := num("decision"); ok {
		add("cycle.detail.decision", "n", x)
	}
	if x, ok := num("decisions"); ok {
		add("cycle.detail.decisions", "n", x)
	}
	if x, ok := num("tasks"); ok {
		add("cycle.detail.tasks", "n", x)
	}
	if s := str("answer"); s != "" {
		h.Details = append(h.Details, v.T("cycle.answer."+s))
	}
	if at, err := time.Parse(time.RFC3339, str("due_at")); err == nil {
		add("task.detail.due", "time", v.Time(at))
	}
	if at, err := time.Parse(time.RFC3339, str("starts_at")); err == nil {
		add("cycle.detail.notice", "time", v.Time(at), "place", str("place"))
	}
	if list, ok := d["missing"].([]any); ok && len(list) > 0 {
		var names []string
		for _, x := range list {
			if s, ok := x.(string); ok {
				names = append(names, n.org(s))
			}
		}
		add("cycle.detail.missing", "names", strings.Join(names, v.T("punct.enum")))
	}
	if order, ok := d["order"].([]any); ok {
		merged, _ := num("merged")
		deferred, _ := num("deferred")
		rejected, _ := num("rejected")
		add("cycle.detail.compiled", "agenda", len(order), "merged", merged, "deferred", deferred, "rejected", rejected)
	}
	return h
}

// printPage is a cycle's agenda (会议议程) or minutes (会议纪要) as a formal
// document: one section per body of the sitting.
type printPage struct {
	C         domain.Cycle
	Committee string
	Heading   string
	When      string
	Place     string
	Draft     bool // the agenda is not approved yet
	Combined  bool
	Sections  []printSection
	Present   []attRow
	Delegates []attRow
	Absent    []attRow
	Recorded  bool
}

// printSection is the agenda, minutes and decisions of one body.
type printSection struct {
	Body      string
	Items     []itemView
	Minutes   string
	Decisions []decisionRow
}

func (p *Pages) agendaPrint(w http.ResponseWriter, r *http.Request) {
	p.printCycle(w, r, "agenda_print", "cycle.agenda.")
}

func (p *Pages) minutesPrint(w http.ResponseWriter, r *http.Request) {
	p.printCycle(w, r, "minutes_print", "cycle.minutes.")
}

// printCycle renders a cycle as one of its documents; doc is the prefix of
// the document's messages ("cycle.agenda.": its title and heading).
func (p *Pages) printCycle(w http.ResponseWriter, r *http.Request, page, doc string) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if p.meet == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	c, ok := p.cycleOf(w, r, u, chi.URLParam(r, "id"))
	if !ok {
		return
	}
	v := p.newView(r, doc+"title", "committees")
	n, _, _, err := p.taskNames(r.Context(), v.Lang)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	cv := cycleViewer{v: v, n: n, u: u, c: c}
	data := printPage{C: c, Committee: n.committee(c.Committee), Combined: c.JointWith != "", Recorded: !c.RecordedAt.IsZero(),
		Draft: c.AgendaVersion == 0 || c.Phase == domain.PhaseCompilation || c.Phase == domain.PhaseApproval}
	data.Heading = v.T(doc+"heading", "committee", data.Committee, "period", string(c.Period))
	v.Title = data.Heading
	if c.Notice != nil {
		data.When, data.Place = v.Time(c.Notice.StartsAt), c.Notice.Place
	}
	for _, s := range []struct{ section, body, minutes string }{{"", data.Committee, c.Minutes}, {domain.SectionJoint, c.JointWith, c.JointMinutes}} {
		if s.section == domain.SectionJoint && !data.Combined {
			break
		}
		ps := printSection{Body: s.body, Minutes: s.minutes}
		for _, it := range c.Agenda() {
			if it.Section == s.section {
				ps.Items = append(ps.Items, cv.item(it))
			}
		}
		for _, d := range c.Decisions {
			if d.Section == s.section {
				ps.Decisions = append(ps.Decisions, cv.decision(d, false))
			}
		}
		data.Sections = append(data.Sections, ps)
	}
	for _, a := range c.Attendance {
		row := cv.attendance(a)
		switch a.Recorded {
		case domain.AttendedPresent:
			data.Present = append(data.Present, row)
		case domain.AttendedDelegate:
			data.Delegates = append(data.Delegates, row)
		case domain.AttendedAbsent:
			data.Absent = append(data.Absent, row)
		}
	}
	v.Data = data
	p.render(w, r, http.StatusOK, page, v)
}
