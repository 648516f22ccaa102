package domain

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MasterpiecePhase is where a year of the cultural masterpiece projects
// (文艺精品创作生产) stands.
type MasterpiecePhase string

// The phases of a project year, in order.
const (
	MasterpieceCall      MasterpiecePhase = "call"      // units apply
	MasterpieceScreening MasterpiecePhase = "screening" // the office screens the applications
	MasterpieceReview    MasterpiecePhase = "review"    // experts score them (a selection round)
	MasterpieceSeminar   MasterpiecePhase = "seminar"   // the planning seminar determines the key projects
	MasterpiecePortfolio MasterpiecePhase = "portfolio" // the key projects run: tranches, reports, acceptance
	MasterpieceClosed    MasterpiecePhase = "closed"    // the year ended; unfinished projects carried over
	MasterpieceCancelled MasterpiecePhase = "cancelled"
)

// MasterpiecePhases lists the phases in order (cancelled is not on the way).
var MasterpiecePhases = []MasterpiecePhase{MasterpieceCall, MasterpieceScreening, MasterpieceReview, MasterpieceSeminar, MasterpiecePortfolio, MasterpieceClosed}

// Ended reports whether nothing more happens in the year.
func (p MasterpiecePhase) Ended() bool { return p == MasterpieceClosed || p == MasterpieceCancelled }

// MasterpieceID is the workflow id of a project year: one per year, ever.
func MasterpieceID(year int) string { return "masterpiece:" + strconv.Itoa(year) }

// MasterpieceProgramme is the selection programme whose rounds carry the
// applications' expert review.
const MasterpieceProgramme = "cultural-masterpieces"

// MasterpieceCommittee is the joint meeting whose office (the publicity
// department's) runs the projects and whose convener confirms the list.
const MasterpieceCommittee = "culture"

// Genres of literary and artistic works.
var Genres = []string{"drama", "film_tv", "music", "dance", "literature", "fine_art", "folk_art", "other"}

// MilestonePlan is a step of an application's schedule.
type MilestonePlan struct {
	Title string    `json:"title"`
	Due   time.Time `json:"due"`
}

// Application statuses.
const (
	AppSubmitted = "submitted"
	AppAccepted  = "accepted" // passed screening, goes to the experts
	AppRejected  = "rejected"
)

// Application is a unit's application for support of a work.
type Application struct {
	ID       int    `json:"id"`
	Unit     Code   `json:"unit"` // the applying organisation
	UnitName string `json:"unit_name"`
	// Sponsor is the department that answers for the unit (主管部门): the
	// unit itself when it is a department. Its people apply and report.
	Sponsor     Code            `json:"sponsor"`
	Title       string          `json:"title"`
	Genre       string          `json:"genre"`
	Creators    []string        `json:"creators"`
	Summary     string          `json:"summary"`
	Budget      float64         `json:"budget"`    // yuan, the whole production
	Requested   float64         `json:"requested"` // yuan asked of the city
	Schedule    []MilestonePlan `json:"schedule"`
	Attachments []int64         `json:"attachments,omitempty"`
	Contact     string          `json:"contact"`
	SubmittedBy string          `json:"submitted_by"`
	At          time.Time       `json:"at"`
	Status      string          `json:"status"`
	Reason      string          `json:"reason,omitempty"`
}

// NewApplication is an application as a unit submits it.
type NewApplication struct {
	Unit        Code            `json:"unit"`
	Sponsor     Code            `json:"sponsor"`
	Title       string          `json:"title"`
	Genre       string          `json:"genre"`
	Creators    []string        `json:"creators"`
	Summary     string          `json:"summary"`
	Budget      float64         `json:"budget"`
	Requested   float64         `json:"requested"`
	Schedule    []MilestonePlan `json:"schedule"`
	Attachments []int64         `json:"attachments"`
	Contact     string          `json:"contact"`
}

// MaxSupport bounds any sum in yuan the projects handle.
const MaxSupport = 1e9

