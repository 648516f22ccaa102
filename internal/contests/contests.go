// Package contests runs the Lotus City idea contest (莲城创意): the office
// starts a year's contest and screens the ideas; the public verifies a
// contact by a one-time code, submits ideas, follows them by tracking code
// and votes; the vote is written straight to PostgreSQL under its limits,
// while the contest's Temporal workflow governs the phases, the expert
// review, the prizes and the departments' answers.
package contests

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/onetime"
	"lianxi/internal/postgres"
	"lianxi/internal/tasks"
	lxtemporal "lianxi/internal/temporal"
	"lianxi/workflows"
)

// Committee is the joint meeting whose office (the reform office) runs the
// contests.
const Committee = "management"

// Config holds the contest's limits; zero fields take the defaults.
type Config struct {
	CodeTTL            time.Duration // how long a code is good for (10 minutes)
	TokenTTL           time.Duration // how long a verification lasts (90 days)
	CodesPerContact    int           // codes to one contact an hour (5)
	CodesPerAddress    int           // codes from one address an hour (30)
	VotesPerAddress    int           // votes a minute from one address (60, bursts of 30)
	VotesPerVoter      int           // votes a minute by one voter (20, bursts of 10)
	IdeasPerAddress    int           // ideas and files a minute from one address (12, bursts of 7)
	IdeasPerContact    int           // ideas and files a minute by one contact (6, bursts of 6: an idea with its three files fits)
	VerifiesPerAddress int           // code checks a minute from one address (30, bursts of 15)
	Anomalies          postgres.AnomalyThresholds
	MaxIdeasListed     int // the most ideas one page of the public list shows (200)
	MaxContestsShown   int
}

func (c *Config) defaults() {
	set := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.CodeTTL <= 0 {
		c.CodeTTL = 10 * time.Minute
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = 90 * 24 * time.Hour
	}
	set(&c.CodesPerContact, 5)
	set(&c.CodesPerAddress, 30)
	set(&c.VotesPerAddress, 60)
	set(&c.VotesPerVoter, 20)
	set(&c.IdeasPerAddress, 12)
	set(&c.IdeasPerContact, 6)
	set(&c.VerifiesPerAddress, 30)
	set(&c.MaxIdeasListed, 200)
	set(&c.MaxContestsShown, 20)
	if c.Anomalies.Window <= 0 {
		c.Anomalies.Window = 10 * time.Minute
	}
	set(&c.Anomalies.VotesPerAddress, 30)
	set(&c.Anomalies.VotesPerSubnet, 150)
	set(&c.Anomalies.Contacts, 20)
}

// Service is the contest service.
type Service struct {
	store    *postgres.Store
	temporal client.Client
	tasks    *tasks.Service
	codes    *onetime.Issuer
	cfg      Config
	now      func() time.Time

	votesByAddress, votesByVoter, ideasByAddress, ideasByContact, verifiesByAddress *auth.AddressLimiter
}

// New builds the service.
func New(store *postgres.Store, c client.Client, ts *tasks.Service, codes onetime.Sender, cfg Config, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	cfg.defaults()
	return &Service{store: store, temporal: c, tasks: ts, cfg: cfg, now: now,
		codes:             onetime.NewIssuer(store, codes, onetime.Limits{TTL: cfg.CodeTTL, PerContact: cfg.CodesPerContact, PerAddress: cfg.CodesPerAddress}, now),
		votesByAddress:    auth.NewAddressLimiter(cfg.VotesPerAddress, cfg.VotesPerAddress/2+1),
		votesByVoter:      auth.NewAddressLimiter(cfg.VotesPerVoter, cfg.VotesPerVoter/2+1),
		ideasByAddress:    auth.NewAddressLimiter(cfg.IdeasPerAddress, cfg.IdeasPerAddress/2+1),
		ideasByContact:    auth.NewAddressLimiter(cfg.IdeasPerContact, cfg.IdeasPerContact),
		verifiesByAddress: auth.NewAddressLimiter(cfg.VerifiesPerAddress, cfg.VerifiesPerAddress/2+1)}
}

// NewContest is what starts a contest: its year and theme, and the rules,
// which default to DefaultRules.
type NewContest struct {
	Year  int                 `json:"year"`
	Theme string              `json:"theme"`
	Rules domain.ContestRules `json:"rules"`
}

