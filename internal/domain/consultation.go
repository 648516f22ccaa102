package domain

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ConsultationPhase is where a public consultation on a draft (征求意见)
// stands.
type ConsultationPhase string

// Phases of a consultation.
const (
	// ConsultationScheduled: published, its window not yet open.
	ConsultationScheduled ConsultationPhase = "scheduled"
	// ConsultationOpen: the public and the departments comment.
	ConsultationOpen ConsultationPhase = "open"
	// ConsultationReplying: the window has closed; the office answers
	// every comment (departments' written feedback may still come until
	// the feedback deadline).
	ConsultationReplying ConsultationPhase = "replying"
	// ConsultationReported: the adoption report (意见采纳情况) is public.
	ConsultationReported ConsultationPhase = "reported"
	// ConsultationArchived: an earlier consultation kept as a record.
	ConsultationArchived ConsultationPhase = "archived"
	// ConsultationCancelled: withdrawn before its report.
	ConsultationCancelled ConsultationPhase = "cancelled"
)

// ConsultationPhases in their order.
var ConsultationPhases = []ConsultationPhase{ConsultationScheduled, ConsultationOpen, ConsultationReplying,
	ConsultationReported, ConsultationArchived, ConsultationCancelled}

// Ended reports whether a consultation is over.
func (p ConsultationPhase) Ended() bool {
	return p == ConsultationReported || p == ConsultationArchived || p == ConsultationCancelled
}

// Reply statuses of a comment.
type ReplyStatus string

// The office's answers to a comment.
const (
	ReplyAdopted    ReplyStatus = "adopted"      // 采纳
	ReplyPartly     ReplyStatus = "partly"       // 部分采纳
	ReplyNotAdopted ReplyStatus = "not_adopted"  // 不予采纳 (with the reason)
	ReplyOutOfScope ReplyStatus = "out_of_scope" // 不属于本次征求意见范围
)

// ReplyStatuses in the order the report lists them.
var ReplyStatuses = []ReplyStatus{ReplyAdopted, ReplyPartly, ReplyNotAdopted, ReplyOutOfScope}

// DraftSection is one part of a draft that comments can address: a plan
// item, an article.
type DraftSection struct {
	Key     string `json:"key"`
	Heading string `json:"heading"`
	Body    string `json:"body"`
}

// ConsultationContact is where written feedback goes.
type ConsultationContact struct {
	Office   string `json:"office"`
	Phone    string `json:"phone,omitempty"`
	Fax      string `json:"fax,omitempty"`
	Email    string `json:"email,omitempty"`
	Address  string `json:"address,omitempty"`
	Postcode string `json:"postcode,omitempty"`
}

// Department comment statuses.
const (
	DeptCommentPending   = "pending"    // the task is open
	DeptCommentSubmitted = "commented"  // comments filed
	DeptCommentNone      = "no_comment" // 无意见
	DeptCommentMissed    = "missed"     // the feedback deadline passed without an answer
)

// ConsultedDepartment is a department that must comment, and how it
// answered.
type ConsultedDepartment struct {
	Department Code      `json:"department"`
	TaskID     int64     `json:"task_id,omitempty"`
	Status     string    `json:"status"`
	Comments   int       `json:"comments"`
	At         time.Time `json:"at,omitzero"`
}

// CommentCounts count a consultation's comments by origin and reply.
type CommentCounts struct {
	Total      int `json:"total"`
	Public     int `json:"public"`
	Department int `json:"department"`
	Replied    int `json:"replied"`
	Adopted    int `json:"adopted"`
	Partly     int `json:"partly"`
	NotAdopted int `json:"not_adopted"`
	OutOfScope int `json:"out_of_scope"`
}

// Unreplied is how many comments still wait for the office's answer.
func (c CommentCounts) Unreplied() int { return c.Total - c.Replied }

// ConsultationFile is a file of a consultation: the draft's attachments,
// and the revised draft published with the report.
type ConsultationFile struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	Revised     bool      `json:"revised"`
	At          time.Time `json:"at"`
}

// ConsultationReport is the published adoption report.
type ConsultationReport struct {
	PublishedAt  time.Time     `json:"published_at"`
	By           string        `json:"by"`
	Summary      string        `json:"summary"`
	RevisedDraft int64         `json:"revised_draft,omitempty"` // a file id
	Counts       CommentCounts `json:"counts"`
}