func money(v *Validation, field string, x float64, positive bool) {
	// Whole fen: x×100 within rounding of an integer (19.99×100 is
	// 1998.9999999999998 in binary).
	ok := !math.IsNaN(x) && !math.IsInf(x, 0) && x >= 0 && x <= MaxSupport && math.Abs(x*100-math.Round(x*100)) < 1e-6
	v.Check(ok && (!positive || x > 0), field, "validation.amount", map[string]any{"max": int64(MaxSupport)})
}

// Validate checks an application's fields.
func (n NewApplication) Validate() error {
	var v Validation
	v.Check(n.Unit != "", "unit", "validation.required", nil)
	v.Check(n.Sponsor != "", "sponsor", "validation.required", nil)
	checkName(&v, "title", n.Title)
	v.Check(slices.Contains(Genres, n.Genre), "genre", "validation.one_of", map[string]any{"values": strings.Join(Genres, ", ")})
	v.Check(len(n.Creators) >= 1 && len(n.Creators) <= 20, "creators", "validation.range", map[string]any{"min": 1, "max": 20})
	for i, c := range n.Creators {
		checkName(&v, "creators["+strconv.Itoa(i)+"]", c)
	}
	v.Check(strings.TrimSpace(n.Summary) != "", "summary", "validation.required", nil)
	checkLong(&v, "summary", n.Summary, 20000)
	money(&v, "budget", n.Budget, true)
	money(&v, "requested", n.Requested, true)
	v.Check(v.Has("requested") || v.Has("budget") || n.Requested <= n.Budget, "requested", "validation.not_above", map[string]any{"field": "budget"})
	v.Check(len(n.Schedule) >= 1 && len(n.Schedule) <= 12, "schedule", "validation.range", map[string]any{"min": 1, "max": 12})
	for i, m := range n.Schedule {
		f := "schedule[" + strconv.Itoa(i) + "]."
		checkName(&v, f+"title", m.Title)
		v.Check(!m.Due.IsZero(), f+"due", "validation.required", nil)
		v.Check(i == 0 || m.Due.After(n.Schedule[i-1].Due), f+"due", "validation.after", map[string]any{"field": "schedule[" + strconv.Itoa(i-1) + "].due"})
	}
	checkName(&v, "contact", n.Contact)
	v.Check(len(n.Attachments) <= 20, "attachments", "validation.too_many", map[string]any{"max": 20})
	return v.Err()
}

// Tranche statuses: a tranche waits for its milestone report, which the
// office accepts; then the publicity department approves the release and
// the finance bureau releases it.
const (
	TranchePending  = "pending"  // the milestone is not reported yet
	TrancheReported = "reported" // the report is accepted: the release may be approved
	TrancheApproved = "approved" // the publicity department approved: finance releases
	TrancheReleased = "released"
)

// Tranche is a part of a project's support tied to a milestone.
type Tranche struct {
	Seq        int       `json:"seq"`
	Milestone  string    `json:"milestone"`
	Due        time.Time `json:"due"`
	Amount     float64   `json:"amount"`
	Status     string    `json:"status"`
	TaskID     int64     `json:"task_id,omitempty"` // the milestone report task
	Report     string    `json:"report,omitempty"`
	ReportedAt time.Time `json:"reported_at,omitzero"`
	ApprovedBy string    `json:"approved_by,omitempty"`
	ApprovedAt time.Time `json:"approved_at,omitzero"`
	ReleasedBy string    `json:"released_by,omitempty"`
	ReleasedAt time.Time `json:"released_at,omitzero"`
}

// TrancheSpec is a tranche as the seminar decides it.
type TrancheSpec struct {
	Milestone string    `json:"milestone"`
	Due       time.Time `json:"due"`
	Amount    float64   `json:"amount"`
}

// Project stages.
const (
	StageInProgress = "in_progress" // milestones and tranches running
	StageAcceptance = "acceptance"  // every milestone reported: the expert panel examines it
	StageRectifying = "rectifying"  // the panel asked for rectification by a deadline
	StageAccepted   = "accepted"    // passed acceptance (验收通过)
	StageFailed     = "failed"      // failed acceptance
	StageCarried    = "carried"     // unfinished at year end: continued in the next year
)

// Examination results.
const (
	ExamPass    = "pass"
	ExamFail    = "fail"
	ExamRectify = "rectify"
)