// DefaultRules are a contest's rules unless the office says otherwise: the
// customary categories and prizes, a month of submissions from now, a
// week's screening, two weeks of voting with ten votes a voter, 30/70
// weights, thirty ideas to the experts, the committee's members as
// co-organisers, fifteen working days to reply and sixty between reports.
func DefaultRules(now time.Time, coOrganisers []domain.Code) domain.ContestRules {
	opens := now.Truncate(time.Minute)
	return domain.ContestRules{Categories: domain.DefaultCategories(), SubmissionOpens: opens, SubmissionCloses: opens.AddDate(0, 0, 30),
		VoteOpens: opens.AddDate(0, 0, 37), VoteCloses: opens.AddDate(0, 0, 51), VotesPerVoter: 10, PublicWeight: 30, ExpertWeight: 70,
		Shortlist: 30, Prizes: domain.DefaultPrizes(), CoOrganisers: coOrganisers, ReplyDays: 15, ReportDays: 60}
}

// Defaults returns a new contest with the default rules, for a request to
// fill in.
func (s *Service) Defaults(ctx context.Context) (NewContest, error) {
	c, err := s.store.GetCommittee(ctx, Committee)
	if err != nil {
		return NewContest{}, err
	}
	var members []domain.Code
	for _, m := range c.Members {
		members = append(members, m.Code)
	}
	return NewContest{Year: s.now().Year(), Rules: DefaultRules(s.now(), members)}, nil
}

func (s *Service) office(u domain.User) bool {
	return u.IsAdmin() || u.HasFor(domain.RoleOffice, Committee)
}

// Start starts a year's contest, as the reform office; the same year again
// is a conflict (409) and starts nothing.
func (s *Service) Start(ctx context.Context, actor domain.User, in NewContest, meta auth.Meta) (domain.Contest, error) {
	if !actor.HasFor(domain.RoleOffice, Committee) {
		return domain.Contest{}, domain.Forbidden()
	}
	now := s.now()
	var v domain.Validation
	v.Check(in.Year >= now.Year()-1 && in.Year <= now.Year()+1, "year", "validation.range", map[string]any{"min": now.Year() - 1, "max": now.Year() + 1})
	v.Check(strings.TrimSpace(in.Theme) != "", "theme", "validation.required", nil)
	v.Check(utf8.RuneCountInString(in.Theme) <= 200, "theme", "validation.too_long", map[string]any{"max": 200})
	if err := domain.JoinInvalid(v.Err(), domain.Within("rules.", in.Rules.Validate())); err != nil {
		return domain.Contest{}, err
	}
	if err := s.tasks.CheckDepartments(ctx, "rules.co_organisers", in.Rules.CoOrganisers); err != nil {
		return domain.Contest{}, err
	}
	p, err := s.store.Programme(ctx, domain.ContestProgramme)
	if err != nil {
		return domain.Contest{}, err
	}
	c := domain.Contest{ID: domain.ContestID(in.Year), Year: in.Year, Theme: strings.TrimSpace(in.Theme), Committee: Committee, Rules: in.Rules,
		StartedBy: actor.Username, StartedAt: now, Programme: p, Steps: []domain.Step{}}
	c.StepInto(domain.ContestSetup, now, actor.Username, "")
	if !now.Before(in.Rules.SubmissionOpens) {
		c.StepInto(domain.ContestSubmission, now, actor.Username, "")
	}
	rec := meta.Record(actor.Username, "contest.start", "", domain.AuditOK)
	rec.Detail = map[string]string{"year": strconv.Itoa(in.Year)}
	err = s.store.StartContest(ctx, c, rec, func() error {
		return lxtemporal.StartOnce(ctx, s.temporal, client.StartWorkflowOptions{
			ID: c.ID, TaskQueue: workflows.TaskQueue,
			TypedSearchAttributes: temporal.NewSearchAttributes(
				temporal.NewSearchAttributeKeyKeyword(lxtemporal.SACommittee).ValueSet(Committee),
				temporal.NewSearchAttributeKeyKeyword(lxtemporal.SAKind).ValueSet("contest"),
			),
		}, domain.Conflict("error.contest_exists", map[string]any{"year": in.Year}), workflows.Contest, workflows.ContestInput{Contest: c})
	})
	return c, err
}

// live returns a contest's state: the workflow's while it runs, the
// recorded one otherwise.
func (s *Service) live(ctx context.Context, year int) (domain.Contest, error) {
	stored, err := s.store.GetContest(ctx, year)
	if err != nil {
		return stored, err
	}
	return lxtemporal.Live(ctx, s.temporal, stored.ID, workflows.QueryContest, stored, stored.Phase.Ended(), func(c domain.Contest) int { return c.Version }), nil
}

