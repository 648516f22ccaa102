package domain

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RoundPhase is where a selection round stands.
type RoundPhase string

// The phases of a round, in order.
const (
	RoundNomination   RoundPhase = "nomination"
	RoundScreening    RoundPhase = "screening"
	RoundReview       RoundPhase = "review"
	RoundConfirmation RoundPhase = "confirmation"
	RoundNotice       RoundPhase = "notice"
	RoundAnnouncing   RoundPhase = "announcing"
	RoundAnnounced    RoundPhase = "announced"
	RoundCancelled    RoundPhase = "cancelled"
	// RoundReviewed ends a round that only reviews for another process (a
	// contest's expert review): scoring done and ranked, the rest is the
	// parent's.
	RoundReviewed RoundPhase = "reviewed"
)

// RoundPhases lists the phases in order (cancelled is not on the way).
var RoundPhases = []RoundPhase{RoundNomination, RoundScreening, RoundReview, RoundConfirmation, RoundNotice, RoundAnnouncing, RoundAnnounced}

// Ended reports whether nothing more happens in the round.
func (p RoundPhase) Ended() bool {
	return p == RoundAnnounced || p == RoundCancelled || p == RoundReviewed
}

// RoundID is the workflow id of a programme's round of a year: one round
// per programme and year, ever.
func RoundID(programme Code, year int) string {
	return "selection:" + programme + ":" + strconv.Itoa(year)
}

// NominationTask is the call for nominations sent to one department.
type NominationTask struct {
	Department Code  `json:"department"`
	TaskID     int64 `json:"task_id,omitempty"`
}

// Round is one year's round of a selection programme: the state its
// workflow keeps and PostgreSQL mirrors.
type Round struct {
	ID        string    `json:"id"`
	Programme Programme `json:"programme"` // the definition's version the round started with
	Year      int       `json:"year"`
	// Parent is the process the round reviews for (a contest's id), or
	// empty for a round of its own: a parent's round starts screened,
	// draws its reviewers by itself and ends once ranked.
	Parent        string           `json:"parent,omitempty"`
	Phase         RoundPhase       `json:"phase"`
	Version       int              `json:"version"`
	StartedBy     string           `json:"started_by"`
	StartedAt     time.Time        `json:"started_at"`
	NominationDue time.Time        `json:"nomination_due"`
	Calls         []NominationTask `json:"calls"`
	Entries       []Entry          `json:"entries"`
	Experts       []Expert         `json:"experts,omitempty"`
	Conflicts     map[string][]int `json:"conflicts,omitempty"`
	Reviews       []Review         `json:"reviews"`
	ScoringDue    time.Time        `json:"scoring_due,omitzero"`
	// ScoringOverdue is set when the scoring deadline passed with reviews
	// missing: the late experts are reminded, the office told.
	ScoringOverdue bool `json:"scoring_overdue,omitempty"`
	// DrawFailed is why a parent's round could not draw its reviewers by
	// itself (too few experts, say): its office draws them once it can.
	DrawFailed    string              `json:"draw_failed,omitempty"`
	Ranking       []Ranked            `json:"ranking,omitempty"`
	Proposed      []int               `json:"proposed,omitempty"`
	Confirmed     []int               `json:"confirmed,omitempty"`
	ConfirmReason string              `json:"confirm_reason,omitempty"`
	ConfirmedBy   string              `json:"confirmed_by,omitempty"`
	NoticeEnds    time.Time           `json:"notice_ends,omitzero"`
	Objections    []Objection         `json:"objections"`
	Publicity     map[string][]string `json:"publicity,omitempty"` // entry id → the media it is recommended to
	Steps         []Step              `json:"steps"`
	ClosedAt      time.Time           `json:"closed_at,omitzero"`
}

// StepInto records the round entering a phase.
func (r *Round) StepInto(p RoundPhase, at time.Time, by, note string) {
	r.Phase = p
	r.Steps = append(r.Steps, Step{Phase: Phase(p), At: at, By: by, Note: note})
	if p.Ended() {
		r.ClosedAt = at
	}
}

// Clone returns a deep copy, for checking an action without changing the
// round.
func (r Round) Clone() Round {
	b, _ := json.Marshal(r)
	var out Round
	_ = json.Unmarshal(b, &out)
	return out
}

// InPhase refuses an action outside the phases it belongs to.
func (r Round) InPhase(ps ...RoundPhase) error {
	if slices.Contains(ps, r.Phase) {
		return nil
	}
	return Conflict("error.round_phase", map[string]any{"phase": string(r.Phase)})
}

// Entry returns a pointer to an entry by id, or nil.
func (r *Round) Entry(id int) *Entry {
	for i := range r.Entries {
		if r.Entries[i].ID == id {
			return &r.Entries[i]
		}
	}
	return nil
}

// Review returns a pointer to a review by id, or nil.
func (r *Round) Review(id int) *Review {
	for i := range r.Reviews {
		if r.Reviews[i].ID == id {
			return &r.Reviews[i]
		}
	}
	return nil
}