// Examination is an acceptance examination (验收) by an expert panel.
type Examination struct {
	At        time.Time       `json:"at"`
	Panel     []string        `json:"panel"`
	Checklist map[string]bool `json:"checklist"`
	Result    string          `json:"result"`
	Comment   string          `json:"comment"`
	RectifyBy time.Time       `json:"rectify_by,omitzero"`
	TaskID    int64           `json:"task_id,omitempty"` // the rectification task
	By        string          `json:"by"`
}

// AcceptanceChecklist is what the panel checks a finished work against.
var AcceptanceChecklist = []string{"completed_as_planned", "artistic_quality", "theme_orientation", "funds_used_as_approved", "public_presentation"}

// ProjectEvent is a line of a project's own history.
type ProjectEvent struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	What string    `json:"what"`
	Note string    `json:"note,omitempty"`
}

// Project is a key project (重点项目) on the list: its support in
// tranches, its reports, its acceptance.
type Project struct {
	ID            string         `json:"id"` // "<first year>-<application>"
	Application   int            `json:"application"`
	Year          int            `json:"year"` // the year it was determined
	Title         string         `json:"title"`
	Unit          Code           `json:"unit"`
	UnitName      string         `json:"unit_name"`
	Sponsor       Code           `json:"sponsor"`
	Genre         string         `json:"genre"`
	Support       float64        `json:"support"`
	Seminar       int            `json:"seminar"` // the sitting that determined it
	Tranches      []Tranche      `json:"tranches"`
	Stage         string         `json:"stage"`
	Examinations  []Examination  `json:"examinations,omitempty"`
	ProgressTasks []int64        `json:"progress_tasks,omitempty"`
	CarriedFrom   int            `json:"carried_from,omitempty"` // the year it came from
	History       []ProjectEvent `json:"history"`
}

// Released is the support released so far.
func (p Project) Released() float64 {
	s := 0.0
	for _, t := range p.Tranches {
		if t.Status == TrancheReleased {
			s += t.Amount
		}
	}
	return s
}

// Finished reports whether nothing more is due on the project.
func (p Project) Finished() bool {
	return p.Stage == StageAccepted || p.Stage == StageFailed || p.Stage == StageCarried
}

// Tranche returns a pointer to a tranche by sequence number, or nil.
func (p *Project) Tranche(seq int) *Tranche {
	for i := range p.Tranches {
		if p.Tranches[i].Seq == seq {
			return &p.Tranches[i]
		}
	}
	return nil
}

// NextReport is the first tranche whose milestone is not reported yet, or
// nil.
func (p *Project) NextReport() *Tranche {
	for i := range p.Tranches {
		if p.Tranches[i].Status == TranchePending {
			return &p.Tranches[i]
		}
	}
	return nil
}

// Log adds a line to the project's history.
func (p *Project) Log(at time.Time, by, what, note string) {
	p.History = append(p.History, ProjectEvent{At: at, By: by, What: what, Note: note})
}

// Seminar kinds.
const (
	SeminarPlanning   = "planning"   // 规划研讨会: determines the list
	SeminarSupplement = "supplement" // 增补: adds to it
)

// Determination is a project the seminar puts on the list, with its
// support and tranches.
type Determination struct {
	Application int           `json:"application"`
	Support     float64       `json:"support"`
	Tranches    []TrancheSpec `json:"tranches"`
}

// SeminarInput is the office's record of a sitting.
type SeminarInput struct {
	Kind      string          `json:"kind"`
	At        time.Time       `json:"at"`
	Place     string          `json:"place"`
	Attendees []string        `json:"attendees"`
	Agenda    []int           `json:"agenda"` // applications discussed, in order
	Minutes   string          `json:"minutes"`
	Decisions []Determination `json:"decisions"`
}

// Seminar is a sitting of the planning seminar, recorded by the office and
// confirmed by the convener.
type Seminar struct {
	Seq int `json:"seq"`
	SeminarInput
	RecordedBy  string    `json:"recorded_by"`
	ConfirmedBy string    `json:"confirmed_by,omitempty"`
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
}

