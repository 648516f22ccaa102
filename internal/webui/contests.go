package webui

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/contests"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/onetime"
	"lianxi/internal/postgres"
	"lianxi/workflows"
)

// Contests is what the pages of the Lotus City idea contest need of the
// contest service (contests.Service): the same calls the API makes, so
// that a page can do nothing the API refuses, and shows the public what
// the public API shows.
type Contests interface {
	Defaults(ctx context.Context) (contests.NewContest, error)
	Start(ctx context.Context, actor domain.User, in contests.NewContest, meta auth.Meta) (domain.Contest, error)
	Get(ctx context.Context, actor domain.User, year int) (domain.Contest, error)
	List(ctx context.Context, actor domain.User) ([]domain.Contest, error)
	Public(ctx context.Context, year int) (contests.PublicContest, error)
	Act(ctx context.Context, actor domain.User, onBehalfOf string, year int, update string, build func(workflows.Action) any) (domain.Contest, error)
	Ideas(ctx context.Context, actor domain.User, year int, f postgres.IdeaFilter) ([]contests.OfficeIdea, error)
	Screen(ctx context.Context, actor domain.User, year int, id int64, in domain.ScreenIdea, meta auth.Meta) (domain.Idea, error)
	Anomalies(ctx context.Context, actor domain.User, year int) (domain.VoteAnomalies, error)
	RequestCode(ctx context.Context, year int, contact, ip string) (onetime.Sent, error)
	Verify(ctx context.Context, year int, contact, code, ip string) (contests.Verified, error)
	Voter(ctx context.Context, year int, token string) (domain.Voter, error)
	Upload(ctx context.Context, voter domain.Voter, name string, data []byte, ip string) (int64, error)
	Submit(ctx context.Context, voter domain.Voter, in domain.NewIdea, ip string) (domain.Idea, error)
	Track(ctx context.Context, code string) (contests.Tracked, error)
	PublicIdeas(ctx context.Context, year int, category, q string, offset int) ([]domain.Idea, error)
	PublicIdea(ctx context.Context, year int, id int64) (contests.Tracked, error)
	Vote(ctx context.Context, year int, token string, idea int64, ip string) (contests.VoteResult, error)
	Votes(ctx context.Context, voter domain.Voter) (contests.MyVotes, error)
}

// contestPageNames are the contest's page templates, parsed with the rest.
var contestPageNames = []string{"contest_home", "contest_submit", "contest_track", "contest_ideas", "contest_idea", "contest_results",
	"contests", "contest_manage"}

func init() { pageNames = append(pageNames, contestPageNames...) }

// contestRoutes mounts the contest's pages: the public's (no account) and
// the reform office's.
func (p *Pages) contestRoutes(r chi.Router) {
	r.Get("/contests", p.contestList)
	r.Post("/contests", p.startContest)
	r.Get("/contests/track", p.trackForm)
	r.Get("/contests/track/{code}", p.trackPage)
	r.Get("/contests/{year}", p.contestHome)
	r.Get("/contests/{year}/submit", p.submitPage)
	r.Post("/contests/{year}/submit", p.submitIdea)
	r.Post("/contests/{year}/code", p.requestCode)
	r.Post("/contests/{year}/verify", p.verifyContact)
	r.Get("/contests/{year}/ideas", p.ideasPage)
	r.Get("/contests/{year}/ideas/{id}", p.ideaPage)
	r.Post("/contests/{year}/votes", p.castVote)
	r.Get("/contests/{year}/results", p.resultsPage)
	r.Get("/contests/{year}/manage", p.managePage)
	r.Post("/contests/{year}/manage/ideas/{id}/screen", p.screenIdea)
	r.Post("/contests/{year}/manage/{action}", p.contestAction)
}

// contestURL is the address of a year's contest home page; the other pages
// of the year hang below it.
func contestURL(year int) string { return "/contests/" + strconv.Itoa(year) }

// ideaURL is the public page of an idea.
func ideaURL(year int, id int64) string {
	return contestURL(year) + "/ideas/" + strconv.FormatInt(id, 10)
}

// trackURL is the page a submitter follows their idea on.
func trackURL(code string) string { return "/contests/track/" + code }

// contestYear reads the year of a contest's address.
func contestYear(r *http.Request) (int, bool) {
	s := chi.URLParam(r, "year")
	n, err := strconv.Atoi(s)
	return n, err == nil && len(s) == 4 && n >= 1900 && n <= 2199
}

// localName picks a name of a category or prize in the page's language.
func localName(lang i18n.Lang, zh, en string) string {
	if lang == i18n.EN {
		return pickEN(en, zh)
	}
	return zh
}

// contestNames names a contest's categories and prize tiers, and the
// departments its ideas go to, in the page's language.
type contestNames struct {
	cats, tiers map[string]string
	orgs        names
}

