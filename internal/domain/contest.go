package domain

import (
	"cmp"
	"math"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ContestPhase is where a year's idea contest stands.
type ContestPhase string

// The phases of a contest, in order.
const (
	ContestSetup        ContestPhase = "setup"        // configured, submissions not yet open
	ContestSubmission   ContestPhase = "submission"   // the public submits ideas; the office screens them
	ContestScreening    ContestPhase = "screening"    // submissions closed; the office finishes screening
	ContestVoting       ContestPhase = "voting"       // the public votes on the eligible ideas
	ContestReview       ContestPhase = "review"       // experts score the shortlist (a selection round)
	ContestConfirmation ContestPhase = "confirmation" // the reform office confirms the prizes and routes the ideas
	ContestAdoption     ContestPhase = "adoption"     // announced; departments answer the adopted ideas
	ContestClosed       ContestPhase = "closed"
	ContestCancelled    ContestPhase = "cancelled"
)

// ContestPhases lists the phases in order (cancelled is not on the way).
var ContestPhases = []ContestPhase{ContestSetup, ContestSubmission, ContestScreening, ContestVoting, ContestReview,
	ContestConfirmation, ContestAdoption, ContestClosed}

// Ended reports whether nothing more happens in the contest.
func (p ContestPhase) Ended() bool { return p == ContestClosed || p == ContestCancelled }

// Announced reports whether the results are public.
func (p ContestPhase) Announced() bool { return p == ContestAdoption || p == ContestClosed }

// ContestID is the workflow id of a year's contest: one per year, ever.
func ContestID(year int) string { return "contest:" + strconv.Itoa(year) }

// ContestProgramme is the selection programme whose rounds carry the
// contests' expert review.
const ContestProgramme = "lotus-city-ideas"

// Category is a field ideas are submitted under.
type Category struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
}

// PrizeTier is a prize and how many ideas receive it, in rank order.
type PrizeTier struct {
	Code   string `json:"code"`
	NameZH string `json:"name_zh"`
	NameEN string `json:"name_en"`
	Count  int    `json:"count"`
}

// ContestRules are a contest's settings: what the office sets up.
type ContestRules struct {
	Categories       []Category  `json:"categories"`
	SubmissionOpens  time.Time   `json:"submission_opens"`
	SubmissionCloses time.Time   `json:"submission_closes"`
	VoteOpens        time.Time   `json:"vote_opens"`
	VoteCloses       time.Time   `json:"vote_closes"`
	VotesPerVoter    int         `json:"votes_per_voter"` // K: votes a voter may cast in the contest, at most one per idea
	ShowTallies      bool        `json:"show_tallies"`    // vote counts public while voting
	PublicWeight     int         `json:"public_weight"`   // percent of the combined score from the public vote
	ExpertWeight     int         `json:"expert_weight"`   // percent from the experts
	Shortlist        int         `json:"shortlist"`       // ideas with the most votes that go to the experts; 0: every eligible idea
	Prizes           []PrizeTier `json:"prizes"`
	CoOrganisers     []Code      `json:"co_organisers"`
	ReplyDays        int         `json:"reply_days"`  // working days a department has for its feasibility reply
	ReportDays       int         `json:"report_days"` // working days between implementation reports
}

// DefaultPrizes are the customary tiers.
func DefaultPrizes() []PrizeTier {
	return []PrizeTier{
		{Code: "first", NameZH: "一等奖", NameEN: "First prize", Count: 1},
		{Code: "second", NameZH: "二等奖", NameEN: "Second prize", Count: 3},
		{Code: "third", NameZH: "三等奖", NameEN: "Third prize", Count: 5},
		{Code: "excellence", NameZH: "优秀奖", NameEN: "Excellence award", Count: 10},
	}
}