// Masterpieces is a year of the cultural masterpiece projects: the state
// its workflow keeps and PostgreSQL mirrors.
type Masterpieces struct {
	ID           string           `json:"id"`
	Year         int              `json:"year"`
	Committee    Code             `json:"committee"`
	Programme    Programme        `json:"programme"`
	Phase        MasterpiecePhase `json:"phase"`
	Version      int              `json:"version"`
	StartedBy    string           `json:"started_by"`
	StartedAt    time.Time        `json:"started_at"`
	CallDue      time.Time        `json:"call_due"`
	YearEnd      time.Time        `json:"year_end"` // unfinished projects carry over at this moment
	Applications []Application    `json:"applications"`
	Round        string           `json:"round,omitempty"`
	Ranking      []Ranked         `json:"ranking,omitempty"` // the experts' ranking, by application id
	Seminars     []Seminar        `json:"seminars"`
	Projects     []Project        `json:"projects"`
	NextQuarter  time.Time        `json:"next_quarter,omitzero"` // when the next quarterly reports are asked
	Steps        []Step           `json:"steps"`
	ClosedAt     time.Time        `json:"closed_at,omitzero"`
}

// StepInto records the year entering a phase.
func (m *Masterpieces) StepInto(p MasterpiecePhase, at time.Time, by, note string) {
	m.Phase = p
	m.Steps = append(m.Steps, Step{Phase: Phase(p), At: at, By: by, Note: note})
	if p.Ended() {
		m.ClosedAt = at
	}
}

// InPhase refuses an action outside the phases it belongs to.
func (m Masterpieces) InPhase(ps ...MasterpiecePhase) error {
	if slices.Contains(ps, m.Phase) {
		return nil
	}
	return Conflict("error.masterpiece_phase", map[string]any{"phase": string(m.Phase)})
}

// Application returns a pointer to an application by id, or nil.
func (m *Masterpieces) Application(id int) *Application {
	for i := range m.Applications {
		if m.Applications[i].ID == id {
			return &m.Applications[i]
		}
	}
	return nil
}

// Project returns a pointer to a project by id, or nil.
func (m *Masterpieces) Project(id string) *Project {
	for i := range m.Projects {
		if m.Projects[i].ID == id {
			return &m.Projects[i]
		}
	}
	return nil
}

// ProjectByTask returns the project and tranche (nil for another task)
// whose task is id.
func (m *Masterpieces) ProjectByTask(id int64) (*Project, *Tranche) {
	if id == 0 {
		return nil, nil
	}
	for i := range m.Projects {
		p := &m.Projects[i]
		for k := range p.Tranches {
			if p.Tranches[k].TaskID == id {
				return p, &p.Tranches[k]
			}
		}
		if slices.Contains(p.ProgressTasks, id) {
			return p, nil
		}
		for _, e := range p.Examinations {
			if e.TaskID == id {
				return p, nil
			}
		}
	}
	return nil, nil
}

// Apply adds an application during the call (or, for a supplement, while
// the portfolio runs).
func (m *Masterpieces) Apply(in NewApplication, unitName, by string, now time.Time) (*Application, error) {
	if err := m.InPhase(MasterpieceCall, MasterpiecePortfolio); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	id := 1
	for _, a := range m.Applications {
		id = max(id, a.ID+1)
	}
	m.Applications = append(m.Applications, Application{ID: id, Unit: in.Unit, UnitName: unitName, Sponsor: in.Sponsor, Title: strings.TrimSpace(in.Title), Genre: in.Genre,
		Creators: in.Creators, Summary: in.Summary, Budget: in.Budget, Requested: in.Requested, Schedule: in.Schedule, Attachments: in.Attachments,
		Contact: in.Contact, SubmittedBy: by, At: now, Status: AppSubmitted})
	return &m.Applications[len(m.Applications)-1], nil
}

// ScreenApplication is the office's screening decision.
type ScreenApplication struct {
	Application int    `json:"application"`
	Decision    string `json:"decision"` // accepted or rejected
	Reason      string `json:"reason"`
}