func newContestNames(lang i18n.Lang, cats []domain.Category, prizes []domain.PrizeTier, orgs names) contestNames {
	n := contestNames{cats: map[string]string{}, tiers: map[string]string{}, orgs: orgs}
	for _, c := range cats {
		n.cats[c.Code] = localName(lang, c.NameZH, c.NameEN)
	}
	for _, t := range prizes {
		n.tiers[t.Code] = localName(lang, t.NameZH, t.NameEN)
	}
	return n
}

// Category names a category by its code.
func (n contestNames) Category(code string) string { return cmp.Or(n.cats[code], code) }

// Tier names a prize tier by its code; no tier is no name.
func (n contestNames) Tier(code string) string { return n.tiers[code] }

// Dept names a department by its code.
func (n contestNames) Dept(code string) string { return n.orgs.org(code) }

// contestLink is an entry of the contest's own navigation.
type contestLink struct {
	URL, Label string
	Current    bool
}

// contestHead is what every public page of a contest shows on top: the
// theme, the phase, the links between the contest's pages; and the names
// its pages need.
type contestHead struct {
	Year       int
	Theme      string
	Phase      domain.ContestPhase
	PhaseLabel string
	Links      []contestLink
	Names      contestNames
}

// Open reports whether the contest takes ideas now.
func (h contestHead) Open() bool { return h.Phase == domain.ContestSubmission }

// Voting reports whether the public votes now.
func (h contestHead) Voting() bool { return h.Phase == domain.ContestVoting }

// ideasShown reports whether the contest's ideas are on show: from the vote
// on, unless it was cancelled.
func ideasShown(ph domain.ContestPhase) bool {
	return slices.Contains([]domain.ContestPhase{domain.ContestVoting, domain.ContestReview, domain.ContestConfirmation,
		domain.ContestAdoption, domain.ContestClosed}, ph)
}

// publicContest reads a year's contest for one of its public pages and
// prepares the page: its view and its head, with current the page's own
// link. False when the answer (404, an error page) is written.
func (p *Pages) publicContest(w http.ResponseWriter, r *http.Request, titleKey, current string) (contests.PublicContest, *view, contestHead, bool) {
	year, ok := contestYear(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, nil)
		return contests.PublicContest{}, nil, contestHead{}, false
	}
	return p.publicContestOf(w, r, year, titleKey, current)
}

func (p *Pages) publicContestOf(w http.ResponseWriter, r *http.Request, year int, titleKey, current string) (contests.PublicContest, *view, contestHead, bool) {
	ctx := r.Context()
	c, err := p.contests.Public(ctx, year)
	if err != nil {
		p.fail(w, r, err)
		return c, nil, contestHead{}, false
	}
	v := p.newView(r, titleKey, "")
	orgs, err := p.directoryNames(ctx, v.Lang)
	if err != nil {
		p.fail(w, r, err)
		return c, nil, contestHead{}, false
	}
	v.Title = v.T(titleKey, "year", c.Year)
	h := contestHead{Year: c.Year, Theme: c.Theme, Phase: c.Phase, PhaseLabel: v.T("contest.phase." + string(c.Phase)),
		Names: newContestNames(v.Lang, c.Categories, c.Prizes, orgs)}
	base := contestURL(c.Year)
	add := func(id, url, key string) {
		h.Links = append(h.Links, contestLink{URL: url, Label: v.T(key), Current: id == current})
	}
	add("home", base, "contest.nav.home")
	if h.Open() {
		add("submit", base+"/submit", "contest.nav.submit")
	}
	if ideasShown(c.Phase) {
		add("ideas", base+"/ideas", "contest.nav.ideas")
	}
	if c.Phase.Announced() {
		add("results", base+"/results", "contest.nav.results")
	}
	add("track", "/contests/track", "contest.nav.track")
	return c, v, h, true
}

// prizeRow is a prize tier as the home page lists it.
type prizeRow struct {
	Name  string
	Count int
}

// contestHomePage is a contest's home: the theme, the phases with their
// dates, the categories and the prizes.
type contestHomePage struct {
	Head          contestHead
	Submission    [2]time.Time
	Voting        [2]time.Time
	Categories    []string
	Prizes        []prizeRow
	VotesPerVoter int
	PublicWeight  int
	ExpertWeight  int
}

func (p *Pages) contestHome(w http.ResponseWriter, r *http.Request) {
	c, v, h, ok := p.publicContest(w, r, "contest.home.title", "home")
	if !ok {
		return
	}
	data := contestHomePage{Head: h, Submission: c.Submission, Voting: c.Voting, VotesPerVoter: c.VotesPerVoter,
		PublicWeight: c.Weights["public"], ExpertWeight: c.Weights["expert"]}
	for _, cat := range c.Categories {
		data.Categories = append(data.Categories, h.Names.Category(cat.Code))
	}
	for _, t := range c.Prizes {
		data.Prizes = append(data.Prizes, prizeRow{Name: h.Names.Tier(t.Code), Count: t.Count})
	}
	v.Data = data
	p.render(w, r, http.StatusOK, "contest_home", v)
}

// awardRow is an idea of the announced ranking.
type awardRow struct {
	domain.Award
	URL      string
	TierName string
	Category string
}