// DefaultCategories are the fields of the city's key, hard and hot issues.
func DefaultCategories() []Category {
	return []Category{
		{Code: "economy", NameZH: "经济发展", NameEN: "Economic development"},
		{Code: "reform", NameZH: "改革创新", NameEN: "Reform and innovation"},
		{Code: "livelihood", NameZH: "民生保障", NameEN: "People's livelihood"},
		{Code: "governance", NameZH: "城市治理", NameEN: "City governance"},
		{Code: "culture", NameZH: "文化旅游", NameEN: "Culture and tourism"},
		{Code: "ecology", NameZH: "生态环境", NameEN: "Ecology and environment"},
	}
}

// Category returns a category by code.
func (r ContestRules) Category(code string) (Category, bool) {
	i := slices.IndexFunc(r.Categories, func(c Category) bool { return c.Code == code })
	if i < 0 {
		return Category{}, false
	}
	return r.Categories[i], true
}

// Awards is how many ideas the tiers award together.
func (r ContestRules) Awards() int {
	n := 0
	for _, p := range r.Prizes {
		n += p.Count
	}
	return n
}

var prizeCode = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// Validate checks the rules on their own (not whether the co-organisers
// exist: storage knows those).
func (r ContestRules) Validate() error {
	var v Validation
	v.Check(len(r.Categories) >= 1 && len(r.Categories) <= 30, "categories", "validation.range", map[string]any{"min": 1, "max": 30})
	seen := map[string]bool{}
	for i, c := range r.Categories {
		f := "categories[" + strconv.Itoa(i) + "]."
		v.Check(prizeCode.MatchString(c.Code), f+"code", "validation.field_name", nil)
		v.Check(!seen[c.Code], f+"code", "validation.duplicate", map[string]any{"value": c.Code})
		seen[c.Code] = true
		checkName(&v, f+"name_zh", c.NameZH)
		checkName(&v, f+"name_en", c.NameEN)
	}
	v.Check(!r.SubmissionOpens.IsZero(), "submission_opens", "validation.required", nil)
	v.Check(r.SubmissionCloses.After(r.SubmissionOpens), "submission_closes", "validation.after", map[string]any{"field": "submission_opens"})
	v.Check(!r.VoteOpens.Before(r.SubmissionCloses), "vote_opens", "validation.not_before", map[string]any{"field": "submission_closes"})
	v.Check(r.VoteCloses.After(r.VoteOpens), "vote_closes", "validation.after", map[string]any{"field": "vote_opens"})
	v.Check(r.VotesPerVoter >= 1 && r.VotesPerVoter <= 50, "votes_per_voter", "validation.range", map[string]any{"min": 1, "max": 50})
	v.Check(r.PublicWeight >= 0 && r.PublicWeight <= 100, "public_weight", "validation.range", map[string]any{"min": 0, "max": 100})
	v.Check(r.ExpertWeight >= 0 && r.ExpertWeight <= 100, "expert_weight", "validation.range", map[string]any{"min": 0, "max": 100})
	v.Check(r.PublicWeight+r.ExpertWeight == 100, "expert_weight", "validation.weights_sum", map[string]any{"total": 100})
	v.Check(r.Shortlist >= 0 && r.Shortlist <= 500, "shortlist", "validation.range", map[string]any{"min": 0, "max": 500})
	v.Check(len(r.Prizes) >= 1 && len(r.Prizes) <= 10, "prizes", "validation.range", map[string]any{"min": 1, "max": 10})
	seen = map[string]bool{}
	for i, p := range r.Prizes {
		f := "prizes[" + strconv.Itoa(i) + "]."
		v.Check(prizeCode.MatchString(p.Code), f+"code", "validation.field_name", nil)
		v.Check(!seen[p.Code], f+"code", "validation.duplicate", map[string]any{"value": p.Code})
		seen[p.Code] = true
		checkName(&v, f+"name_zh", p.NameZH)
		checkName(&v, f+"name_en", p.NameEN)
		v.Check(p.Count >= 1 && p.Count <= 200, f+"count", "validation.range", map[string]any{"min": 1, "max": 200})
	}
	v.Check(r.Shortlist == 0 || r.Shortlist >= r.Awards(), "shortlist", "validation.min", map[string]any{"min": r.Awards()})
	v.Check(len(r.CoOrganisers) <= 60, "co_organisers", "validation.too_many", map[string]any{"max": 60})
	v.Check(r.ReplyDays >= 1 && r.ReplyDays <= 120, "reply_days", "validation.range", map[string]any{"min": 1, "max": 120})
	v.Check(r.ReportDays >= 1 && r.ReportDays <= 250, "report_days", "validation.range", map[string]any{"min": 1, "max": 250})
	return v.Err()
}

