package domain

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Period names a meeting cycle within its committee: a half year
// ("2026H1", "2026H2"), a year ("2026") or a named special sitting
// ("2026-flood-control").
type Period string

var periodPattern = regexp.MustCompile(`^(19|20|21)[0-9]{2}(H[12]|-[a-z][a-z0-9-]{0,39})?$`)

// Valid reports whether p is a well-formed period.
func (p Period) Valid() bool { return periodPattern.MatchString(string(p)) }

// Year is the calendar year the period belongs to.
func (p Period) Year() int {
	y, _ := strconv.Atoi(string(p)[:4])
	return y
}

// Special reports whether the period is a named special sitting.
func (p Period) Special() bool { return len(p) > 4 && p[4] == '-' }

// DefaultMonth is the month a period's meeting is planned for when the
// office names none: June for the first half year, December for the second
// and for a yearly sitting.
func (p Period) DefaultMonth() string {
	switch {
	case strings.HasSuffix(string(p), "H1"):
		return string(p)[:4] + "-06"
	default:
		return string(p)[:4] + "-12"
	}
}

// CycleID is the workflow id of a committee's cycle for a period: one
// cycle per committee and period, ever.
func CycleID(committee Code, p Period) string { return "meeting:" + committee + ":" + string(p) }

// Phase is where a meeting cycle stands.
type Phase string

// The phases of a cycle, in order.
const (
	PhaseAgendaCall  Phase = "agenda_call"
	PhaseCompilation Phase = "compilation"
	PhaseApproval    Phase = "approval"
	PhaseNotice      Phase = "notice"
	PhaseFollowUp    Phase = "follow_up"
	PhaseClosed      Phase = "closed"
	PhaseCancelled   Phase = "cancelled"
)

// Phases lists the phases in order (cancelled is not on the way).
var Phases = []Phase{PhaseAgendaCall, PhaseCompilation, PhaseApproval, PhaseNotice, PhaseFollowUp, PhaseClosed}

// Ended reports whether nothing more happens in the cycle.
func (p Phase) Ended() bool { return p == PhaseClosed || p == PhaseCancelled }

// Item statuses: proposed by a department or the office, placed on the
// agenda by compilation, merged into another, deferred to the next cycle or
// rejected.
const (
	ItemProposed = "proposed"
	ItemOnAgenda = "on_agenda"
	ItemMerged   = "merged"
	ItemDeferred = "deferred"
	ItemRejected = "rejected"
)

// SectionJoint marks the items and minutes of the other body in a
// combined sitting (套开); the committee's own section is "".
const SectionJoint = "joint"

// AgendaItem is a matter put to the meeting (议题).
type AgendaItem struct {
	ID                int     `json:"id"`
	Number            int     `json:"number,omitempty"` // its number on the approved agenda
	Section           string  `json:"section,omitempty"`
	Department        Code    `json:"department,omitempty"` // who submitted it; "" for the office
	TaskID            int64   `json:"task_id,omitempty"`    // the agenda-call task it came with
	Title             string  `json:"title"`
	Summary           string  `json:"summary,omitempty"`
	DecisionRequested string  `json:"decision_requested,omitempty"`
	Attachments       []int64 `json:"attachments,omitempty"`
	Status            string  `json:"status"`
	MergedInto        int     `json:"merged_into,omitempty"`
	Reason            string  `json:"reason,omitempty"`
	CarriedFrom       string  `json:"carried_from,omitempty"` // the cycle it was carried over from
	Minutes           string  `json:"minutes,omitempty"`
}

// Submission states of a department in the agenda call.
const (
	SubmissionPending   = "pending"
	SubmissionSubmitted = "submitted"
	SubmissionNoItems   = "no_items"
	SubmissionMissing   = "missing" // the call closed without its answer
)

// Submission is a member department's answer to the agenda call.
type Submission struct {
	Department Code      `json:"department"`
	TaskID     int64     `json:"task_id,omitempty"`
	State      string    `json:"state"`
	At         time.Time `json:"at,omitzero"`
}

// Attendance answers and records.
const (
	AttendancePending = "pending"
	AttendanceAttend  = "attend"
	AttendanceLeave   = "leave"
	// What the office records at the meeting.
	AttendedPresent  = "present"
	AttendedDelegate = "delegate"
	AttendedAbsent   = "absent"
)