// adoptedRow is an awarded or adopted idea with the department that
// answers it and where its answer stands.
type adoptedRow struct {
	Title, URL, Department, Status, StatusLabel string
}

// contestResultsPage is the announced ranking and the adopted ideas.
type contestResultsPage struct {
	Head    contestHead
	Awards  []awardRow
	Adopted []adoptedRow
}

func (p *Pages) resultsPage(w http.ResponseWriter, r *http.Request) {
	c, v, h, ok := p.publicContest(w, r, "contest.results.title", "results")
	if !ok {
		return
	}
	data := contestResultsPage{Head: h}
	for _, a := range c.Results {
		data.Awards = append(data.Awards, awardRow{Award: a, URL: ideaURL(c.Year, a.Idea), TierName: h.Names.Tier(a.Tier), Category: h.Names.Category(a.Category)})
	}
	for _, a := range c.Adoptions {
		data.Adopted = append(data.Adopted, adoptedRow{Title: a.Title, URL: ideaURL(c.Year, a.Idea), Department: h.Names.Dept(a.Department),
			Status: a.Status, StatusLabel: v.T("contest.adoption." + a.Status)})
	}
	v.Data = data
	p.render(w, r, http.StatusOK, "contest_results", v)
}

// outcomeView is what became of an idea once the results are out: its
// place and prize, and the department's answer.
type outcomeView struct {
	Rank     int
	Tier     string
	Combined float64
	Adoption *adoptionView
}

// adoptionView is a department's answer to an idea, in words.
type adoptionView struct {
	domain.Adoption
	DepartmentName string
	StatusLabel    string
}

// outcomeOf puts a followed idea's award and adoption into words; nil
// before the results are announced.
func outcomeOf(v *view, n contestNames, t contests.Tracked) *outcomeView {
	if t.Award == nil && t.Adoption == nil {
		return nil
	}
	o := &outcomeView{}
	if a := t.Award; a != nil {
		o.Rank, o.Tier, o.Combined = a.Rank, n.Tier(a.Tier), a.Combined
	}
	if a := t.Adoption; a != nil {
		o.Adoption = &adoptionView{Adoption: *a, DepartmentName: n.Dept(a.Department), StatusLabel: v.T("contest.adoption." + a.Status)}
	}
	return o
}

// trackPageData is the submitter's view of their idea, found by its
// tracking code; or the form that asks for the code.
type trackPageData struct {
	Code      string
	Idea      *contests.Tracked
	Head      contestHead
	Category  string
	Status    string
	MergedURL string
	Outcome   *outcomeView
	Submitted bool // just submitted: the code is shown large
	Error     string
}

// trackForm asks for a tracking code; ?code= goes to its page.
func (p *Pages) trackForm(w http.ResponseWriter, r *http.Request) {
	if code := trackingCode(r.URL.Query().Get("code")); code != "" {
		http.Redirect(w, r, trackURL(code), http.StatusSeeOther)
		return
	}
	v := p.newView(r, "contest.track.title", "")
	v.Data = trackPageData{}
	p.render(w, r, http.StatusOK, "contest_track", v)
}

// trackingCode tidies a tracking code as typed: spaces dropped, upper
// case; anything but letters, digits and dashes makes it no code.
func trackingCode(s string) string {
	out := make([]rune, 0, len(s))
	for _, c := range s {
		switch {
		case c == ' ' || c == '\t':
		case c >= 'a' && c <= 'z':
			out = append(out, c-'a'+'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
			out = append(out, c)
		default:
			return ""
		}
	}
	if len(out) > 40 {
		return ""
	}
	return string(out)
}

func (p *Pages) trackPage(w http.ResponseWriter, r *http.Request) {
	code := trackingCode(chi.URLParam(r, "code"))
	t, err := p.contests.Track(r.Context(), code)
	if code == "" || domain.KindOf(err) == domain.KindNotFound {
		v := p.newView(r, "contest.track.title", "")
		v.Data = trackPageData{Code: chi.URLParam(r, "code"), Error: v.T("contest.track.not_found")}
		p.render(w, r, http.StatusNotFound, "contest_track", v)
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	_, v, h, ok := p.publicContestOf(w, r, t.Year, "contest.track.title", "track")
	if !ok {
		return
	}
	data := trackPageData{Code: t.TrackingCode, Idea: &t, Head: h, Category: h.Names.Category(t.Category), Status: v.T("contest.status." + t.Status),
		Outcome: outcomeOf(v, h.Names, t), Submitted: r.URL.Query().Get("done") == "submitted"}
	if t.MergedInto != 0 {
		data.MergedURL = ideaURL(t.Year, t.MergedInto)
	}
	v.Data = data
	p.render(w, r, http.StatusOK, "contest_track", v)
}

// Votes says an idea's vote count, or nothing when the count is not
// shown; {{with $.Votes .Votes}}…{{end}}.
func (v *view) Votes(n *int) string {
	if n == nil {
		return ""
	}
	return v.T("contest.votes", "n", *n)
}