// Award is an idea's place in the result.
type Award struct {
	Idea        int64   `json:"idea"`
	Title       string  `json:"title"`
	Category    string  `json:"category"`
	Rank        int     `json:"rank"`
	Votes       int     `json:"votes"`
	VoteScore   float64 `json:"vote_score"`   // votes over the most any candidate received, 0–100
	ExpertScore float64 `json:"expert_score"` // the experts' aggregate, 0–100
	ExpertNorm  float64 `json:"expert_norm"`  // the expert score over the best candidate's, 0–100
	Combined    float64 `json:"combined"`
	Tier        string  `json:"tier,omitempty"` // a prize code, or empty
}

// Candidate is an idea reviewed by the experts, with its votes.
type Candidate struct {
	Idea        int64   `json:"idea"`
	Entry       int     `json:"entry"` // the idea's entry in the review round
	Title       string  `json:"title"`
	Category    string  `json:"category"`
	Votes       int     `json:"votes"`
	ExpertScore float64 `json:"expert_score"`
	Reviewed    bool    `json:"reviewed"` // the experts scored it
}

// Combine ranks the candidates by the combined score: public weight ×
// votes normalised to the best-voted candidate + expert weight × expert
// score normalised to the best-scored, both on 0–100, rounded to two
// decimals. Ties go to the better expert score, then more votes, then
// the earlier idea. Prize tiers are handed out down the ranking; ideas
// the experts did not score take no prize.
func Combine(cs []Candidate, rules ContestRules) []Award {
	maxVotes, maxExpert := 0, 0.0
	for _, c := range cs {
		maxVotes = max(maxVotes, c.Votes)
		maxExpert = max(maxExpert, c.ExpertScore)
	}
	norm := func(x, top float64) float64 {
		if top <= 0 {
			return 0
		}
		return 100 * x / top
	}
	out := make([]Award, len(cs))
	for i, c := range cs {
		vs, es := norm(float64(c.Votes), float64(maxVotes)), norm(c.ExpertScore, maxExpert)
		out[i] = Award{Idea: c.Idea, Title: c.Title, Category: c.Category, Votes: c.Votes, VoteScore: round2(vs), ExpertScore: round2(c.ExpertScore),
			ExpertNorm: round2(es), Combined: round2((float64(rules.PublicWeight)*vs + float64(rules.ExpertWeight)*es) / 100)}
	}
	reviewed := map[int64]bool{}
	for _, c := range cs {
		reviewed[c.Idea] = c.Reviewed
	}
	slices.SortStableFunc(out, func(a, b Award) int {
		return cmp.Or(-cmp.Compare(a.Combined, b.Combined), -cmp.Compare(a.ExpertScore, b.ExpertScore), -cmp.Compare(a.Votes, b.Votes),
			cmp.Compare(a.Idea, b.Idea))
	})
	tier, left := 0, 0
	if len(rules.Prizes) > 0 {
		left = rules.Prizes[0].Count
	}
	for i := range out {
		out[i].Rank = i + 1
		if tier >= len(rules.Prizes) || !reviewed[out[i].Idea] {
			continue
		}
		out[i].Tier = rules.Prizes[tier].Code
		if left--; left == 0 {
			if tier++; tier < len(rules.Prizes) {
				left = rules.Prizes[tier].Count
			}
		}
	}
	return out
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// Adoption statuses: a department's answer to an idea routed to it.
const (
	AdoptionReplying     = "replying"     // the feasibility reply is due
	AdoptionImplementing = "implementing" // feasible: implementation reports follow
	AdoptionInfeasible   = "infeasible"   // the department explained why not
	AdoptionDone         = "done"         // implemented
)

// AdoptionReport is one implementation report, as the public sees it.
type AdoptionReport struct {
	At   time.Time `json:"at"`
	Body string    `json:"body"`
	Done bool      `json:"done"`
}

// Adoption is an awarded or adopted idea routed to a department: its
// feasibility reply, then its implementation reports.
type Adoption struct {
	Idea       int64            `json:"idea"`
	Title      string           `json:"title"`
	Department Code             `json:"department"`
	Status     string           `json:"status"`
	TaskID     int64            `json:"task_id,omitempty"` // the open task: the reply, then the latest report
	Reply      string           `json:"reply,omitempty"`
	Plan       string           `json:"plan,omitempty"`
	RepliedAt  time.Time        `json:"replied_at,omitzero"`
	Reports    []AdoptionReport `json:"reports,omitempty"`
}

// Ended reports whether nothing more is due on the adoption.
func (a Adoption) Ended() bool { return a.Status == AdoptionInfeasible || a.Status == AdoptionDone }

// Contest is a year's Lotus City idea contest: the state its workflow
// keeps and PostgreSQL mirrors. Ideas, voters and votes live in tables of
// their own, written straight by the public; the workflow governs the
// phases.
type Contest struct {
	ID          string       `json:"id"`
	Year        int          `json:"year"`
	Theme       string       `json:"theme"`
	Committee   Code         `json:"committee"` // whose office runs the contest
	Rules       ContestRules `json:"rules"`
	Phase       ContestPhase `json:"phase"`
	Version     int          `json:"version"`
	StartedBy   string       `json:"started_by"`
	StartedAt   time.Time    `json:"started_at"`
	Programme   Programme    `json:"programme"` // the expert review's definition
	Round       string       `json:"round,omitempty"`
	Shortlist   []Candidate  `json:"shortlist,omitempty"`  // the ideas sent to the experts, with their votes
	Unscreened  int          `json:"unscreened,omitempty"` // ideas left to screen when voting was due
	Results     []Award      `json:"results,omitempty"`
	ConfirmedBy string       `json:"confirmed_by,omitempty"`
	Adoptions   []Adoption   `json:"adoptions,omitempty"`
	Steps       []Step       `json:"steps"`
	ClosedAt    time.Time    `json:"closed_at,omitzero"`
}

// StepInto records the contest entering a phase.
func (c *Contest) StepInto(p ContestPhase, at time.Time, by, note string) {
	c.Phase = p
	c.Steps = append(c.Steps, Step{Phase: Phase(p), At: at, By: by, Note: note})
	if p.Ended() {
		c.ClosedAt = at
	}
}

// InPhase refuses an action outside the phases it belongs to.
func (c Contest) InPhase(ps ...ContestPhase) error {
	if slices.Contains(ps, c.Phase) {
		return nil
	}
	return Conflict("error.contest_phase", map[string]any{"phase": string(c.Phase)})
}

// Adoption returns a pointer to an idea's adoption, or nil.
func (c *Contest) Adoption(idea int64) *Adoption {
	for i := range c.Adoptions {
		if c.Adoptions[i].Idea == idea {
			return &c.Adoptions[i]
		}
	}
	return nil
}

// AdoptionByTask returns a pointer to the adoption whose open task is id.
func (c *Contest) AdoptionByTask(id int64) *Adoption {
	for i := range c.Adoptions {
		if c.Adoptions[i].TaskID == id {
			return &c.Adoptions[i]
		}
	}
	return nil
}

// Awarded returns the ideas given a prize.
func (c Contest) Awarded() []Award {
	var out []Award
	for _, a := range c.Results {
		if a.Tier != "" {
			out = append(out, a)
		}
	}
	return out
}

// ContestConfirmInput is the reform office's confirmation of the prizes: the
// department each awarded idea goes to, and any other idea adopted.
type ContestConfirmInput struct {
	Routes map[string]Code `json:"routes"` // idea id → the department that answers it
	Reason string          `json:"reason"`
}

// Routed returns the confirmation's routes by idea, refusing ideas that
// are not in the result, and awarded ideas left without a department.
func (c Contest) Routed(in ContestConfirmInput, known func(Code) bool) (map[int64]Code, error) {
	var v Validation
	out := map[int64]Code{}
	inResult := map[int64]bool{}
	for _, a := range c.Results {
		inResult[a.Idea] = true
	}
	keys := make([]string, 0, len(in.Routes))
	for k := range in.Routes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f := "routes." + k
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil || !inResult[id] {
			v.Add(f, "validation.unknown_idea", map[string]any{"value": k})
			continue
		}
		if d := in.Routes[k]; d != "" && known(d) {
			out[id] = d
		} else {
			v.Add(f, "validation.unknown_department", map[string]any{"value": d})
		}
	}
	for _, a := range c.Awarded() {
		k := strconv.FormatInt(a.Idea, 10)
		v.Check(out[a.Idea] != "" || in.Routes[k] != "", "routes."+k, "validation.required", nil)
	}
	checkLong(&v, "reason", in.Reason, 2000)
	return out, v.Err()
}