// Attendance is a member department's attendance: what it answered to the
// notice, then what the office recorded.
type Attendance struct {
	Department   Code   `json:"department"`
	TaskID       int64  `json:"task_id,omitempty"`
	Answer       string `json:"answer"`
	Name         string `json:"name,omitempty"`
	Post         string `json:"post,omitempty"`
	DelegateName string `json:"delegate_name,omitempty"`
	DelegatePost string `json:"delegate_post,omitempty"`
	Recorded     string `json:"recorded,omitempty"`
}

// Notice is when and where the meeting sits.
type Notice struct {
	StartsAt time.Time `json:"starts_at"`
	Place    string    `json:"place"`
	Note     string    `json:"note,omitempty"`
}

// Decision statuses.
const (
	DecisionOpen        = "open"
	DecisionSubmitted   = "submitted"
	DecisionAccepted    = "accepted"
	DecisionCarriedOver = "carried_over"
)

// Decision is what the meeting decided (议定事项): a lead department, the
// co-handling ones, a due time and what counts as done. It becomes a
// follow-up task (督办事项).
type Decision struct {
	ID          int              `json:"id"`
	Item        int              `json:"item,omitempty"`
	Section     string           `json:"section,omitempty"`
	Title       string           `json:"title"`
	Lead        Code             `json:"lead_department"`
	Co          []Code           `json:"co_departments,omitempty"`
	DueAt       time.Time        `json:"due_at"`
	DoneWhen    string           `json:"done_when"`
	TaskID      int64            `json:"task_id,omitempty"`
	Status      string           `json:"status"`
	Reports     []ProgressReport `json:"reports,omitempty"`
	Reason      string           `json:"reason,omitempty"` // why it was carried over
	CarriedFrom string           `json:"carried_from,omitempty"`
}

// ProgressReport is a periodic report on a decision's follow-up.
type ProgressReport struct {
	TaskID int64     `json:"task_id"`
	Text   string    `json:"text,omitempty"`
	At     time.Time `json:"at,omitzero"`
}

// Step is a phase the cycle entered: when, and who moved it there.
type Step struct {
	Phase Phase     `json:"phase"`
	At    time.Time `json:"at"`
	By    string    `json:"by"`
	Note  string    `json:"note,omitempty"`
}

// CycleSettings are the working-day spans a cycle runs on.
type CycleSettings struct {
	AgendaDays        int `json:"agenda_days"`         // the agenda call is due in this many working days
	AttendanceDays    int `json:"attendance_days"`     // attendance answers are due in this many
	ReportEveryMonths int `json:"report_every_months"` // follow-ups report progress this often
	ReportDays        int `json:"report_days"`         // a progress report is due in this many
}

// DefaultCycleSettings: ten working days for agenda items, three for
// attendance, monthly progress reports due in five.
var DefaultCycleSettings = CycleSettings{AgendaDays: 10, AttendanceDays: 3, ReportEveryMonths: 1, ReportDays: 5}

// Validate checks the spans.
func (s CycleSettings) Validate() error {
	var v Validation
	v.Check(s.AgendaDays >= 1 && s.AgendaDays <= 60, "agenda_days", "validation.range", map[string]any{"min": 1, "max": 60})
	v.Check(s.AttendanceDays >= 1 && s.AttendanceDays <= 30, "attendance_days", "validation.range", map[string]any{"min": 1, "max": 30})
	v.Check(s.ReportEveryMonths >= 1 && s.ReportEveryMonths <= 12, "report_every_months", "validation.range", map[string]any{"min": 1, "max": 12})
	v.Check(s.ReportDays >= 1 && s.ReportDays <= 30, "report_days", "validation.range", map[string]any{"min": 1, "max": 30})
	return v.Err()
}

// Cycle is one joint meeting from its agenda call to its close: the state
// its workflow keeps and PostgreSQL mirrors.
type Cycle struct {
	ID            string        `json:"id"`
	Committee     Code          `json:"committee"`
	CommitteeName string        `json:"committee_name"`
	Period        Period        `json:"period"`
	PlannedMonth  string        `json:"planned_meeting_month"`
	JointWith     string        `json:"joint_with,omitempty"` // the other body of a combined sitting
	Phase         Phase         `json:"phase"`
	Version       int           `json:"version"`
	Settings      CycleSettings `json:"settings"`
	Members       []Code        `json:"members"`
	StartedBy     string        `json:"started_by"`
	StartedAt     time.Time     `json:"started_at"`
	AgendaDue     time.Time     `json:"agenda_due"`
	// AgendaOverdue is set when the agenda call's deadline passed with
	// departments missing: the office decides to wait or go on.
	AgendaOverdue  bool         `json:"agenda_overdue"`
	Submissions    []Submission `json:"submissions"`
	Items          []AgendaItem `json:"items"`
	AgendaVersion  int          `json:"agenda_version"` // the approved, locked version; 0 before approval
	ApprovedAt     time.Time    `json:"approved_at,omitzero"`
	ApprovedBy     string       `json:"approved_by,omitempty"`
	ReturnComments []string     `json:"return_comments,omitempty"`
	Notice         *Notice      `json:"notice,omitempty"`
	Attendance     []Attendance `json:"attendance,omitempty"`
	Minutes        string       `json:"minutes,omitempty"`       // general minutes
	JointMinutes   string       `json:"joint_minutes,omitempty"` // the other body's section
	RecordedAt     time.Time    `json:"recorded_at,omitzero"`
	Decisions      []Decision   `json:"decisions"`
	NextReportAt   time.Time    `json:"next_report_at,omitzero"`
	Reports        int          `json:"reports"` // rounds of progress reports asked for
	Steps          []Step       `json:"steps"`
	ClosedAt       time.Time    `json:"closed_at,omitzero"`
}