// Screen applies a screening decision: during screening, or while the
// portfolio runs for an application made for a supplement.
func (m *Masterpieces) Screen(in ScreenApplication) error {
	if err := m.InPhase(MasterpieceScreening, MasterpiecePortfolio); err != nil {
		return err
	}
	a := m.Application(in.Application)
	if a == nil {
		return NotFound("application", strconv.Itoa(in.Application))
	}
	var v Validation
	v.Check(in.Decision == AppAccepted || in.Decision == AppRejected, "decision", "validation.one_of", map[string]any{"values": "accepted, rejected"})
	v.Check(in.Decision != AppRejected || strings.TrimSpace(in.Reason) != "", "reason", "validation.required", nil)
	checkLong(&v, "reason", in.Reason, 2000)
	if err := v.Err(); err != nil {
		return err
	}
	if m.listed(a.ID) || m.pending(a.ID) {
		return Conflict("error.application_listed", map[string]any{"application": a.ID})
	}
	a.Status, a.Reason = in.Decision, in.Reason
	return nil
}

// pending reports whether a sitting awaiting confirmation decides on the
// application.
func (m Masterpieces) pending(app int) bool {
	if !m.unconfirmed() {
		return false
	}
	return slices.ContainsFunc(m.Seminars[len(m.Seminars)-1].Decisions, func(d Determination) bool { return d.Application == app })
}

func (m Masterpieces) listed(app int) bool {
	return slices.ContainsFunc(m.Projects, func(p Project) bool { return p.Application == app && p.Year == m.Year })
}

// Unscreened counts the applications waiting for a decision.
func (m Masterpieces) Unscreened() int {
	n := 0
	for _, a := range m.Applications {
		if a.Status == AppSubmitted {
			n++
		}
	}
	return n
}

// Accepted returns the applications that passed screening.
func (m Masterpieces) Accepted() []Application {
	var out []Application
	for _, a := range m.Applications {
		if a.Status == AppAccepted {
			out = append(out, a)
		}
	}
	return out
}

// CheckSeminar validates a sitting's record: a planning seminar once,
// after the review; supplements afterwards, only for accepted applications
// not on the list yet; each decision's tranches add up to its support.
func (m Masterpieces) CheckSeminar(in SeminarInput) error {
	switch in.Kind {
	case SeminarPlanning:
		if err := m.InPhase(MasterpieceSeminar); err != nil {
			return err
		}
	case SeminarSupplement:
		if err := m.InPhase(MasterpiecePortfolio); err != nil {
			return err
		}
	}
	if m.unconfirmed() {
		return Conflict("error.seminar_unconfirmed", nil)
	}
	var v Validation
	v.Check(in.Kind == SeminarPlanning || in.Kind == SeminarSupplement, "kind", "validation.one_of", map[string]any{"values": "planning, supplement"})
	v.Check(!in.At.IsZero(), "at", "validation.required", nil)
	checkName(&v, "place", in.Place)
	v.Check(len(in.Attendees) <= 100, "attendees", "validation.too_many", map[string]any{"max": 100})
	checkLong(&v, "minutes", in.Minutes, 50000)
	v.Check(strings.TrimSpace(in.Minutes) != "", "minutes", "validation.required", nil)
	v.Check(len(in.Decisions) >= 1 && len(in.Decisions) <= 100, "decisions", "validation.range", map[string]any{"min": 1, "max": 100})
	for i, a := range in.Agenda {
		app := m.Application(a)
		v.Check(app != nil && app.Status == AppAccepted, "agenda["+strconv.Itoa(i)+"]", "validation.unknown_application", map[string]any{"value": a})
	}
	seen := map[int]bool{}
	for i, d := range in.Decisions {
		f := "decisions[" + strconv.Itoa(i) + "]."
		app := m.Application(d.Application)
		v.Check(app != nil && app.Status == AppAccepted && !m.listed(d.Application) && !seen[d.Application], f+"application",
			"validation.unknown_application", map[string]any{"value": d.Application})
		seen[d.Application] = true
		money(&v, f+"support", d.Support, true)
		v.Check(len(d.Tranches) >= 1 && len(d.Tranches) <= 12, f+"tranches", "validation.range", map[string]any{"min": 1, "max": 12})
		sum := 0.0
		for k, t := range d.Tranches {
			g := f + "tranches[" + strconv.Itoa(k) + "]."
			checkName(&v, g+"milestone", t.Milestone)
			v.Check(!t.Due.IsZero(), g+"due", "validation.required", nil)
			v.Check(k == 0 || t.Due.After(d.Tranches[k-1].Due), g+"due", "validation.after", map[string]any{"field": f + "tranches[" + strconv.Itoa(k-1) + "].due"})
			money(&v, g+"amount", t.Amount, true)
			sum += t.Amount
		}
		v.Check(math.Abs(sum-d.Support) < 0.005, f+"tranches", "validation.tranches_sum", map[string]any{"support": d.Support})
	}
	return v.Err()
}

