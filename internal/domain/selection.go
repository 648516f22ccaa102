package domain

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Criterion is one thing experts score an entry on, with its weight in the
// total and the scale's top (scores run from 0 to Max).
type Criterion struct {
	Code   string  `json:"code"`
	NameZH string  `json:"name_zh"`
	NameEN string  `json:"name_en"`
	Weight float64 `json:"weight"`
	Max    int     `json:"max"`
}

// Aggregation rules: how the experts' totals of an entry make its score.
const (
	AggregateMean        = "mean"
	AggregateTrimmedMean = "trimmed-mean" // drops the highest and the lowest total (with three or more)
)

// Tie rules: how entries with the same score are ordered.
const (
	// TieByCriteria compares the mean scores criterion by criterion, in the
	// order of the definition, then the earlier nomination.
	TieByCriteria = "criteria"
	// TieByNomination puts the earlier nomination first.
	TieByNomination = "nomination"
)

// Who may nominate.
const (
	NominatorDepartments = "departments" // the committee's member departments, or those listed
	NominatorUnits       = "units"       // other bodies: counties, parks, universities, enterprises
	NominatorPublic      = "public"      // anyone, through the public call page
)

// Programme is a selection programme's definition (评选): data, not code.
// Rounds keep the version they started with.
type Programme struct {
	Code        Code        `json:"code"`
	Version     int         `json:"version"`
	NameZH      string      `json:"name_zh"`
	NameEN      string      `json:"name_en"`
	PlanItem    string      `json:"plan_item"`
	Owner       Code        `json:"owner"`     // the organisation whose office runs it
	Committee   Code        `json:"committee"` // the committee whose office runs rounds and whose convener confirms
	EveryYears  int         `json:"every_years"`
	Quota       int         `json:"quota"`
	Criteria    []Criterion `json:"criteria"`
	PrincipleZH string      `json:"principle_zh,omitempty"`
	PrincipleEN string      `json:"principle_en,omitempty"`
	Nominators  []string    `json:"nominators"`
	// Departments may nominate; empty: the committee's members.
	Departments       []Code `json:"departments,omitempty"`
	NominationDays    int    `json:"nomination_days"`
	ScreeningDays     int    `json:"screening_days"`
	RevisionDays      int    `json:"revision_days"`
	ScoringDays       int    `json:"scoring_days"`
	NoticeDays        int    `json:"notice_days"`
	ReviewersPerEntry int    `json:"reviewers_per_entry"`
	Aggregation       string `json:"aggregation"`
	TieRule           string `json:"tie_rule"`
}

// Name returns the programme's name in a language.
func (p Programme) Name(lang string) string { return pick(lang, p.NameZH, p.NameEN) }

// Criterion returns a criterion by code.
func (p Programme) Criterion(code string) (Criterion, bool) {
	for _, c := range p.Criteria {
		if c.Code == code {
			return c, true
		}
	}
	return Criterion{}, false
}