// Get returns a whole contest, for the office.
func (s *Service) Get(ctx context.Context, actor domain.User, year int) (domain.Contest, error) {
	if !s.office(actor) {
		return domain.Contest{}, domain.Forbidden()
	}
	return s.live(ctx, year)
}

// List returns the contests, the latest first, for the office.
func (s *Service) List(ctx context.Context, actor domain.User) ([]domain.Contest, error) {
	if !s.office(actor) {
		return nil, domain.Forbidden()
	}
	return s.store.ListContests(ctx, s.cfg.MaxContestsShown)
}

// History returns a contest's events, for the office.
func (s *Service) History(ctx context.Context, actor domain.User, year int) ([]domain.CycleEvent, error) {
	if !s.office(actor) {
		return nil, domain.Forbidden()
	}
	c, err := s.store.GetContest(ctx, year)
	if err != nil {
		return nil, err
	}
	return s.store.ContestHistory(ctx, c.ID)
}

// PublicContest is what anyone may read of a contest.
type PublicContest struct {
	Year          int                 `json:"year"`
	Theme         string              `json:"theme"`
	Phase         domain.ContestPhase `json:"phase"`
	Categories    []domain.Category   `json:"categories"`
	Prizes        []domain.PrizeTier  `json:"prizes"`
	Submission    [2]time.Time        `json:"submission"` // opens, closes
	Voting        [2]time.Time        `json:"voting"`
	VotesPerVoter int                 `json:"votes_per_voter"`
	ShowTallies   bool                `json:"show_tallies"`
	Weights       map[string]int      `json:"weights"`
	Steps         []domain.Step       `json:"steps"`
	Results       []domain.Award      `json:"results,omitempty"` // once announced
	Adoptions     []domain.Adoption   `json:"adoptions,omitempty"`
}

func publicContest(c domain.Contest) PublicContest {
	r := c.Rules
	out := PublicContest{Year: c.Year, Theme: c.Theme, Phase: c.Phase, Categories: r.Categories, Prizes: r.Prizes,
		Submission: [2]time.Time{r.SubmissionOpens, r.SubmissionCloses}, Voting: [2]time.Time{r.VoteOpens, r.VoteCloses},
		VotesPerVoter: r.VotesPerVoter, ShowTallies: r.ShowTallies, Weights: map[string]int{"public": r.PublicWeight, "expert": r.ExpertWeight}}
	for _, st := range c.Steps {
		st.By = "" // who acted is the office's business
		out.Steps = append(out.Steps, st)
	}
	if c.Phase.Announced() {
		out.Results = c.Results
		for _, a := range c.Adoptions {
			a.TaskID = 0
			out.Adoptions = append(out.Adoptions, a)
		}
	}
	return out
}

// Public returns what anyone may read of a year's contest.
func (s *Service) Public(ctx context.Context, year int) (PublicContest, error) {
	c, err := s.live(ctx, year)
	return publicContest(c), err
}

// Act carries an office action to the contest's workflow.
func (s *Service) Act(ctx context.Context, actor domain.User, onBehalfOf string, year int, update string, build func(workflows.Action) any) (domain.Contest, error) {
	a, err := s.tasks.Authority(ctx, actor, onBehalfOf)
	if err != nil {
		return domain.Contest{}, err
	}
	arg := build(a)
	if q, ok := arg.(workflows.ContestConfirmRequest); ok {
		var codes []domain.Code
		for _, d := range q.Routes {
			codes = append(codes, d)
		}
		slices.Sort(codes)
		if err := s.tasks.CheckDepartments(ctx, "routes", slices.Compact(codes)); err != nil {
			return domain.Contest{}, err
		}
	}
	stored, err := s.store.GetContest(ctx, year)
	if err != nil {
		return domain.Contest{}, err
	}
	if stored.Phase.Ended() {
		return domain.Contest{}, domain.Conflict("error.contest_phase", map[string]any{"phase": string(stored.Phase)})
	}
	return lxtemporal.Update[domain.Contest](ctx, s.temporal, stored.ID, update, arg,
		domain.Conflict("error.contest_phase", map[string]any{"phase": string(stored.Phase)}), workflows.UpdateError)
}