// Idea statuses.
const (
	IdeaSubmitted  = "submitted"  // waiting for screening
	IdeaEligible   = "eligible"   // passed screening: on the vote page
	IdeaIneligible = "ineligible" // failed screening, with a reason
	IdeaMerged     = "merged"     // folded into a near-duplicate
)

// Idea is a submission to the contest.
type Idea struct {
	ID           int64     `json:"id"`
	Year         int       `json:"year"`
	TrackingCode string    `json:"tracking_code,omitempty"`
	Name         string    `json:"name"`
	Contact      string    `json:"contact,omitempty"`
	Category     string    `json:"category"`
	Title        string    `json:"title"`
	Problem      string    `json:"problem"`
	Proposal     string    `json:"idea"`
	Effect       string    `json:"effect"`
	Attachments  []int64   `json:"attachments,omitempty"`
	Status       string    `json:"status"`
	Reason       string    `json:"reason,omitempty"`
	MergedInto   int64     `json:"merged_into,omitempty"`
	SubmittedAt  time.Time `json:"submitted_at"`
	Votes        *int      `json:"votes,omitempty"` // shown when the rules or the phase allow
}

// Public returns what anyone may see of an idea: no contact, no tracking
// code, the submitter's name shortened.
func (i Idea) Public() Idea {
	i.Contact, i.TrackingCode = "", ""
	i.Name = MaskName(i.Name)
	return i
}