var criterionCode = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Validate checks a definition's fields (not whether its organisations
// and committee exist: storage knows those).
func (p Programme) Validate() error {
	var v Validation
	v.Check(ValidCode(p.Code), "code", "validation.code", nil)
	checkName(&v, "name_zh", p.NameZH)
	checkName(&v, "name_en", p.NameEN)
	v.Check(p.Owner != "", "owner", "validation.required", nil)
	v.Check(p.Committee != "", "committee", "validation.required", nil)
	v.Check(p.EveryYears >= 1 && p.EveryYears <= 10, "every_years", "validation.range", map[string]any{"min": 1, "max": 10})
	v.Check(p.Quota >= 1 && p.Quota <= 500, "quota", "validation.range", map[string]any{"min": 1, "max": 500})
	v.Check(len(p.Criteria) >= 1 && len(p.Criteria) <= 20, "criteria", "validation.range", map[string]any{"min": 1, "max": 20})
	seen := map[string]bool{}
	for i, c := range p.Criteria {
		f := "criteria[" + strconv.Itoa(i) + "]."
		v.Check(criterionCode.MatchString(c.Code), f+"code", "validation.field_name", nil)
		v.Check(!seen[c.Code], f+"code", "validation.duplicate", map[string]any{"value": c.Code})
		seen[c.Code] = true
		checkName(&v, f+"name_zh", c.NameZH)
		checkName(&v, f+"name_en", c.NameEN)
		v.Check(c.Weight > 0 && c.Weight <= 100 && !math.IsNaN(c.Weight), f+"weight", "validation.range", map[string]any{"min": 0, "max": 100})
		v.Check(c.Max >= 1 && c.Max <= 1000, f+"max", "validation.range", map[string]any{"min": 1, "max": 1000})
	}
	checkLong(&v, "principle_zh", p.PrincipleZH, 2000)
	checkLong(&v, "principle_en", p.PrincipleEN, 2000)
	v.Check(len(p.Nominators) >= 1, "nominators", "validation.required", nil)
	for i, n := range p.Nominators {
		v.Check(slices.Contains([]string{NominatorDepartments, NominatorUnits, NominatorPublic}, n), "nominators["+strconv.Itoa(i)+"]",
			"validation.one_of", map[string]any{"values": "departments, units, public"})
	}
	for _, d := range []struct {
		field string
		n     int
	}{{"nomination_days", p.NominationDays}, {"screening_days", p.ScreeningDays}, {"revision_days", p.RevisionDays},
		{"scoring_days", p.ScoringDays}, {"notice_days", p.NoticeDays}} {
		v.Check(d.n >= 1 && d.n <= 120, d.field, "validation.range", map[string]any{"min": 1, "max": 120})
	}
	v.Check(p.ReviewersPerEntry >= 1 && p.ReviewersPerEntry <= 15, "reviewers_per_entry", "validation.range", map[string]any{"min": 1, "max": 15})
	v.Check(p.Aggregation == AggregateMean || p.Aggregation == AggregateTrimmedMean, "aggregation", "validation.one_of",
		map[string]any{"values": "mean, trimmed-mean"})
	v.Check(p.TieRule == TieByCriteria || p.TieRule == TieByNomination, "tie_rule", "validation.one_of", map[string]any{"values": "criteria, nomination"})
	return v.Err()
}

// Entry statuses.
const (
	EntrySubmitted = "submitted"
	EntryAccepted  = "accepted"  // passed screening
	EntryRejected  = "rejected"  // failed screening, with a reason
	EntryReturned  = "returned"  // sent back for revision
	EntryWithdrawn = "withdrawn" // an objection was upheld
)

// Entry is a nomination (申报) in a round.
type Entry struct {
	ID          int       `json:"id"`
	Title       string    `json:"title"`
	Unit        string    `json:"unit"`                 // the nominating unit's name
	Department  Code      `json:"department,omitempty"` // the nominating department, for recusal
	Summary     string    `json:"summary"`
	Contact     string    `json:"contact"`
	Attachments []int64   `json:"attachments,omitempty"`
	NominatedBy string    `json:"nominated_by"` // a username, or "public"
	At          time.Time `json:"at"`
	Status      string    `json:"status"`
	Reason      string    `json:"reason,omitempty"`
	ReviseBy    time.Time `json:"revise_by,omitzero"`
}

// NewEntry is a nomination as submitted.
type NewEntry struct {
	Title       string  `json:"title"`
	Unit        string  `json:"unit"`
	Department  Code    `json:"department"`
	Summary     string  `json:"summary"`
	Contact     string  `json:"contact"`
	Attachments []int64 `json:"attachments"`
}

// Validate checks a nomination's fields.
func (n NewEntry) Validate() error {
	var v Validation
	checkName(&v, "title", n.Title)
	checkName(&v, "unit", n.Unit)
	v.Check(strings.TrimSpace(n.Summary) != "", "summary", "validation.required", nil)
	checkLong(&v, "summary", n.Summary, 20000)
	checkName(&v, "contact", n.Contact)
	v.Check(len(n.Attachments) <= 20, "attachments", "validation.too_many", map[string]any{"max": 20})
	return v.Err()
}