func (m Masterpieces) unconfirmed() bool {
	return len(m.Seminars) > 0 && m.Seminars[len(m.Seminars)-1].ConfirmedBy == ""
}

// RecordSeminar adds a sitting, to be confirmed by the convener.
func (m *Masterpieces) RecordSeminar(in SeminarInput, by string) (*Seminar, error) {
	if err := m.CheckSeminar(in); err != nil {
		return nil, err
	}
	if len(in.Agenda) == 0 {
		for _, d := range in.Decisions {
			in.Agenda = append(in.Agenda, d.Application)
		}
	}
	m.Seminars = append(m.Seminars, Seminar{Seq: len(m.Seminars) + 1, SeminarInput: in, RecordedBy: by})
	return &m.Seminars[len(m.Seminars)-1], nil
}

// ConfirmSeminar is the convener's confirmation of the last sitting: its
// decisions become key projects.
func (m *Masterpieces) ConfirmSeminar(seq int, by string, now time.Time) ([]*Project, error) {
	if len(m.Seminars) == 0 || m.Seminars[len(m.Seminars)-1].Seq != seq {
		return nil, NotFound("seminar", strconv.Itoa(seq))
	}
	s := &m.Seminars[len(m.Seminars)-1]
	if s.ConfirmedBy != "" {
		return nil, Conflict("error.seminar_confirmed", nil)
	}
	for _, d := range s.Decisions {
		if a := m.Application(d.Application); a == nil || a.Status != AppAccepted {
			return nil, Conflict("error.application_not_accepted", map[string]any{"application": d.Application})
		}
	}
	s.ConfirmedBy, s.ConfirmedAt = by, now
	start := len(m.Projects)
	for _, d := range s.Decisions {
		app := m.Application(d.Application)
		p := Project{ID: strconv.Itoa(m.Year) + "-" + strconv.Itoa(app.ID), Application: app.ID, Year: m.Year, Title: app.Title, Unit: app.Unit,
			UnitName: app.UnitName, Sponsor: app.Sponsor, Genre: app.Genre, Support: d.Support, Seminar: s.Seq, Stage: StageInProgress}
		for k, t := range d.Tranches {
			p.Tranches = append(p.Tranches, Tranche{Seq: k + 1, Milestone: t.Milestone, Due: t.Due, Amount: t.Amount, Status: TranchePending})
		}
		what := "determined"
		if s.Kind == SeminarSupplement {
			what = "supplemented"
		}
		p.Log(now, by, what, "第"+strconv.Itoa(s.Seq)+"次研讨会 Seminar "+strconv.Itoa(s.Seq))
		m.Projects = append(m.Projects, p)
	}
	var out []*Project
	for i := start; i < len(m.Projects); i++ {
		out = append(out, &m.Projects[i])
	}
	return out, nil
}

// TrancheAction names a tranche of a project.
type TrancheAction struct {
	Project string `json:"project"`
	Tranche int    `json:"tranche"`
	Note    string `json:"note"`
}

// ApproveTranche is the publicity department's approval of a release,
// only once the milestone's report is accepted.
func (m *Masterpieces) ApproveTranche(in TrancheAction, by string, now time.Time) error {
	t, p, err := m.tranche(in)
	if err != nil {
		return err
	}
	if t.Status != TrancheReported {
		return Conflict("error.tranche_not_reported", map[string]any{"status": t.Status})
	}
	t.Status, t.ApprovedBy, t.ApprovedAt = TrancheApproved, by, now
	p.Log(now, by, "tranche-approved", strconv.Itoa(t.Seq))
	return nil
}