// Objection returns a pointer to an objection by id, or nil.
func (r *Round) Objection(id int) *Objection {
	for i := range r.Objections {
		if r.Objections[i].ID == id {
			return &r.Objections[i]
		}
	}
	return nil
}

// Active returns the reviews still counting (not handed to another expert).
func (r Round) Active() []Review {
	var out []Review
	for _, v := range r.Reviews {
		if !v.Replaced {
			out = append(out, v)
		}
	}
	return out
}

// ScoringDone reports whether every active review has its scores.
func (r Round) ScoringDone() bool {
	for _, v := range r.Active() {
		if !v.Done() {
			return false
		}
	}
	return len(r.Reviews) > 0
}

// PendingObjections counts objections not yet ruled on.
func (r Round) PendingObjections() int {
	n := 0
	for _, o := range r.Objections {
		if o.Ruling == "" {
			n++
		}
	}
	return n
}

// Waiting says who the round is waiting on: a role and, for experts or
// departments, who.
func (r Round) Waiting() (role string, who []string) {
	who = []string{}
	switch r.Phase {
	case RoundNomination:
		return "nominators", who
	case RoundScreening, RoundAnnouncing:
		return WaitingOffice, who
	case RoundReview:
		for _, v := range r.Active() {
			if !v.Done() && !slices.Contains(who, v.Expert) {
				who = append(who, v.Expert)
			}
		}
		return "experts", who
	case RoundConfirmation:
		return WaitingConvener, who
	case RoundNotice:
		if r.PendingObjections() > 0 {
			return WaitingOffice, who
		}
		return "public", who
	}
	return "", who
}

// Nominate adds a nomination during the call.
func (r *Round) Nominate(in NewEntry, by string, at time.Time) (int, error) {
	if err := r.InPhase(RoundNomination); err != nil {
		return 0, err
	}
	if err := in.Validate(); err != nil {
		return 0, err
	}
	id := len(r.Entries) + 1
	r.Entries = append(r.Entries, Entry{ID: id, Title: strings.TrimSpace(in.Title), Unit: strings.TrimSpace(in.Unit), Department: in.Department,
		Summary: in.Summary, Contact: strings.TrimSpace(in.Contact), Attachments: in.Attachments, NominatedBy: by, At: at, Status: EntrySubmitted})
	return id, nil
}

// Screening decisions.
const (
	ScreenAccept = "accept"
	ScreenReject = "reject"
	ScreenReturn = "return"
)