// Expert is a reviewer in the pool: a user with the expert role, their
// affiliation (an expert never reviews entries of their own department)
// and fields.
type Expert struct {
	Username    string   `json:"username"`
	Name        string   `json:"name"`
	Affiliation Code     `json:"affiliation,omitempty"`
	Fields      []string `json:"fields,omitempty"`
}

// Review is one expert's assignment to one entry, and their scores once
// given.
type Review struct {
	ID       int                `json:"id"`
	Entry    int                `json:"entry"`
	Expert   string             `json:"expert"`
	Override string             `json:"override,omitempty"` // the office's reason when it chose the expert
	Scores   map[string]float64 `json:"scores,omitempty"`
	Comment  string             `json:"comment,omitempty"`
	At       time.Time          `json:"at,omitzero"`
	Replaced bool               `json:"replaced,omitempty"` // handed to another expert (late, or a declared conflict)
}

// Done reports whether the review has its scores.
func (r Review) Done() bool { return !r.At.IsZero() }

// ScoreInput is what an expert submits for a review.
type ScoreInput struct {
	Scores  map[string]float64 `json:"scores"`
	Comment string             `json:"comment"`
}

// Validate checks scores against a programme's criteria: every criterion
// scored, within its scale, nothing else.
func (in ScoreInput) Validate(p Programme) error {
	var v Validation
	for code := range in.Scores {
		_, ok := p.Criterion(code)
		v.Check(ok, "scores."+code, "validation.unknown_field", nil)
	}
	for _, c := range p.Criteria {
		s, ok := in.Scores[c.Code]
		switch {
		case !ok:
			v.Add("scores."+c.Code, "validation.required", nil)
		case math.IsNaN(s) || s < 0 || s > float64(c.Max):
			v.Add("scores."+c.Code, "validation.range", map[string]any{"min": 0, "max": c.Max})
		}
	}
	checkLong(&v, "comment", in.Comment, 5000)
	return v.Err()
}

// Ranked is an entry's place in the ranking: its score, each expert's
// weighted total and the mean per criterion.
type Ranked struct {
	Entry    int                `json:"entry"`
	Rank     int                `json:"rank"`
	Score    float64            `json:"score"`
	Totals   []float64          `json:"totals"`
	Criteria map[string]float64 `json:"criteria"`
	Reviews  int                `json:"reviews"`
}

// Objection is a challenge lodged during the public notice (公示异议).
type Objection struct {
	ID      int       `json:"id"`
	Entry   int       `json:"entry"`
	Name    string    `json:"name"`
	Contact string    `json:"contact"`
	Text    string    `json:"text"`
	At      time.Time `json:"at"`
	Ruling  string    `json:"ruling,omitempty"` // upheld or dismissed
	Reason  string    `json:"reason,omitempty"`
	RuledBy string    `json:"ruled_by,omitempty"`
}

// Objection rulings.
const (
	RulingUpheld    = "upheld"
	RulingDismissed = "dismissed"
)

// NewObjection is an objection as lodged by a member of the public.
type NewObjection struct {
	Entry   int    `json:"entry"`
	Name    string `json:"name"`
	Contact string `json:"contact"`
	Text    string `json:"text"`
}

// Validate checks an objection's fields.
func (n NewObjection) Validate() error {
	var v Validation
	v.Check(n.Entry > 0, "entry", "validation.required", nil)
	checkName(&v, "name", n.Name)
	checkName(&v, "contact", n.Contact)
	v.Check(strings.TrimSpace(n.Text) != "", "text", "validation.required", nil)
	v.Check(utf8.RuneCountInString(n.Text) <= 5000, "text", "validation.too_long", map[string]any{"max": 5000})
	v.Check(PlainTextBlock(n.Text), "text", "validation.control_chars", nil)
	return v.Err()
}

// PlainTextBlock reports whether s is valid UTF-8 text without NUL bytes
// (line breaks allowed).
func PlainTextBlock(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }
