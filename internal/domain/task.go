package domain

import (
	"bytes"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TaskStatus is where a department task stands. Overdue is not a status: it
// follows from the due time and the calendar.
type TaskStatus string

// Task statuses. A returned task goes back to in progress with the reason in
// its history.
const (
	TaskOpen       TaskStatus = "open"
	TaskInProgress TaskStatus = "in_progress"
	TaskSubmitted  TaskStatus = "submitted"
	TaskAccepted   TaskStatus = "accepted"
	TaskCancelled  TaskStatus = "cancelled"
)

// TaskStatuses lists the statuses in their order of progress.
var TaskStatuses = []TaskStatus{TaskOpen, TaskInProgress, TaskSubmitted, TaskAccepted, TaskCancelled}

// Valid reports whether s is a known status.
func (s TaskStatus) Valid() bool { return slices.Contains(TaskStatuses, s) }

// Closed reports whether nothing more happens to a task in this status.
func (s TaskStatus) Closed() bool { return s == TaskAccepted || s == TaskCancelled }

// TaskKind is what a task asks a department to do.
type TaskKind string

// Task kinds used by the processes of the plans.
const (
	KindAdHoc            TaskKind = "adhoc"             // assigned by an office outside any process
	KindAgendaItems      TaskKind = "agenda_items"      // submit agenda items for a meeting
	KindAttendance       TaskKind = "attendance"        // confirm who attends a meeting
	KindDecision         TaskKind = "decision"          // carry out a meeting decision
	KindProgressReport   TaskKind = "progress_report"   // report progress
	KindScoring          TaskKind = "scoring"           // score entries
	KindFeasibilityReply TaskKind = "feasibility_reply" // answer on an adopted idea
	KindNomination       TaskKind = "nomination"        // nominate entries to a selection round
	KindMilestoneReport  TaskKind = "milestone_report"  // report a funded project's milestone
	KindRectification    TaskKind = "rectification"     // rectify a project the acceptance panel sent back
	KindDraftComments    TaskKind = "draft_comments"    // comment on a draft put out for consultation
)

// TaskKinds lists every kind.
var TaskKinds = []TaskKind{KindAdHoc, KindAgendaItems, KindAttendance, KindDecision, KindProgressReport, KindScoring, KindFeasibilityReply, KindNomination,
	KindMilestoneReport, KindRectification, KindDraftComments}

// Priority orders tasks in an inbox.
type Priority string

// Priorities.
const (
	PriorityNormal Priority = "normal"
	PriorityHigh   Priority = "high"
	PriorityUrgent Priority = "urgent"
)

// TaskSource says which process created a task: its kind ("adhoc",
// "meeting", "selection", …), the process's id (a meeting cycle's workflow
// id, say) and the committee whose office acts on it.
type TaskSource struct {
	Kind      string `json:"kind"`
	ID        string `json:"id"`
	Committee Code   `json:"committee"`
}

// FieldType is the type of a form field.
type FieldType string

// Form field types.
const (
	FieldText     FieldType = "text"
	FieldTextarea FieldType = "textarea"
	FieldNumber   FieldType = "number"
	FieldDate     FieldType = "date"
	FieldSelect   FieldType = "select"
	FieldBoolean  FieldType = "boolean"
	// FieldComments is a list of comments on a draft, each on the whole
	// (no section) or on a section whose key is one of the field's options.
	FieldComments FieldType = "comments"
	// FieldItems is a list of agenda items, each a title, a summary, the
	// decision requested and attachment ids.
	FieldItems FieldType = "items"
)

var fieldTypes = []FieldType{FieldText, FieldTextarea, FieldNumber, FieldDate, FieldSelect, FieldBoolean, FieldItems, FieldComments}

// FormField is one field a department fills in to complete a task.
type FormField struct {
	Name     string    `json:"name"`
	Label    string    `json:"label"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required"`
	Options  []string  `json:"options,omitempty"`
}

var fieldName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Task is work assigned to a lead department (牵头), with optional
// co-handling departments (配合), a form to complete and a due time.
type Task struct {
	ID          int64
	Source      TaskSource
	Kind        TaskKind
	Title       string
	Body        string
	Lead        Code
	Co          []Code
	Form        []FormField
	DueAt       time.Time
	Priority    Priority
	Status      TaskStatus
	Values      map[string]any
	AssignedTo  string // a member the lead department dispatched it to; empty for its liaisons
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SubmittedAt time.Time
	Extension   *Extension // a pending extension request
}

// Extension is a request for a later due time (延期申请).
type Extension struct {
	RequestedBy string    `json:"requested_by"`
	Reason      string    `json:"reason"`
	DueAt       time.Time `json:"due_at"`
	At          time.Time `json:"at"`
}

// Overdue reports whether the task is open past its due time.
func (t Task) Overdue(now time.Time) bool {
	return !t.Status.Closed() && t.Status != TaskSubmitted && now.After(t.DueAt)
}

// Involves reports whether a department leads or co-handles the task.
func (t Task) Involves(dept Code) bool { return t.Lead == dept || slices.Contains(t.Co, dept) }

// CanSee reports whether a user may read the task: the departments it
// involves, the source committee's office and conveners, administrators.
func (t Task) CanSee(u User) bool {
	if u.IsAdmin() || u.HasFor(RoleOffice, t.Source.Committee) || u.HasFor(RoleConvener, t.Source.Committee) {
		return true
	}
	for _, g := range u.Grants {
		if g.Role.Scope() == ScopeDepartment && t.Involves(g.Department) {
			return true
		}
	}
	return false
}

// CanHandle reports whether a user acts for a department on this task (its
// liaison or member).
func CanHandle(u User, dept Code) bool {
	return u.HasFor(RoleLiaison, dept) || u.HasFor(RoleMember, dept)
}

// CanManage reports whether a user acts for the task's office (accept,
// return, extend, cancel).
func (t Task) CanManage(u User) bool { return u.HasFor(RoleOffice, t.Source.Committee) }

// NewTask is what an office sends to assign a task.
type NewTask struct {
	Title          string      `json:"title"`
	Body           string      `json:"body"`
	Kind           TaskKind    `json:"kind"`
	Committee      Code        `json:"committee"`
	Lead           Code        `json:"lead_department"`
	Co             []Code      `json:"co_departments"`
	DueAt          *time.Time  `json:"due_at"`
	DueWorkingDays *int        `json:"due_working_days"`
	Priority       Priority    `json:"priority"`
	Form           []FormField `json:"form"`
}

// Validate checks the fields of a new task (not whether its departments
// and committee exist: storage knows those).
func (n NewTask) Validate(now time.Time) error {
	var v Validation
	checkName(&v, "title", n.Title)
	v.Check(utf8.RuneCountInString(n.Body) <= 20000, "body", "validation.too_long", map[string]any{"max": 20000})
	v.Check(utf8.ValidString(n.Body) && !strings.ContainsRune(n.Body, 0), "body", "validation.control_chars", nil)
	v.Check(n.Kind == "" || slices.Contains(TaskKinds, n.Kind), "kind", "validation.one_of", map[string]any{"values": joinKinds()})
	v.Check(n.Committee != "", "committee", "validation.required", nil)
	v.Check(n.Lead != "", "lead_department", "validation.required", nil)
	seen := map[Code]bool{n.Lead: true}
	for i, c := range n.Co {
		v.Check(!seen[c], "co_departments["+strconv.Itoa(i)+"]", "validation.duplicate", map[string]any{"value": c})
		seen[c] = true
	}
	v.Check(len(n.Co) <= 40, "co_departments", "validation.too_many", map[string]any{"max": 40})
	switch {
	case n.DueAt == nil && n.DueWorkingDays == nil:
		v.Add("due_at", "validation.due_required", nil)
	case n.DueAt != nil && n.DueWorkingDays != nil:
		v.Add("due_working_days", "validation.due_both", nil)
	case n.DueAt != nil:
		v.Check(n.DueAt.After(now), "due_at", "validation.future", nil)
	default:
		v.Check(*n.DueWorkingDays >= 1 && *n.DueWorkingDays <= 365, "due_working_days", "validation.range", map[string]any{"min": 1, "max": 365})
	}
	v.Check(n.Priority == "" || n.Priority == PriorityNormal || n.Priority == PriorityHigh || n.Priority == PriorityUrgent,
		"priority", "validation.one_of", map[string]any{"values": "normal, high, urgent"})
	v.Check(len(n.Form) <= 50, "form", "validation.too_many", map[string]any{"max": 50})
	names := map[string]bool{}
	for i, f := range n.Form {
		p := "form[" + strconv.Itoa(i) + "]"
		v.Check(fieldName.MatchString(f.Name), p+".name", "validation.field_name", nil)
		v.Check(!names[f.Name], p+".name", "validation.duplicate", map[string]any{"value": f.Name})
		names[f.Name] = true
		checkName(&v, p+".label", f.Label)
		v.Check(slices.Contains(fieldTypes, f.Type), p+".type", "validation.one_of", map[string]any{"values": "text, textarea, number, date, select, boolean, items"})
		v.Check(f.Type != FieldSelect || len(f.Options) > 0, p+".options", "validation.required", nil)
	}
	return v.Err()
}

func joinKinds() string {
	s := make([]string, len(TaskKinds))
	for i, k := range TaskKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// ValidateValues checks submitted values against a form: every required
// field present and not empty, each value of its field's type, no field the
// form does not have. Field errors are named "values.<field>".
func ValidateValues(form []FormField, values map[string]any) error {
	var v Validation
	known := map[string]FormField{}
	for _, f := range form {
		known[f.Name] = f
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if _, ok := known[name]; !ok {
			v.Add("values."+name, "validation.unknown_field", nil)
		}
	}
	for _, f := range form {
		field := "values." + f.Name
		val, present := values[f.Name]
		if !present || val == nil || val == "" {
			v.Check(!f.Required, field, "validation.required", nil)
			continue
		}
		switch f.Type {
		case FieldText, FieldTextarea:
			s, ok := val.(string)
			max := 2000
			if f.Type == FieldTextarea {
				max = 20000
			}
			switch {
			case !ok:
				v.Add(field, "validation.type_text", nil)
			case utf8.RuneCountInString(s) > max:
				v.Add(field, "validation.too_long", map[string]any{"max": max})
			case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
				v.Add(field, "validation.control_chars", nil)
			case f.Required && strings.TrimSpace(s) == "":
				v.Add(field, "validation.required", nil)
			}
		case FieldNumber:
			switch n := val.(type) {
			case float64:
			case json.Number:
				if _, err := n.Float64(); err != nil {
					v.Add(field, "validation.type_number", nil)
				}
			default:
				v.Add(field, "validation.type_number", nil)
			}
		case FieldDate:
			s, ok := val.(string)
			if _, err := time.Parse(time.DateOnly, s); !ok || err != nil {
				v.Add(field, "validation.type_date", nil)
			}
		case FieldSelect:
			s, ok := val.(string)
			v.Check(ok && slices.Contains(f.Options, s), field, "validation.one_of", map[string]any{"values": strings.Join(f.Options, ", ")})
		case FieldBoolean:
			b, ok := val.(bool)
			v.Check(ok, field, "validation.type_boolean", nil)
			v.Check(!ok || b || !f.Required, field, "validation.required", nil)
		case FieldItems:
			items, err := ItemsValue(val)
			switch {
			case err != nil:
				v.Add(field, "validation.type_items", nil)
			case len(items) > 20:
				v.Add(field, "validation.too_many", map[string]any{"max": 20})
			default:
				for i, it := range items {
					it.check(&v, field+"["+strconv.Itoa(i)+"].")
				}
			}
		case FieldComments:
			comments, err := CommentsValue(val)
			switch {
			case err != nil:
				v.Add(field, "validation.type_comments", nil)
			case len(comments) > MaxCommentsInTask:
				v.Add(field, "validation.too_many", map[string]any{"max": MaxCommentsInTask})
			default:
				c := Consultation{}
				for _, k := range f.Options {
					c.Sections = append(c.Sections, DraftSection{Key: k})
				}
				for i, cm := range comments {
					cm.check(&v, c, field+"["+strconv.Itoa(i)+"].")
				}
			}
		}
	}
	return v.Err()
}

// TaskEvent is one entry of a task's history.
type TaskEvent struct {
	At         time.Time      `json:"at"`
	Actor      string         `json:"actor"`
	OnBehalfOf string         `json:"on_behalf_of,omitempty"`
	Kind       string         `json:"kind"`
	Detail     map[string]any `json:"detail,omitempty"`
}

// Contribution is what a co-handling department adds to a task.
type Contribution struct {
	Department Code      `json:"department"`
	Body       string    `json:"body"`
	Author     string    `json:"author,omitempty"`
	At         time.Time `json:"at"`
}

// TaskChange is a transition decided by a task's workflow: the task's new
// state, the history event and the audit record, recorded together. Key
// (the workflow update's id) makes recording it idempotent.
type TaskChange struct {
	Key          string
	TaskID       int64
	Status       TaskStatus
	Values       map[string]any
	DueAt        time.Time
	DueChanged   bool // the due time moved: the departments' rows follow
	Extension    *Extension
	AssignedTo   string
	SubmittedAt  time.Time
	ClosedAt     time.Time
	At           time.Time
	Event        TaskEvent
	Contribution *Contribution
	Audit        AuditRecord
}

// Deputy lets one user act for an absent colleague between two dates.
type Deputy struct {
	ID        int64  `json:"id"`
	Principal string `json:"principal"`
	Deputy    string `json:"deputy"`
	StartsOn  string `json:"starts_on"`
	EndsOn    string `json:"ends_on"`
}

// Attachment is a file attached to a task.
type Attachment struct {
	ID          int64     `json:"id"`
	TaskID      int64     `json:"task_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	At          time.Time `json:"at"`
}

// Comment is a remark on a task.
type Comment struct {
	ID     int64     `json:"id"`
	Author string    `json:"author"`
	Body   string    `json:"body"`
	At     time.Time `json:"at"`
}

// ItemsValue reads an items field's value (as decoded from JSON) into
// agenda items.
func ItemsValue(val any) ([]ItemInput, error) { return decodeStrict[[]ItemInput](val) }

// decodeStrict reads a structured field's value (as decoded from JSON)
// into T, refusing members T does not have.
func decodeStrict[T any](val any) (T, error) {
	var out T
	if val == nil {
		return out, nil
	}
	b, err := json.Marshal(val)
	if err != nil {
		return out, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err = dec.Decode(&out)
	return out, err
}

// ClosesOnSubmit reports whether a process's task is done once submitted,
// with nothing for the office to accept: an answer to an agenda call or a
// notice, a progress report.
func (t Task) ClosesOnSubmit() bool {
	return t.FromProcess() && slices.Contains([]TaskKind{KindAgendaItems, KindAttendance, KindProgressReport, KindNomination, KindDraftComments}, t.Kind)
}

// ValidateSubmission checks a submission: the form's fields, then what the
// task's kind asks of them together.
func (t Task) ValidateSubmission(values map[string]any) error {
	if err := ValidateValues(t.Form, values); err != nil || !t.FromProcess() {
		return err
	}
	var v Validation
	str := func(k string) string { s, _ := values[k].(string); return strings.TrimSpace(s) }
	switch t.Kind {
	case KindAgendaItems:
		items, _ := ItemsValue(values["items"])
		none, _ := values["no_items"].(bool)
		v.Check(len(items) > 0 || none, "values.items", "validation.items_or_none", nil)
		v.Check(len(items) == 0 || !none, "values.no_items", "validation.items_or_none", nil)
	case KindDraftComments:
		comments, _ := CommentsValue(values["comments"])
		none, _ := values["no_comments"].(bool)
		v.Check(len(comments) > 0 || none, "values.comments", "validation.comments_or_none", nil)
		v.Check(len(comments) == 0 || !none, "values.no_comments", "validation.comments_or_none", nil)
	case KindAttendance:
		switch str("answer") {
		case AttendanceAttend:
			v.Check(str("name") != "", "values.name", "validation.required", nil)
			v.Check(str("post") != "", "values.post", "validation.required", nil)
		case AttendanceLeave:
			v.Check(str("delegate_name") != "", "values.delegate_name", "validation.required", nil)
			v.Check(str("delegate_post") != "", "values.delegate_post", "validation.required", nil)
		}
	}
	return v.Err()
}

// FromProcess reports whether a process (a meeting cycle, a selection)
// created the task and follows it: the task tells the process of its
// changes.
func (t Task) FromProcess() bool { return t.Source.ID != "" && t.Source.Kind != SourceAdHoc }

// Sources of tasks.
const (
	SourceAdHoc        = "adhoc"
	SourceMeeting      = "meeting"
	SourceSelection    = "selection"
	SourceContest      = "contest"
	SourceMasterpiece  = "masterpiece"
	SourceConsultation = "consultation"
)

// AgendaForm is the form of an agenda-call task.
func AgendaForm() []FormField {
	return []FormField{
		{Name: "items", Label: "议题 Agenda items", Type: FieldItems},
		{Name: "no_items", Label: "本次无议题 No items this time", Type: FieldBoolean},
	}
}

// AttendanceForm is the form of an attendance task.
func AttendanceForm() []FormField {
	return []FormField{
		{Name: "answer", Label: "参会 Attendance", Type: FieldSelect, Required: true, Options: []string{AttendanceAttend, AttendanceLeave}},
		{Name: "name", Label: "参会人 Attendee", Type: FieldText},
		{Name: "post", Label: "职务 Post", Type: FieldText},
		{Name: "delegate_name", Label: "委托参会人 Delegate", Type: FieldText},
		{Name: "delegate_post", Label: "委托人职务 Delegate's post", Type: FieldText},
	}
}

// ResultForm is the form of a decision's follow-up task.
func ResultForm() []FormField {
	return []FormField{{Name: "result", Label: "办理结果 Result", Type: FieldTextarea, Required: true}}
}

// ProgressForm is the form of a progress report.
func ProgressForm() []FormField {
	return []FormField{{Name: "progress", Label: "进展情况 Progress", Type: FieldTextarea, Required: true}}
}