// Clone returns a deep copy, for checking an action without changing the
// cycle.
func (c Cycle) Clone() Cycle {
	b, _ := json.Marshal(c)
	var out Cycle
	_ = json.Unmarshal(b, &out)
	return out
}

// Who a phase waits for.
const (
	WaitingDepartments = "departments"
	WaitingOffice      = "office"
	WaitingConvener    = "convener"
)

// Waiting says who the cycle is waiting on: a role (departments, office,
// convener) and, for departments, their codes.
func (c Cycle) Waiting() (role string, departments []Code) {
	departments = []Code{}
	switch c.Phase {
	case PhaseAgendaCall:
		for _, s := range c.Submissions {
			if s.State == SubmissionPending {
				departments = append(departments, s.Department)
			}
		}
		if len(departments) == 0 || c.AgendaOverdue {
			return WaitingOffice, departments
		}
		return WaitingDepartments, departments
	case PhaseCompilation:
		return WaitingOffice, departments
	case PhaseApproval:
		return WaitingConvener, departments
	case PhaseNotice:
		for _, a := range c.Attendance {
			if a.Answer == AttendancePending {
				departments = append(departments, a.Department)
			}
		}
		return WaitingOffice, departments // the office records the meeting
	case PhaseFollowUp:
		submitted := false
		for _, d := range c.Decisions {
			switch d.Status {
			case DecisionOpen:
				if !slices.Contains(departments, d.Lead) {
					departments = append(departments, d.Lead)
				}
			case DecisionSubmitted:
				submitted = true
			}
		}
		if len(departments) == 0 || submitted {
			return WaitingOffice, departments
		}
		return WaitingDepartments, departments
	}
	return "", departments
}

// Missing lists the departments that did not answer the agenda call.
func (c Cycle) Missing() []Code {
	out := []Code{}
	for _, s := range c.Submissions {
		if s.State == SubmissionMissing {
			out = append(out, s.Department)
		}
	}
	return out
}

// Agenda returns the items on the approved (or compiled) agenda, in order,
// the committee's section first.
func (c Cycle) Agenda() []AgendaItem {
	var out []AgendaItem
	for _, section := range []string{"", SectionJoint} {
		var part []AgendaItem
		for _, it := range c.Items {
			if it.Status == ItemOnAgenda && it.Section == section {
				part = append(part, it)
			}
		}
		slices.SortStableFunc(part, func(a, b AgendaItem) int { return a.Number - b.Number })
		out = append(out, part...)
	}
	return out
}

// Item returns a pointer to an item by id, or nil.
func (c *Cycle) Item(id int) *AgendaItem {
	for i := range c.Items {
		if c.Items[i].ID == id {
			return &c.Items[i]
		}
	}
	return nil
}

// Decision returns a pointer to a decision by id, or nil.
func (c *Cycle) Decision(id int) *Decision {
	for i := range c.Decisions {
		if c.Decisions[i].ID == id {
			return &c.Decisions[i]
		}
	}
	return nil
}

// DecisionByTask returns the decision a follow-up task carries out, or nil.
func (c *Cycle) DecisionByTask(taskID int64) *Decision {
	for i := range c.Decisions {
		if c.Decisions[i].TaskID == taskID {
			return &c.Decisions[i]
		}
	}
	return nil
}

func (c *Cycle) enter(p Phase, at time.Time, by, note string) {
	c.Phase = p
	c.Steps = append(c.Steps, Step{Phase: p, At: at, By: by, Note: note})
	if p.Ended() {
		c.ClosedAt = at
	}
}