// OfficeIdea is an idea as the office screens it: whole, with the ideas
// it looks like.
type OfficeIdea struct {
	domain.Idea
	Similar []Similar `json:"similar,omitempty"`
}

// Ideas lists a contest's ideas for the office, with likely duplicates
// flagged.
func (s *Service) Ideas(ctx context.Context, actor domain.User, year int, f postgres.IdeaFilter) ([]OfficeIdea, error) {
	if !s.office(actor) {
		return nil, domain.Forbidden()
	}
	if _, err := s.store.GetContest(ctx, year); err != nil {
		return nil, err
	}
	all, err := s.store.Ideas(ctx, year, postgres.IdeaFilter{Limit: 100000})
	if err != nil {
		return nil, err
	}
	dups := Duplicates(all)
	f.Votes = true
	shown, err := s.store.Ideas(ctx, year, f)
	if err != nil {
		return nil, err
	}
	out := make([]OfficeIdea, len(shown))
	for i, idea := range shown {
		out[i] = OfficeIdea{Idea: idea, Similar: dups[idea.ID]}
	}
	return out, nil
}

// Screen records the office's decision on an idea.
func (s *Service) Screen(ctx context.Context, actor domain.User, year int, id int64, in domain.ScreenIdea, meta auth.Meta) (domain.Idea, error) {
	if !actor.HasFor(domain.RoleOffice, Committee) {
		return domain.Idea{}, domain.Forbidden()
	}
	if err := in.Validate(); err != nil {
		return domain.Idea{}, err
	}
	rec := meta.Record(actor.Username, "contest.screen", "", domain.AuditOK)
	rec.Detail = map[string]string{"decision": in.Decision, "reason": in.Reason}
	if in.Decision != domain.IdeaMerged {
		in.MergedInto = 0
	}
	return s.store.ScreenIdea(ctx, year, id, in, actor.Username, rec)
}

// Anomalies is the office's report on the vote's bursts.
func (s *Service) Anomalies(ctx context.Context, actor domain.User, year int) (domain.VoteAnomalies, error) {
	if !s.office(actor) {
		return domain.VoteAnomalies{}, domain.Forbidden()
	}
	if _, err := s.store.GetContest(ctx, year); err != nil {
		return domain.VoteAnomalies{}, err
	}
	return s.store.VoteAnomalies(ctx, year, s.cfg.Anomalies)
}

// open returns a contest that takes part from the public now: between
// submissions opening and the vote closing.
func (s *Service) open(ctx context.Context, year int) (domain.Contest, error) {
	c, err := s.store.GetContest(ctx, year)
	if err != nil {
		return c, err
	}
	if !slices.Contains([]domain.ContestPhase{domain.ContestSubmission, domain.ContestScreening, domain.ContestVoting}, c.Phase) {
		return c, domain.Conflict("error.contest_not_open", nil)
	}
	return c, nil
}

// RequestCode sends a one-time code to a contact while the contest takes
// part from the public, within the limits per contact and per address.
func (s *Service) RequestCode(ctx context.Context, year int, contact, ip string) (onetime.Sent, error) {
	if _, _, err := domain.NormaliseContact("contact", contact); err != nil {
		return onetime.Sent{}, err
	}
	if _, err := s.open(ctx, year); err != nil {
		return onetime.Sent{}, err
	}
	return s.codes.Send(ctx, domain.ContestID(year), "“莲城创意”", contact, ip)
}

// Verified is a verified contact's token: sent back as the X-Voter-Token
// header (or kept in a cookie by the pages) with every submission and
// vote.
type Verified struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	Contact   string    `json:"contact"`
	VotesCast int       `json:"votes_cast"`
	VotesLeft int       `json:"votes_left"`
}

// Verify checks a code and returns the contact's token.
func (s *Service) Verify(ctx context.Context, year int, contact, code, ip string) (Verified, error) {
	if _, _, err := domain.NormaliseContact("contact", contact); err != nil {
		return Verified{}, err
	}
	// Each code dies after a few wrong tries; this bounds the tries of one
	// address across contacts.
	if err := s.verifiesByAddress.AllowKey(ip); err != nil {
		return Verified{}, err
	}
	claim, err := onetime.ReadClaim(domain.ContestID(year), contact, code)
	if err != nil {
		return Verified{}, err
	}
	c, err := s.open(ctx, year)
	if err != nil {
		return Verified{}, err
	}
	token, th, err := onetime.NewToken()
	if err != nil {
		return Verified{}, err
	}
	expires := s.now().Add(s.cfg.TokenTTL)
	v, err := s.store.VerifyContestCode(ctx, year, claim.Contact, claim.Hash, th, onetime.Addr(ip), expires)
	if err != nil {
		return Verified{}, err
	}
	return Verified{Token: token, ExpiresAt: expires, Contact: domain.MaskContact(claim.Contact), VotesCast: v.VotesCast,
		VotesLeft: max(0, c.Rules.VotesPerVoter-v.VotesCast)}, nil
}