// MaskName keeps a name's first character: 张三 → 张*.
func MaskName(n string) string {
	r, _ := utf8.DecodeRuneInString(strings.TrimSpace(n))
	if r == utf8.RuneError {
		return ""
	}
	return string(r) + "*"
}

// NewIdea is an idea as the public submits it.
type NewIdea struct {
	Name        string  `json:"name"`
	Category    string  `json:"category"`
	Title       string  `json:"title"`
	Problem     string  `json:"problem"`
	Idea        string  `json:"idea"`
	Effect      string  `json:"effect"`
	Attachments []int64 `json:"attachments"`
}

// Limits on what the public submits.
const (
	IdeaTextMax        = 5000 // characters in the problem, the idea and the effect each
	IdeaAttachmentsMax = 3
	IdeaFileMax        = 5 << 20
)

// Validate checks an idea's fields against the contest's rules.
func (n NewIdea) Validate(r ContestRules) error {
	var v Validation
	checkName(&v, "name", n.Name)
	checkName(&v, "title", n.Title)
	_, ok := r.Category(n.Category)
	v.Check(ok, "category", "validation.one_of", map[string]any{"values": categoryCodes(r)})
	for _, f := range []struct{ name, value string }{{"problem", n.Problem}, {"idea", n.Idea}, {"effect", n.Effect}} {
		v.Check(strings.TrimSpace(f.value) != "", f.name, "validation.required", nil)
		checkLong(&v, f.name, f.value, IdeaTextMax)
	}
	v.Check(len(n.Attachments) <= IdeaAttachmentsMax, "attachments", "validation.too_many", map[string]any{"max": IdeaAttachmentsMax})
	return v.Err()
}