// Consultation is a draft put out for comments, its window, the
// departments that must comment and, in the end, the adoption report.
type Consultation struct {
	ID            string                `json:"id"`
	Slug          string                `json:"slug"`
	Title         string                `json:"title"`
	Notice        string                `json:"notice"`
	Committee     Code                  `json:"committee"` // whose office drafts and answers
	Sections      []DraftSection        `json:"sections"`
	OpensAt       time.Time             `json:"opens_at"`
	ClosesAt      time.Time             `json:"closes_at"`
	FeedbackDueAt time.Time             `json:"feedback_due_at"`
	Contact       ConsultationContact   `json:"contact"`
	Departments   []ConsultedDepartment `json:"departments"`
	ReplyDays     int                   `json:"reply_days"` // working days after the feedback deadline to answer every comment
	Phase         ConsultationPhase     `json:"phase"`
	Steps         []Step                `json:"steps"`
	Counts        CommentCounts         `json:"counts"`
	// ReplyDueAt is when every comment should have its answer: ReplyDays
	// working days after the feedback deadline.
	ReplyDueAt time.Time `json:"reply_due_at,omitzero"`
	// Reminders counts the reminders sent for unanswered comments; the
	// next is due at NextReminderAt.
	Reminders      int       `json:"reminders,omitempty"`
	NextReminderAt time.Time `json:"next_reminder_at,omitzero"`
	// Escalated: the conveners were told that replies are overdue.
	Escalated bool                `json:"escalated,omitempty"`
	Report    *ConsultationReport `json:"report,omitempty"`
	StartedBy string              `json:"started_by"`
	CreatedAt time.Time           `json:"created_at"`
	ClosedAt  time.Time           `json:"closed_at,omitzero"`
	Version   int                 `json:"version"`
}

// ConsultationID is the workflow id of a consultation.
func ConsultationID(slug string) string { return "consultation:" + slug }

// StepInto moves a consultation to a phase.
func (c *Consultation) StepInto(p ConsultationPhase, at time.Time, by, note string) {
	c.Phase = p
	c.Steps = append(c.Steps, Step{Phase: Phase(p), At: at, By: by, Note: note})
	if p.Ended() {
		c.ClosedAt = at
	}
}

// InPhase refuses an action outside the phases it belongs to.
func (c Consultation) InPhase(ps ...ConsultationPhase) error {
	if slices.Contains(ps, c.Phase) {
		return nil
	}
	return Conflict("error.consultation_phase", map[string]any{"phase": string(c.Phase)})
}

// Section returns a section by its key.
func (c Consultation) Section(key string) (DraftSection, bool) {
	i := slices.IndexFunc(c.Sections, func(s DraftSection) bool { return s.Key == key })
	if i < 0 {
		return DraftSection{}, false
	}
	return c.Sections[i], true
}

// Department returns a consulted department's entry.
func (c *Consultation) Department(d Code) *ConsultedDepartment {
	for i := range c.Departments {
		if c.Departments[i].Department == d {
			return &c.Departments[i]
		}
	}
	return nil
}

// DepartmentByTask returns the consulted department a task belongs to.
func (c *Consultation) DepartmentByTask(id int64) *ConsultedDepartment {
	for i := range c.Departments {
		if c.Departments[i].TaskID == id {
			return &c.Departments[i]
		}
	}
	return nil
}

// DepartmentsPending are the departments whose task is still open.
func (c Consultation) DepartmentsPending() []Code {
	var out []Code
	for _, d := range c.Departments {
		if d.Status == DeptCommentPending {
			out = append(out, d.Department)
		}
	}
	return out
}

// Accepting reports whether the window takes comments at a time.
func (c Consultation) Accepting(at time.Time) bool {
	return (c.Phase == ConsultationScheduled || c.Phase == ConsultationOpen) && !at.Before(c.OpensAt) && at.Before(c.ClosesAt)
}