// Voter returns the voter of a token in a contest; any other token is
// unauthenticated.
func (s *Service) Voter(ctx context.Context, year int, token string) (domain.Voter, error) {
	if token == "" {
		return domain.Voter{}, domain.Unauthenticated()
	}
	v, err := s.store.ContestVoter(ctx, onetime.Hash(token))
	if err == nil && v.Year != year {
		return domain.Voter{}, domain.Unauthenticated()
	}
	return v, err
}

// Upload keeps a file for the voter's next idea.
func (s *Service) Upload(ctx context.Context, voter domain.Voter, name string, data []byte, ip string) (int64, error) {
	if err := s.limitIdeas(voter, ip); err != nil {
		return 0, err
	}
	if _, err := s.open(ctx, voter.Year); err != nil {
		return 0, err
	}
	var v domain.Validation
	name = strings.TrimSpace(name)
	v.Check(name != "" && utf8.RuneCountInString(name) <= 200 && !strings.ContainsAny(name, "/\\\x00"), "file", "validation.file_name", nil)
	v.Check(len(data) > 0, "file", "validation.required", nil)
	v.Check(len(data) <= domain.IdeaFileMax, "file", "validation.file_too_large", map[string]any{"max_mb": domain.IdeaFileMax >> 20})
	if err := v.Err(); err != nil {
		return 0, err
	}
	sum := sha256.Sum256(data)
	return s.store.AddContestFile(ctx, voter, name, http.DetectContentType(data), sum[:], data)
}

func (s *Service) limitIdeas(voter domain.Voter, ip string) error {
	if err := s.ideasByAddress.AllowKey(ip); err != nil {
		return err
	}
	return s.ideasByContact.AllowKey(strconv.FormatInt(voter.ID, 10))
}

var trackingAlphabet = base32.NewEncoding("ABCDEFGHJKLMNPQRSTUVWXYZ23456789").WithPadding(base32.NoPadding)

// Submit stores a voter's idea while the contest takes submissions and
// returns it with its tracking code.
func (s *Service) Submit(ctx context.Context, voter domain.Voter, in domain.NewIdea, ip string) (domain.Idea, error) {
	c, err := s.store.GetContest(ctx, voter.Year)
	if err != nil {
		return domain.Idea{}, err
	}
	in.Name, in.Title = strings.TrimSpace(in.Name), strings.TrimSpace(in.Title)
	if err := in.Validate(c.Rules); err != nil {
		return domain.Idea{}, err
	}
	if err := s.limitIdeas(voter, ip); err != nil {
		return domain.Idea{}, err
	}
	raw := make([]byte, 5)
	if _, err := rand.Read(raw); err != nil {
		return domain.Idea{}, err
	}
	tracking := "LC" + strconv.Itoa(voter.Year) + "-" + trackingAlphabet.EncodeToString(raw)
	return s.store.SubmitIdea(ctx, voter, tracking, in, onetime.Addr(ip))
}

// Tracked is a submitter's view of their idea: its status, the reason
// when it was not admitted, and what the department replied once adopted.
type Tracked struct {
	domain.Idea
	Adoption *domain.Adoption `json:"adoption,omitempty"`
	Award    *domain.Award    `json:"award,omitempty"`
}

// Track returns an idea by its tracking code.
func (s *Service) Track(ctx context.Context, code string) (Tracked, error) {
	idea, err := s.store.IdeaByTracking(ctx, strings.ToUpper(strings.TrimSpace(code)))
	if err != nil {
		return Tracked{}, err
	}
	c, err := s.live(ctx, idea.Year)
	if err != nil {
		return Tracked{}, err
	}
	idea.Contact = domain.MaskContact(idea.Contact)
	return follow(c, idea), nil
}

func follow(c domain.Contest, idea domain.Idea) Tracked {
	t := Tracked{Idea: idea}
	if !c.Phase.Announced() {
		return t
	}
	if a := c.Adoption(idea.ID); a != nil {
		cp := *a
		cp.TaskID = 0
		t.Adoption = &cp
	}
	for _, a := range c.Results {
		if a.Idea == idea.ID {
			t.Award = &a
		}
	}
	return t
}