func (c *Cycle) nextItemID() int {
	n := 0
	for _, it := range c.Items {
		n = max(n, it.ID)
	}
	return n + 1
}

func (c *Cycle) inPhase(ps ...Phase) error {
	if slices.Contains(ps, c.Phase) {
		return nil
	}
	return Conflict("error.cycle_phase", map[string]any{"phase": string(c.Phase)})
}

// NewCycle is what starts a cycle.
type NewCycle struct {
	Period       Period `json:"period"`
	PlannedMonth string `json:"planned_meeting_month"`
	JointWith    string `json:"joint_with"`
	// Settings override the defaults; zero fields keep them.
	Settings *CycleSettings `json:"settings"`
}

// Validate checks a start request.
func (n NewCycle) Validate() error {
	var v Validation
	v.Check(n.Period.Valid(), "period", "validation.period", nil)
	if n.PlannedMonth != "" {
		m, err := time.Parse("2006-01", n.PlannedMonth)
		v.Check(err == nil, "planned_meeting_month", "validation.month", nil)
		if err == nil && n.Period.Valid() {
			v.Check(m.Year() == n.Period.Year() || n.Period.Special(), "planned_meeting_month", "validation.month_in_period", nil)
		}
	}
	if n.JointWith != "" {
		checkName(&v, "joint_with", n.JointWith)
	}
	if n.Settings != nil {
		if err := n.Settings.Validate(); err != nil {
			for _, f := range AsError(err).Fields {
				v.Add("settings."+f.Field, f.Key, f.Params)
			}
		}
	}
	return v.Err()
}

// ItemInput is an agenda item as a department or the office proposes it.
type ItemInput struct {
	Section           string  `json:"section"`
	Department        Code    `json:"department"`
	Title             string  `json:"title"`
	Summary           string  `json:"summary"`
	DecisionRequested string  `json:"decision_requested"`
	Attachments       []int64 `json:"attachments"`
}

func (in ItemInput) check(v *Validation, prefix string) {
	checkName(v, prefix+"title", in.Title)
	checkLong(v, prefix+"summary", in.Summary, 5000)
	checkLong(v, prefix+"decision_requested", in.DecisionRequested, 2000)
	v.Check(len(in.Attachments) <= 20, prefix+"attachments", "validation.too_many", map[string]any{"max": 20})
	for i, a := range in.Attachments {
		v.Check(a > 0, prefix+"attachments["+strconv.Itoa(i)+"]", "validation.attachment", nil)
	}
	v.Check(in.Section == "" || in.Section == SectionJoint, prefix+"section", "validation.one_of", map[string]any{"values": "\"\", joint"})
}

func checkLong(v *Validation, field, s string, max int) {
	v.Check(utf8.RuneCountInString(s) <= max, field, "validation.too_long", map[string]any{"max": max})
	v.Check(utf8.ValidString(s) && !strings.ContainsRune(s, 0), field, "validation.control_chars", nil)
}

// AddItem lets the office add an item itself during the agenda call or the
// compilation (a joint-section item only to a combined sitting).
func (c *Cycle) AddItem(in ItemInput) error {
	if err := c.inPhase(PhaseAgendaCall, PhaseCompilation); err != nil {
		return err
	}
	var v Validation
	in.check(&v, "")
	v.Check(in.Section != SectionJoint || c.JointWith != "", "section", "validation.not_combined", nil)
	v.Check(in.Department == "" || slices.Contains(c.Members, in.Department), "department", "validation.not_member", map[string]any{"value": in.Department})
	if err := v.Err(); err != nil {
		return err
	}
	c.Items = append(c.Items, AgendaItem{ID: c.nextItemID(), Section: in.Section, Department: in.Department, Title: strings.TrimSpace(in.Title),
		Summary: in.Summary, DecisionRequested: in.DecisionRequested, Status: ItemProposed})
	return nil
}

// Submit takes a department's answer to the agenda call: its items, or
// none. It is accepted until the call closes.
func (c *Cycle) Submit(dept Code, taskID int64, at time.Time, items []ItemInput) {
	for i := range c.Submissions {
		s := &c.Submissions[i]
		if s.Department != dept || s.State != SubmissionPending {
			continue
		}
		s.State, s.At, s.TaskID = SubmissionNoItems, at, taskID
		if len(items) > 0 {
			s.State = SubmissionSubmitted
		}
		for _, in := range items {
			c.Items = append(c.Items, AgendaItem{ID: c.nextItemID(), Department: dept, TaskID: taskID, Title: strings.TrimSpace(in.Title),
				Summary: in.Summary, DecisionRequested: in.DecisionRequested, Attachments: in.Attachments, Status: ItemProposed})
		}
	}
}