// Limits of a consultation.
const (
	MaxSections       = 200
	MaxSectionChars   = 20000
	MaxCommentChars   = 5000
	MaxCommentsInTask = 50
	MaxTitleChars     = 200
	MaxNoticeChars    = 5000
)

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$`)
var sectionKeyPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

// NewConsultation is what the drafting office publishes.
type NewConsultation struct {
	Slug          string              `json:"slug"`
	Title         string              `json:"title"`
	Notice        string              `json:"notice"`
	Committee     Code                `json:"committee"`
	Sections      []DraftSection      `json:"sections"`
	OpensAt       time.Time           `json:"opens_at"`
	ClosesAt      time.Time           `json:"closes_at"`
	FeedbackDueAt time.Time           `json:"feedback_due_at"`
	Contact       ConsultationContact `json:"contact"`
	Departments   []Code              `json:"departments"`
	ReplyDays     int                 `json:"reply_days"`
}

// Validate checks a new consultation; now is when it is published, so a
// window must not have closed already. Field errors name the field.
func (n *NewConsultation) Validate(now time.Time) error {
	var v Validation
	n.Slug = strings.TrimSpace(n.Slug)
	n.Title = strings.TrimSpace(n.Title)
	v.Check(slugPattern.MatchString(n.Slug), "slug", "validation.slug", nil)
	checkText(&v, "title", n.Title, true, MaxTitleChars)
	checkText(&v, "notice", n.Notice, false, MaxNoticeChars)
	v.Check(n.Committee != "", "committee", "validation.required", nil)
	switch {
	case len(n.Sections) == 0:
		v.Add("sections", "validation.required", nil)
	case len(n.Sections) > MaxSections:
		v.Add("sections", "validation.too_many", map[string]any{"max": MaxSections})
	}
	seen := map[string]bool{}
	for i := range n.Sections {
		s := &n.Sections[i]
		f := "sections[" + strconv.Itoa(i) + "]."
		s.Key, s.Heading = strings.TrimSpace(s.Key), strings.TrimSpace(s.Heading)
		v.Check(sectionKeyPattern.MatchString(s.Key), f+"key", "validation.section_key", nil)
		v.Check(!seen[s.Key], f+"key", "validation.duplicate", map[string]any{"value": s.Key})
		seen[s.Key] = true
		checkText(&v, f+"heading", s.Heading, true, MaxTitleChars)
		checkText(&v, f+"body", s.Body, false, MaxSectionChars)
	}
	v.Check(!n.OpensAt.IsZero(), "opens_at", "validation.required", nil)
	v.Check(!n.ClosesAt.IsZero(), "closes_at", "validation.required", nil)
	if !n.OpensAt.IsZero() && !n.ClosesAt.IsZero() {
		v.Check(n.ClosesAt.After(n.OpensAt), "closes_at", "validation.after", map[string]any{"field": "opens_at"})
		v.Check(n.ClosesAt.After(now), "closes_at", "validation.future", nil)
	}
	if n.FeedbackDueAt.IsZero() {
		n.FeedbackDueAt = n.ClosesAt
	}
	v.Check(!n.FeedbackDueAt.Before(n.ClosesAt), "feedback_due_at", "validation.not_before", map[string]any{"field": "closes_at"})
	n.Contact.Office = strings.TrimSpace(n.Contact.Office)
	checkText(&v, "contact.office", n.Contact.Office, true, MaxTitleChars)
	for f, s := range map[string]string{"contact.phone": n.Contact.Phone, "contact.fax": n.Contact.Fax, "contact.address": n.Contact.Address, "contact.postcode": n.Contact.Postcode} {
		checkText(&v, f, s, false, MaxTitleChars)
	}
	if e := strings.TrimSpace(n.Contact.Email); e != "" {
		if _, email, err := NormaliseContact("contact.email", e); err != nil || !email {
			v.Add("contact.email", "validation.email", nil)
		}
	}
	dup := map[Code]bool{}
	for i, d := range n.Departments {
		v.Check(!dup[d], "departments["+strconv.Itoa(i)+"]", "validation.duplicate", map[string]any{"value": d})
		dup[d] = true
	}
	if n.ReplyDays == 0 {
		n.ReplyDays = 10
	}
	v.Check(n.ReplyDays > 0 && n.ReplyDays <= 60, "reply_days", "validation.range", map[string]any{"min": 1, "max": 60})
	return v.Err()
}

func checkText(v *Validation, field, s string, required bool, max int) {
	switch {
	case strings.TrimSpace(s) == "":
		v.Check(!required, field, "validation.required", nil)
	case !utf8.ValidString(s):
		v.Add(field, "validation.type_text", nil)
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "validation.too_long", map[string]any{"max": max})
	}
}

// Consultation builds the consultation a new one starts as.
func (n NewConsultation) Consultation(by string, now time.Time) Consultation {
	c := Consultation{ID: ConsultationID(n.Slug), Slug: n.Slug, Title: n.Title, Notice: n.Notice, Committee: n.Committee,
		Sections: n.Sections, OpensAt: n.OpensAt, ClosesAt: n.ClosesAt, FeedbackDueAt: n.FeedbackDueAt, Contact: n.Contact,
		ReplyDays: n.ReplyDays, StartedBy: by, CreatedAt: now}
	for _, d := range n.Departments {
		c.Departments = append(c.Departments, ConsultedDepartment{Department: d, Status: DeptCommentPending})
	}
	c.StepInto(ConsultationScheduled, now, by, "")
	return c
}

// NewComment is a comment on a draft: on the whole (Section empty) or on
// one section.
type NewComment struct {
	Section string `json:"section"`
	Body    string `json:"body"`
	Name    string `json:"name"`
}

// Validate checks a comment against the draft's sections.
func (n *NewComment) Validate(c Consultation) error {
	var v Validation
	n.check(&v, c, "")
	return v.Err()
}

func (n *NewComment) check(v *Validation, c Consultation, field string) {
	n.Section, n.Name = strings.TrimSpace(n.Section), strings.TrimSpace(n.Name)
	if n.Section != "" {
		_, ok := c.Section(n.Section)
		v.Check(ok, field+"section", "validation.section_unknown", map[string]any{"value": n.Section})
	}
	checkText(v, field+"body", n.Body, true, MaxCommentChars)
	checkText(v, field+"name", n.Name, false, 100)
}

// ConsultationComment is a comment as stored, with the office's reply once given.
type ConsultationComment struct {
	ID         int64       `json:"id"`
	Section    string      `json:"section,omitempty"`
	Body       string      `json:"body"`
	Name       string      `json:"name,omitempty"`
	Contact    string      `json:"contact,omitempty"` // the office's view only
	Department Code        `json:"department,omitempty"`
	TaskID     int64       `json:"task_id,omitempty"`
	At         time.Time   `json:"at"`
	Reply      ReplyStatus `json:"reply_status,omitempty"`
	ReplyText  string      `json:"reply,omitempty"`
	RepliedBy  string      `json:"replied_by,omitempty"`
	RepliedAt  time.Time   `json:"replied_at,omitzero"`
}

// Public is what anyone may read of a comment: no contact, no address.
func (c ConsultationComment) Public() ConsultationComment {
	c.Contact, c.RepliedBy = "", ""
	return c
}

// CommentReply is the office's answer to a comment.
type CommentReply struct {
	Status ReplyStatus `json:"status"`
	Reply  string      `json:"reply"`
}

// Validate checks a reply: a known status, and the reason when the
// comment is not adopted.
func (r *CommentReply) Validate() error {
	var v Validation
	r.Reply = strings.TrimSpace(r.Reply)
	v.Check(slices.Contains(ReplyStatuses, r.Status), "status", "validation.one_of",
		map[string]any{"values": "adopted, partly, not_adopted, out_of_scope"})
	if r.Status == ReplyNotAdopted {
		v.Check(r.Reply != "", "reply", "validation.reason_required", nil)
	}
	checkText(&v, "reply", r.Reply, false, MaxCommentChars)
	return v.Err()
}

// PublishReport is the office's publication of the adoption report.
type PublishReport struct {
	Summary      string `json:"summary"`
	RevisedDraft int64  `json:"revised_draft"`
}

// CommentsValue reads a comments field's value (as decoded from JSON).
func CommentsValue(val any) ([]NewComment, error) {
	return decodeStrict[[]NewComment](val)
}

// ConsultationForm is the form of a department's comment task: comments
// on the whole draft or its sections, or none.
func ConsultationForm(c Consultation) []FormField {
	keys := make([]string, len(c.Sections))
	for i, s := range c.Sections {
		keys[i] = s.Key
	}
	return []FormField{
		{Name: "comments", Label: "修改意见 Comments", Type: FieldComments, Options: keys},
		{Name: "no_comments", Label: "无意见 No comments", Type: FieldBoolean},
	}
}

// ConsultationChange is a consultation's new state with its event and,
// for a person's action, the audit record, recorded together under Key.
type ConsultationChange struct {
	Key          string
	Consultation Consultation
	Event        CycleEvent
	Audit        *AuditRecord
	// Comments are department comments filed with the change.
	Comments []ConsultationComment
}