// ReleaseTranche is the finance bureau's release, only once approved.
func (m *Masterpieces) ReleaseTranche(in TrancheAction, by string, now time.Time) error {
	t, p, err := m.tranche(in)
	if err != nil {
		return err
	}
	if t.Status != TrancheApproved {
		return Conflict("error.tranche_not_approved", map[string]any{"status": t.Status})
	}
	t.Status, t.ReleasedBy, t.ReleasedAt = TrancheReleased, by, now
	p.Log(now, by, "tranche-released", strconv.Itoa(t.Seq)+" · "+strconv.FormatFloat(t.Amount, 'f', 2, 64))
	return nil
}

// Running is the phases in which projects run: a carried project runs on
// while the next year's call and review go on.
var Running = []MasterpiecePhase{MasterpieceCall, MasterpieceScreening, MasterpieceReview, MasterpieceSeminar, MasterpiecePortfolio}

func (m *Masterpieces) tranche(in TrancheAction) (*Tranche, *Project, error) {
	if err := m.InPhase(Running...); err != nil {
		return nil, nil, err
	}
	p := m.Project(in.Project)
	if p == nil || p.Stage == StageCarried {
		return nil, nil, NotFound("project", in.Project)
	}
	t := p.Tranche(in.Tranche)
	if t == nil {
		return nil, nil, NotFound("tranche", strconv.Itoa(in.Tranche))
	}
	return t, p, nil
}

// ExamineInput is the acceptance panel's verdict on a project.
type ExamineInput struct {
	Project     string          `json:"project"`
	Panel       []string        `json:"panel"`
	Checklist   map[string]bool `json:"checklist"`
	Result      string          `json:"result"`
	Comment     string          `json:"comment"`
	RectifyDays int             `json:"rectify_days"`
}

// CheckExamination validates a verdict: the project is ready for
// acceptance, the panel named, every checklist item answered; a pass needs
// every item met; rectification needs its working days.
func (m *Masterpieces) CheckExamination(in ExamineInput) (*Project, error) {
	if err := m.InPhase(Running...); err != nil {
		return nil, err
	}
	p := m.Project(in.Project)
	if p == nil {
		return nil, NotFound("project", in.Project)
	}
	if p.Stage != StageAcceptance {
		return nil, Conflict("error.project_not_ready", map[string]any{"stage": p.Stage})
	}
	var v Validation
	v.Check(len(in.Panel) >= 3 && len(in.Panel) <= 15, "panel", "validation.range", map[string]any{"min": 3, "max": 15})
	for i, name := range in.Panel {
		checkName(&v, "panel["+strconv.Itoa(i)+"]", name)
	}
	for _, item := range AcceptanceChecklist {
		_, ok := in.Checklist[item]
		v.Check(ok, "checklist."+item, "validation.required", nil)
	}
	v.Check(len(in.Checklist) == len(AcceptanceChecklist), "checklist", "validation.one_of", map[string]any{"values": strings.Join(AcceptanceChecklist, ", ")})
	v.Check(slices.Contains([]string{ExamPass, ExamFail, ExamRectify}, in.Result), "result", "validation.one_of", map[string]any{"values": "pass, fail, rectify"})
	if in.Result == ExamPass {
		for _, item := range AcceptanceChecklist {
			v.Check(in.Checklist[item], "checklist."+item, "validation.pass_needs_all", nil)
		}
	}
	v.Check(in.Result == ExamPass || strings.TrimSpace(in.Comment) != "", "comment", "validation.required", nil)
	v.Check(in.Result != ExamRectify || in.RectifyDays >= 1 && in.RectifyDays <= 120, "rectify_days", "validation.range", map[string]any{"min": 1, "max": 120})
	checkLong(&v, "comment", in.Comment, 5000)
	return p, v.Err()
}

// MasterpieceChange is a step of a project year as its workflow records it.
type MasterpieceChange struct {
	Key   string       `json:"key"`
	Year  Masterpieces `json:"year"`
	Event CycleEvent   `json:"event"`
	Audit *AuditRecord `json:"audit,omitempty"`
}