// AllSubmitted reports whether every member answered the agenda call.
func (c Cycle) AllSubmitted() bool {
	for _, s := range c.Submissions {
		if s.State == SubmissionPending {
			return false
		}
	}
	return true
}

// ExtendAgendaCall sets a new deadline for the agenda call.
func (c *Cycle) ExtendAgendaCall(due, now time.Time) error {
	if err := c.inPhase(PhaseAgendaCall); err != nil {
		return err
	}
	var v Validation
	v.Check(due.After(now) && due.After(c.AgendaDue), "due_at", "validation.later_than_due", nil)
	if err := v.Err(); err != nil {
		return err
	}
	c.AgendaDue, c.AgendaOverdue = due, false
	return nil
}

// CloseAgendaCall ends the call (every answer in, or the office goes on
// without the missing ones, who are named) and opens the compilation.
func (c *Cycle) CloseAgendaCall(at time.Time, by, note string) error {
	if err := c.inPhase(PhaseAgendaCall); err != nil {
		return err
	}
	for i := range c.Submissions {
		if c.Submissions[i].State == SubmissionPending {
			c.Submissions[i].State = SubmissionMissing
		}
	}
	c.enter(PhaseCompilation, at, by, note)
	return nil
}

// Placement is one item's fate in a compilation.
type Placement struct {
	Item   int    `json:"item"`
	Into   int    `json:"into,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Compilation is the office's arrangement of the proposed items: the order
// of those on the agenda, the duplicates merged into another, those
// deferred to the next cycle and those rejected, with reasons. Every item
// still open must be placed.
type Compilation struct {
	Order  []int       `json:"order"`
	Merge  []Placement `json:"merge"`
	Defer  []Placement `json:"defer"`
	Reject []Placement `json:"reject"`
}

// Compile applies an arrangement and sends the agenda to the convener.
func (c *Cycle) Compile(in Compilation, at time.Time, by string) error {
	if err := c.inPhase(PhaseCompilation); err != nil {
		return err
	}
	var v Validation
	placed := map[int]bool{}
	open := func(field string, id int) bool {
		it := c.Item(id)
		switch {
		case it == nil:
			v.Add(field, "validation.unknown_item", map[string]any{"value": id})
		case it.Status != ItemProposed && it.Status != ItemOnAgenda:
			v.Add(field, "validation.item_closed", map[string]any{"value": id})
		case placed[id]:
			v.Add(field, "validation.duplicate", map[string]any{"value": id})
		default:
			placed[id] = true
			return true
		}
		return false
	}
	for i, id := range in.Order {
		open("order["+strconv.Itoa(i)+"]", id)
	}
	for i, m := range in.Merge {
		f := "merge[" + strconv.Itoa(i) + "]"
		open(f+".item", m.Item)
		v.Check(slices.Contains(in.Order, m.Into), f+".into", "validation.merge_target", nil)
	}
	for i, d := range in.Defer {
		open("defer["+strconv.Itoa(i)+"].item", d.Item)
		checkLong(&v, "defer["+strconv.Itoa(i)+"].reason", d.Reason, 2000)
	}
	for i, r := range in.Reject {
		f := "reject[" + strconv.Itoa(i) + "]"
		open(f+".item", r.Item)
		v.Check(strings.TrimSpace(r.Reason) != "", f+".reason", "validation.required", nil)
		checkLong(&v, f+".reason", r.Reason, 2000)
	}
	for _, it := range c.Items {
		if (it.Status == ItemProposed || it.Status == ItemOnAgenda) && !placed[it.ID] {
			v.Add("order", "validation.item_unplaced", map[string]any{"value": it.ID})
		}
	}
	v.Check(len(in.Order) > 0, "order", "validation.agenda_empty", nil)
	if err := v.Err(); err != nil {
		return err
	}
	numbers := map[string]int{}
	for _, id := range in.Order {
		it := c.Item(id)
		numbers[it.Section]++
		it.Status, it.Number = ItemOnAgenda, numbers[it.Section]
	}
	for _, m := range in.Merge {
		it := c.Item(m.Item)
		it.Status, it.MergedInto, it.Number, it.Reason = ItemMerged, m.Into, 0, m.Reason
	}
	for _, d := range in.Defer {
		it := c.Item(d.Item)
		it.Status, it.Number, it.Reason = ItemDeferred, 0, d.Reason
	}
	for _, r := range in.Reject {
		it := c.Item(r.Item)
		it.Status, it.Number, it.Reason = ItemRejected, 0, strings.TrimSpace(r.Reason)
	}
	c.enter(PhaseApproval, at, by, "")
	return nil
}

// ReturnAgenda sends the agenda back to compilation with the convener's
// comments.
func (c *Cycle) ReturnAgenda(comments string, at time.Time, by string) error {
	if err := c.inPhase(PhaseApproval); err != nil {
		return err
	}
	var v Validation
	v.Check(strings.TrimSpace(comments) != "", "comments", "validation.required", nil)
	checkLong(&v, "comments", comments, 5000)
	if err := v.Err(); err != nil {
		return err
	}
	c.ReturnComments = append(c.ReturnComments, strings.TrimSpace(comments))
	c.enter(PhaseCompilation, at, by, strings.TrimSpace(comments))
	return nil
}

// ApproveAgenda locks the agenda as a new numbered version.
func (c *Cycle) ApproveAgenda(note string, at time.Time, by string) error {
	if err := c.inPhase(PhaseApproval); err != nil {
		return err
	}
	var v Validation
	checkLong(&v, "note", note, 2000)
	if err := v.Err(); err != nil {
		return err
	}
	c.AgendaVersion++
	c.ApprovedAt, c.ApprovedBy = at, by
	c.enter(PhaseNotice, at, by, note)
	c.Attendance = make([]Attendance, len(c.Members))
	for i, m := range c.Members {
		c.Attendance[i] = Attendance{Department: m, Answer: AttendancePending}
	}
	return nil
}

// SendNotice sets the date, time and place; the members are asked who
// attends. A second notice changes them (the attendance asked stands).
func (c *Cycle) SendNotice(n Notice, now time.Time) error {
	if err := c.inPhase(PhaseNotice); err != nil {
		return err
	}
	var v Validation
	v.Check(!n.StartsAt.IsZero() && n.StartsAt.After(now), "starts_at", "validation.future", nil)
	checkName(&v, "place", n.Place)
	checkLong(&v, "note", n.Note, 2000)
	if err := v.Err(); err != nil {
		return err
	}
	n.Place = strings.TrimSpace(n.Place)
	c.Notice = &n
	return nil
}

// Answer takes a department's answer to the attendance task.
func (c *Cycle) Answer(dept Code, taskID int64, values map[string]any) {
	for i := range c.Attendance {
		a := &c.Attendance[i]
		if a.Department != dept {
			continue
		}
		str := func(k string) string { s, _ := values[k].(string); return strings.TrimSpace(s) }
		a.TaskID, a.Answer = taskID, str("answer")
		a.Name, a.Post, a.DelegateName, a.DelegatePost = str("name"), str("post"), str("delegate_name"), str("delegate_post")
	}
}

// AttendanceRecord is the office's record of one department at the meeting.
type AttendanceRecord struct {
	Department Code   `json:"department"`
	Status     string `json:"status"`
	Name       string `json:"name"`
	Post       string `json:"post"`
}

// ItemMinutes are the minutes of one agenda item.
type ItemMinutes struct {
	Item int    `json:"item"`
	Text string `json:"text"`
}

// DecisionInput is a decision as the office records it.
type DecisionInput struct {
	Item     int       `json:"item"`
	Section  string    `json:"section"`
	Title    string    `json:"title"`
	Lead     Code      `json:"lead_department"`
	Co       []Code    `json:"co_departments"`
	DueAt    time.Time `json:"due_at"`
	DoneWhen string    `json:"done_when"`
}

// MeetingRecord is what the office records after the meeting: attendance
// (a department not named keeps its answer: attending is present, leave with
// a delegate is delegate, no answer is absent), minutes per item and
// overall, and the decisions.
type MeetingRecord struct {
	Attendance   []AttendanceRecord `json:"attendance"`
	Minutes      string             `json:"minutes"`
	JointMinutes string             `json:"joint_minutes"`
	Items        []ItemMinutes      `json:"items"`
	Decisions    []DecisionInput    `json:"decisions"`
}

// Record records the meeting and moves the cycle to follow-up (or closes
// it, when nothing was decided).
func (c *Cycle) Record(r MeetingRecord, at time.Time, by string) error {
	if err := c.inPhase(PhaseNotice); err != nil {
		return err
	}
	var v Validation
	v.Check(c.Notice != nil, "notice", "validation.notice_first", nil)
	checkLong(&v, "minutes", r.Minutes, 50000)
	checkLong(&v, "joint_minutes", r.JointMinutes, 50000)
	v.Check(r.JointMinutes == "" || c.JointWith != "", "joint_minutes", "validation.not_combined", nil)
	seen := map[Code]bool{}
	for i, a := range r.Attendance {
		f := "attendance[" + strconv.Itoa(i) + "]"
		v.Check(slices.Contains(c.Members, a.Department), f+".department", "validation.not_member", map[string]any{"value": a.Department})
		v.Check(!seen[a.Department], f+".department", "validation.duplicate", map[string]any{"value": a.Department})
		seen[a.Department] = true
		v.Check(slices.Contains([]string{AttendedPresent, AttendedDelegate, AttendedAbsent}, a.Status), f+".status", "validation.one_of",
			map[string]any{"values": "present, delegate, absent"})
		if a.Status != AttendedAbsent {
			checkName(&v, f+".name", a.Name)
		}
		checkLong(&v, f+".post", a.Post, 200)
	}
	onAgenda := map[int]bool{}
	for _, it := range c.Agenda() {
		onAgenda[it.ID] = true
	}
	for i, m := range r.Items {
		f := "items[" + strconv.Itoa(i) + "]"
		v.Check(onAgenda[m.Item], f+".item", "validation.unknown_item", map[string]any{"value": m.Item})
		checkLong(&v, f+".text", m.Text, 20000)
	}
	v.Check(len(r.Decisions) <= 100, "decisions", "validation.too_many", map[string]any{"max": 100})
	for i, d := range r.Decisions {
		f := "decisions[" + strconv.Itoa(i) + "]."
		checkName(&v, f+"title", d.Title)
		v.Check(d.Item == 0 || onAgenda[d.Item], f+"item", "validation.unknown_item", map[string]any{"value": d.Item})
		v.Check(d.Section == "" || (d.Section == SectionJoint && c.JointWith != ""), f+"section", "validation.not_combined", nil)
		v.Check(slices.Contains(c.Members, d.Lead), f+"lead_department", "validation.not_member", map[string]any{"value": d.Lead})
		co := map[Code]bool{d.Lead: true}
		for j, x := range d.Co {
			g := f + "co_departments[" + strconv.Itoa(j) + "]"
			v.Check(slices.Contains(c.Members, x), g, "validation.not_member", map[string]any{"value": x})
			v.Check(!co[x], g, "validation.duplicate", map[string]any{"value": x})
			co[x] = true
		}
		v.Check(d.DueAt.After(at), f+"due_at", "validation.future", nil)
		v.Check(strings.TrimSpace(d.DoneWhen) != "", f+"done_when", "validation.required", nil)
		checkLong(&v, f+"done_when", d.DoneWhen, 2000)
	}
	if err := v.Err(); err != nil {
		return err
	}
	recorded := map[Code]AttendanceRecord{}
	for _, a := range r.Attendance {
		recorded[a.Department] = a
	}
	for i := range c.Attendance {
		a := &c.Attendance[i]
		if rec, ok := recorded[a.Department]; ok {
			a.Recorded = rec.Status
			if rec.Status == AttendedDelegate {
				a.DelegateName, a.DelegatePost = strings.TrimSpace(rec.Name), strings.TrimSpace(rec.Post)
			} else if rec.Status == AttendedPresent {
				a.Name, a.Post = strings.TrimSpace(rec.Name), strings.TrimSpace(rec.Post)
			}
			continue
		}
		switch a.Answer {
		case AttendanceAttend:
			a.Recorded = AttendedPresent
		case AttendanceLeave:
			a.Recorded = AttendedDelegate
			if a.DelegateName == "" {
				a.Recorded = AttendedAbsent
			}
		default:
			a.Recorded = AttendedAbsent
		}
	}
	for _, m := range r.Items {
		c.Item(m.Item).Minutes = m.Text
	}
	c.Minutes, c.JointMinutes, c.RecordedAt = r.Minutes, r.JointMinutes, at
	for _, d := range r.Decisions {
		if d.Item != 0 {
			d.Section = c.Item(d.Item).Section // a decision on an item belongs to the item's agenda
		}
		c.Decisions = append(c.Decisions, Decision{ID: len(c.Decisions) + 1, Item: d.Item, Section: d.Section, Title: strings.TrimSpace(d.Title),
			Lead: d.Lead, Co: d.Co, DueAt: d.DueAt, DoneWhen: strings.TrimSpace(d.DoneWhen), Status: DecisionOpen})
	}
	c.enter(PhaseFollowUp, at, by, "")
	return nil
}

// CarryOver marks an unfinished decision as carried over to the next
// cycle: its task stays open and the next agenda call lists it.
func (c *Cycle) CarryOver(id int, reason string) error {
	if err := c.inPhase(PhaseFollowUp); err != nil {
		return err
	}
	var v Validation
	d := c.Decision(id)
	v.Check(d != nil, "decision", "validation.unknown_decision", map[string]any{"value": id})
	v.Check(d == nil || d.Status == DecisionOpen || d.Status == DecisionSubmitted, "decision", "validation.decision_closed", map[string]any{"value": id})
	v.Check(strings.TrimSpace(reason) != "", "reason", "validation.required", nil)
	checkLong(&v, "reason", reason, 2000)
	if err := v.Err(); err != nil {
		return err
	}
	d.Status, d.Reason = DecisionCarriedOver, strings.TrimSpace(reason)
	return nil
}

// FollowUpsDone reports whether every decision is accepted or carried over.
func (c Cycle) FollowUpsDone() bool {
	for _, d := range c.Decisions {
		if d.Status != DecisionAccepted && d.Status != DecisionCarriedOver {
			return false
		}
	}
	return true
}

// Close ends the cycle.
func (c *Cycle) Close(at time.Time, by string) {
	c.enter(PhaseClosed, at, by, "")
}

// Cancel ends the cycle early with a reason.
func (c *Cycle) Cancel(reason string, at time.Time, by string) error {
	if c.Phase.Ended() {
		return c.inPhase()
	}
	var v Validation
	v.Check(strings.TrimSpace(reason) != "", "reason", "validation.required", nil)
	checkLong(&v, "reason", reason, 2000)
	if err := v.Err(); err != nil {
		return err
	}
	c.enter(PhaseCancelled, at, by, strings.TrimSpace(reason))
	return nil
}

// CarriedOver is what a cycle leaves to the next: deferred items and
// unfinished decisions, as agenda items marked with where they came from.
func (c Cycle) CarriedOver() []AgendaItem {
	var out []AgendaItem
	for _, it := range c.Items {
		if it.Status == ItemDeferred {
			out = append(out, AgendaItem{Section: it.Section, Department: it.Department, TaskID: it.TaskID, Title: it.Title, Summary: it.Summary,
				DecisionRequested: it.DecisionRequested, Attachments: it.Attachments, Status: ItemProposed, CarriedFrom: c.ID})
		}
	}
	for _, d := range c.Decisions {
		if d.Status != DecisionAccepted {
			out = append(out, AgendaItem{Section: d.Section, Department: d.Lead, TaskID: d.TaskID, Title: d.Title, Summary: d.DoneWhen,
				Status: ItemProposed, CarriedFrom: c.ID})
		}
	}
	return out
}

// StartCycle builds a cycle's first state: every member asked for agenda
// items by agendaDue, the previous cycle's carried-over items already
// proposed. settings are the committee's; the request's override them.
func StartCycle(committee Committee, in NewCycle, settings CycleSettings, carried []AgendaItem, by string, at, agendaDue time.Time) Cycle {
	c := Cycle{ID: CycleID(committee.Code, in.Period), Committee: committee.Code, CommitteeName: committee.NameZH, Period: in.Period,
		PlannedMonth: in.PlannedMonth, JointWith: strings.TrimSpace(in.JointWith), Settings: settings, StartedBy: by, StartedAt: at,
		AgendaDue: agendaDue, Items: []AgendaItem{}, Decisions: []Decision{}}
	if in.Settings != nil {
		c.Settings = *in.Settings
	}
	if c.PlannedMonth == "" {
		c.PlannedMonth = in.Period.DefaultMonth()
	}
	for _, m := range committee.Members {
		c.Members = append(c.Members, m.Code)
		c.Submissions = append(c.Submissions, Submission{Department: m.Code, State: SubmissionPending})
	}
	for _, it := range carried {
		it.ID = c.nextItemID()
		c.Items = append(c.Items, it)
	}
	c.enter(PhaseAgendaCall, at, by, "")
	return c
}

// CycleEvent is one entry of a cycle's history.
type CycleEvent struct {
	At     time.Time      `json:"at"`
	Actor  string         `json:"actor"`
	Kind   string         `json:"kind"`
	Detail map[string]any `json:"detail,omitempty"`
}

// CycleChange is a step a cycle's workflow took: the cycle's new state and
// the history event, with the audit record when a person acted. Key (the
// update's or signal's id) makes recording it idempotent.
type CycleChange struct {
	Key   string       `json:"key"`
	Cycle Cycle        `json:"cycle"`
	Event CycleEvent   `json:"event"`
	Audit *AuditRecord `json:"audit,omitempty"`
}