// ScreenInput is the office's decision on one entry.
type ScreenInput struct {
	Entry    int    `json:"entry"`
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// Screen records the office's eligibility decision; a returned entry may
// be revised until reviseBy.
func (r *Round) Screen(in ScreenInput, reviseBy time.Time) error {
	if err := r.InPhase(RoundScreening); err != nil {
		return err
	}
	var v Validation
	e := r.Entry(in.Entry)
	v.Check(e != nil, "entry", "validation.unknown_entry", map[string]any{"value": in.Entry})
	v.Check(slices.Contains([]string{ScreenAccept, ScreenReject, ScreenReturn}, in.Decision), "decision", "validation.one_of",
		map[string]any{"values": "accept, reject, return"})
	v.Check(in.Decision == ScreenAccept || strings.TrimSpace(in.Reason) != "", "reason", "validation.required", nil)
	checkLong(&v, "reason", in.Reason, 2000)
	if err := v.Err(); err != nil {
		return err
	}
	if e.Status == EntryRejected || e.Status == EntryWithdrawn {
		return Conflict("error.entry_closed", map[string]any{"entry": in.Entry})
	}
	e.Reason = strings.TrimSpace(in.Reason)
	switch in.Decision {
	case ScreenAccept:
		e.Status, e.Reason = EntryAccepted, ""
	case ScreenReject:
		e.Status = EntryRejected
	case ScreenReturn:
		e.Status, e.ReviseBy = EntryReturned, reviseBy
	}
	return nil
}

// Revise replaces a returned entry's content; it goes back to screening.
func (r *Round) Revise(id int, in NewEntry, at time.Time) error {
	if err := r.InPhase(RoundScreening); err != nil {
		return err
	}
	e := r.Entry(id)
	if e == nil {
		var v Validation
		v.Add("entry", "validation.unknown_entry", map[string]any{"value": id})
		return v.Err()
	}
	if e.Status != EntryReturned || at.After(e.ReviseBy) {
		return Conflict("error.entry_not_returned", map[string]any{"entry": id})
	}
	if err := in.Validate(); err != nil {
		return err
	}
	e.Title, e.Unit, e.Summary, e.Contact = strings.TrimSpace(in.Title), strings.TrimSpace(in.Unit), in.Summary, strings.TrimSpace(in.Contact)
	e.Attachments, e.Status, e.At = in.Attachments, EntrySubmitted, at
	return nil
}

// Unscreened lists the entries still waiting for the office's decision
// (returned ones inside their revision window included).
func (r Round) Unscreened(now time.Time) []int {
	var out []int
	for _, e := range r.Entries {
		if e.Status == EntrySubmitted || (e.Status == EntryReturned && !now.After(e.ReviseBy)) {
			out = append(out, e.ID)
		}
	}
	return out
}

// Accepted counts the entries that passed screening.
func (r Round) Accepted() int {
	n := 0
	for _, e := range r.Entries {
		if e.Status == EntryAccepted {
			n++
		}
	}
	return n
}

// ConfirmInput is the convener's confirmation: the list (empty: the
// proposed one) and, when it differs from the ranking, the reason.
type ConfirmInput struct {
	List   []int  `json:"list"`
	Reason string `json:"reason"`
}

// Confirm fixes the list that goes to public notice.
func (r *Round) Confirm(in ConfirmInput, by string) error {
	if err := r.InPhase(RoundConfirmation); err != nil {
		return err
	}
	list := in.List
	if len(list) == 0 {
		list = r.Proposed
	}
	var v Validation
	seen := map[int]bool{}
	for i, id := range list {
		e := r.Entry(id)
		v.Check(e != nil && e.Status == EntryAccepted, "list["+strconv.Itoa(i)+"]", "validation.unknown_entry", map[string]any{"value": id})
		v.Check(!seen[id], "list["+strconv.Itoa(i)+"]", "validation.duplicate", map[string]any{"value": id})
		seen[id] = true
	}
	v.Check(len(list) <= r.Programme.Quota, "list", "validation.too_many", map[string]any{"max": r.Programme.Quota})
	changed := !slices.Equal(list, r.Proposed)
	v.Check(!changed || strings.TrimSpace(in.Reason) != "", "reason", "validation.change_reason", nil)
	checkLong(&v, "reason", in.Reason, 2000)
	if err := v.Err(); err != nil {
		return err
	}
	r.Confirmed, r.ConfirmReason, r.ConfirmedBy = slices.Clone(list), strings.TrimSpace(in.Reason), by
	return nil
}

// Object lodges a public objection against an entry on the noticed list.
func (r *Round) Object(in NewObjection, at time.Time) (int, error) {
	if err := r.InPhase(RoundNotice); err != nil {
		return 0, err
	}
	if err := in.Validate(); err != nil {
		return 0, err
	}
	if !slices.Contains(r.Confirmed, in.Entry) {
		var v Validation
		v.Add("entry", "validation.not_on_notice", map[string]any{"value": in.Entry})
		return 0, v.Err()
	}
	if len(r.Objections) >= 500 {
		return 0, Conflict("error.too_many_objections", nil)
	}
	id := len(r.Objections) + 1
	r.Objections = append(r.Objections, Objection{ID: id, Entry: in.Entry, Name: strings.TrimSpace(in.Name), Contact: strings.TrimSpace(in.Contact),
		Text: in.Text, At: at})
	return id, nil
}

// RulingInput is the office's ruling on an objection.
type RulingInput struct {
	Objection int    `json:"objection"`
	Ruling    string `json:"ruling"`
	Reason    string `json:"reason"`
}

// CheckRuling checks a ruling; applying an upheld one (withdrawing the
// entry, promoting the next) is the caller's, who holds the ranking rules.
func (r *Round) CheckRuling(in RulingInput) (*Objection, error) {
	if err := r.InPhase(RoundNotice); err != nil {
		return nil, err
	}
	var v Validation
	o := r.Objection(in.Objection)
	v.Check(o != nil, "objection", "validation.unknown_objection", map[string]any{"value": in.Objection})
	v.Check(in.Ruling == RulingUpheld || in.Ruling == RulingDismissed, "ruling", "validation.one_of", map[string]any{"values": "upheld, dismissed"})
	v.Check(strings.TrimSpace(in.Reason) != "", "reason", "validation.required", nil)
	checkLong(&v, "reason", in.Reason, 2000)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if o.Ruling != "" {
		return nil, Conflict("error.objection_ruled", map[string]any{"objection": in.Objection})
	}
	return o, nil
}

// AnnounceInput is the office's announcement: the media each commended
// entry is recommended to (M4's publicity list), by entry id.
type AnnounceInput struct {
	Publicity map[string][]string `json:"publicity"`
}

// Announce publishes the results.
func (r *Round) Announce(in AnnounceInput, at time.Time, by string) error {
	if err := r.InPhase(RoundAnnouncing); err != nil {
		return err
	}
	var v Validation
	for key, media := range in.Publicity {
		id, err := strconv.Atoi(key)
		v.Check(err == nil && slices.Contains(r.Confirmed, id), "publicity."+key, "validation.unknown_entry", map[string]any{"value": key})
		v.Check(len(media) <= 20, "publicity."+key, "validation.too_many", map[string]any{"max": 20})
		for _, m := range media {
			checkName(&v, "publicity."+key, m)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	r.Publicity = in.Publicity
	r.StepInto(RoundAnnounced, at, by, "")
	return nil
}

// RoundChange is a step a round's workflow took: its new state and history
// event (shaped like a cycle's), with the audit record when a person acted.
// Key makes recording it idempotent.
type RoundChange struct {
	Key   string       `json:"key"`
	Round Round        `json:"round"`
	Event CycleEvent   `json:"event"`
	Audit *AuditRecord `json:"audit,omitempty"`
}