func categoryCodes(r ContestRules) string {
	codes := make([]string, len(r.Categories))
	for i, c := range r.Categories {
		codes[i] = c.Code
	}
	return strings.Join(codes, ", ")
}

var mainlandMobile = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// NormaliseContact returns a contact in the one form it is stored and
// counted under — an e-mail address in lower case, or a mainland mobile
// number of eleven digits (spaces, dashes and +86 dropped) — and whether
// it is an e-mail address. A contact of neither kind is a field error.
func NormaliseContact(field, s string) (contact string, email bool, err error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		a, perr := mail.ParseAddress(s)
		if perr == nil && a.Address == s && len(s) <= 254 {
			return strings.ToLower(s), true, nil
		}
	} else {
		d := strings.NewReplacer(" ", "", "-", "").Replace(s)
		d = strings.TrimPrefix(strings.TrimPrefix(d, "+86"), "0086")
		if mainlandMobile.MatchString(d) {
			return d, false, nil
		}
	}
	var v Validation
	v.Check(false, field, "validation.contact", nil)
	return "", false, v.Err()
}

// MaskContact shows enough of a contact for its owner to recognise it:
// 138****8000, z***@example.cn.
func MaskContact(c string) string {
	if at := strings.IndexByte(c, '@'); at > 0 {
		_, size := utf8.DecodeRuneInString(c)
		return c[:size] + "***" + c[at:]
	}
	if len(c) == 11 {
		return c[:3] + "****" + c[7:]
	}
	return "***"
}

// ScreenIdea is the office's screening decision on an idea.
type ScreenIdea struct {
	Decision   string `json:"decision"` // eligible, ineligible or merged
	Reason     string `json:"reason"`
	MergedInto int64  `json:"merged_into"`
}

// Validate checks a screening decision's fields.
func (s ScreenIdea) Validate() error {
	var v Validation
	v.Check(slices.Contains([]string{IdeaEligible, IdeaIneligible, IdeaMerged}, s.Decision), "decision", "validation.one_of",
		map[string]any{"values": "eligible, ineligible, merged"})
	v.Check(s.Decision != IdeaIneligible || strings.TrimSpace(s.Reason) != "", "reason", "validation.required", nil)
	v.Check(s.Decision != IdeaMerged || s.MergedInto > 0, "merged_into", "validation.required", nil)
	checkLong(&v, "reason", s.Reason, 2000)
	return v.Err()
}

// ContestChange is a step of a contest as its workflow records it.
type ContestChange struct {
	Key     string       `json:"key"`
	Contest Contest      `json:"contest"`
	Event   CycleEvent   `json:"event"`
	Audit   *AuditRecord `json:"audit,omitempty"`
}

// Voter is a verified contact in a contest.
type Voter struct {
	ID        int64     `json:"-"`
	Year      int       `json:"year"`
	Contact   string    `json:"contact"`
	VotesCast int       `json:"votes_cast"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Vote is a vote cast.
type Vote struct {
	Idea int64     `json:"idea"`
	At   time.Time `json:"at"`
}

// Burst is a source (an address or a subnet) that did much in one window.
type Burst struct {
	Source      string    `json:"source"`
	WindowStart time.Time `json:"window_start"`
	Votes       int       `json:"votes,omitempty"`
	Voters      int       `json:"voters"`
}

// VoteAnomalies is what the office reviews before trusting a tally: votes
// in bursts from one address or subnet, and many contacts verified at once
// from one subnet.
type VoteAnomalies struct {
	WindowMinutes int     `json:"window_minutes"`
	AddressBursts []Burst `json:"address_bursts"`
	SubnetBursts  []Burst `json:"subnet_bursts"`
	FreshContacts []Burst `json:"fresh_contacts"`
	AddressLimit  int     `json:"address_threshold"`
	SubnetLimit   int     `json:"subnet_threshold"`
	FreshLimit    int     `json:"fresh_threshold"`
}