// talliesShown reports whether the public may see vote counts now.
func talliesShown(c domain.Contest) bool {
	return c.Rules.ShowTallies && c.Phase == domain.ContestVoting ||
		slices.Contains([]domain.ContestPhase{domain.ContestReview, domain.ContestConfirmation, domain.ContestAdoption, domain.ContestClosed}, c.Phase)
}

// PublicIdeas lists a contest's eligible ideas for the vote page, with
// their votes when the rules show them.
func (s *Service) PublicIdeas(ctx context.Context, year int, category, q string, offset int) ([]domain.Idea, error) {
	c, err := s.store.GetContest(ctx, year)
	if err != nil {
		return nil, err
	}
	ideas, err := s.store.Ideas(ctx, year, postgres.IdeaFilter{Status: domain.IdeaEligible, Category: category, Text: strings.TrimSpace(q),
		Limit: s.cfg.MaxIdeasListed, Offset: max(0, offset), Votes: talliesShown(c)})
	if err != nil {
		return nil, err
	}
	for i := range ideas {
		ideas[i] = ideas[i].Public()
	}
	return ideas, nil
}

// PublicIdea returns an idea anyone may read (admitted, or merged into
// one that is), with the department's reply once adopted.
func (s *Service) PublicIdea(ctx context.Context, year int, id int64) (Tracked, error) {
	idea, err := s.store.Idea(ctx, year, id)
	if err != nil {
		return Tracked{}, err
	}
	if idea.Status != domain.IdeaEligible && idea.Status != domain.IdeaMerged {
		return Tracked{}, domain.NotFound("idea", strconv.FormatInt(id, 10))
	}
	c, err := s.live(ctx, year)
	if err != nil {
		return Tracked{}, err
	}
	idea = idea.Public()
	if talliesShown(c) {
		n, err := s.store.IdeaVotes(ctx, id)
		if err != nil {
			return Tracked{}, err
		}
		idea.Votes = &n
	}
	return follow(c, idea), nil
}

// File returns a file of an idea anyone may read.
func (s *Service) File(ctx context.Context, year int, idea, id int64) (domain.Attachment, []byte, error) {
	if _, err := s.PublicIdea(ctx, year, idea); err != nil {
		return domain.Attachment{}, nil, err
	}
	return s.store.ContestFile(ctx, idea, id)
}

// VoteResult is a voter's standing after a vote.
type VoteResult struct {
	Idea      int64 `json:"idea"`
	VotesCast int   `json:"votes_cast"`
	VotesLeft int   `json:"votes_left"`
}

// Vote casts the vote of the voter whose token this is for an idea: at
// most one per idea and the contest's number in all, within the rate
// limits per address and voter. One statement checks the token, the
// phase, the idea and the limit, and stores the vote.
func (s *Service) Vote(ctx context.Context, year int, token string, idea int64, ip string) (VoteResult, error) {
	if token == "" {
		return VoteResult{}, domain.Unauthenticated()
	}
	if err := s.votesByAddress.AllowKey(ip); err != nil {
		return VoteResult{}, err
	}
	th := onetime.Hash(token)
	if err := s.votesByVoter.AllowKey(string(th)); err != nil {
		return VoteResult{}, err
	}
	cast, err := s.store.CastVote(ctx, year, th, idea, onetime.Addr(ip))
	if err != nil {
		return VoteResult{}, err
	}
	return VoteResult{Idea: idea, VotesCast: cast.VotesCast, VotesLeft: max(0, cast.Limit-cast.VotesCast)}, nil
}

// MyVotes are a voter's votes.
type MyVotes struct {
	Contact   string        `json:"contact"`
	Votes     []domain.Vote `json:"votes"`
	VotesLeft int           `json:"votes_left"`
}

// Votes returns a voter's votes.
func (s *Service) Votes(ctx context.Context, voter domain.Voter) (MyVotes, error) {
	c, err := s.store.GetContest(ctx, voter.Year)
	if err != nil {
		return MyVotes{}, err
	}
	vs, err := s.store.VotesOf(ctx, voter.ID)
	return MyVotes{Contact: domain.MaskContact(voter.Contact), Votes: vs, VotesLeft: max(0, c.Rules.VotesPerVoter-len(vs))}, err
}
