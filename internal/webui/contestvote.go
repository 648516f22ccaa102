package webui

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/contests"
	"lianxi/internal/domain"
	"lianxi/internal/httpapi"
	"lianxi/internal/i18n"
)

// ideasPageSize is how many ideas one page of the vote page lists: the
// service's page (contests.Config.MaxIdeasListed, by default).
const ideasPageSize = 200

// excerptRunes is how much of an idea a card on the vote page shows.
const excerptRunes = 90

// publicState is what a public contest page shows besides the contest: a
// refused form come back (the verification's, the idea's, a vote's), and
// the verification's code step once a code went out.
type publicState struct {
	Refused   cycleForm
	Sent      string // the contact a code went to, masked
	Contact   string // the same contact as typed, for the code step's input
	FilesLost bool   // files were chosen on the refused idea form
}

// verifyBox is the verification of a contact on a public page: a code
// asked for, then entered. Back names the page it returns to; Keep are
// inputs carried through (the vote page's filters).
type verifyBox struct {
	Year  int
	Back  string
	Step2 bool
	Sent  string
	Forms forms
	Keep  []hiddenInput
}

// hiddenInput is an input a form carries through unseen.
type hiddenInput struct{ Name, Value string }

func newVerifyBox(year int, back string, st publicState, keep []hiddenInput) verifyBox {
	b := verifyBox{Year: year, Back: back, Sent: st.Sent, Keep: keep, Forms: forms{Refused: st.Refused}}
	b.Step2 = st.Sent != "" || st.Refused.Action == "contact-verify"
	if st.Contact != "" {
		b.Forms.set("contact-verify", "contact", st.Contact)
	}
	return b
}

// contestBacks are the pages a verification returns to, by the form's
// "back" input.
var contestBacks = map[string]func(p *Pages, w http.ResponseWriter, r *http.Request, year, status int, st publicState){
	"submit": (*Pages).showSubmit,
	"ideas":  (*Pages).showIdeas,
}

// backURL is the address a verification goes back to, the vote page with
// its filters kept.
func backURL(year int, back string, f url.Values) string {
	if back == "submit" {
		return contestURL(year) + "/submit"
	}
	return contestURL(year) + "/ideas" + encodeQuery(ideaFilter(f))
}

// ideaFilter is the vote page's filter (category, search) as inputs.
func ideaFilter(f url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"category", "q"} {
		if s := strings.TrimSpace(f.Get(k)); s != "" {
			out.Set(k, s)
		}
	}
	return out
}

// encodeQuery is a query string with its "?", or nothing for no values.
func encodeQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// withDone adds the confirmation of an action to an address.
func withDone(u, done string) string {
	if strings.Contains(u, "?") {
		return u + "&done=" + done
	}
	return u + "?done=" + done
}

// keepInputs are the vote page's filters, which its forms carry through.
func keepInputs(filter url.Values) []hiddenInput {
	var out []hiddenInput
	for _, k := range []string{"category", "q"} {
		if s := filter.Get(k); s != "" {
			out = append(out, hiddenInput{Name: k, Value: s})
		}
	}
	return out
}

// voterOf returns the verified contact of the request's cookie in a
// contest; without one, an unauthenticated error.
func (p *Pages) voterOf(r *http.Request, year int) (domain.Voter, error) {
	return p.contests.Voter(r.Context(), year, voterCookie(r))
}

// voterCookie is the verified contact's token the pages keep.
func voterCookie(r *http.Request) string {
	if c, err := r.Cookie(httpapi.VoterCookie); err == nil {
		return c.Value
	}
	return ""
}

// optionalVoter is voterOf for a page that shows itself either way: nil
// when the contact is not verified; false when an error page is written.
func (p *Pages) optionalVoter(w http.ResponseWriter, r *http.Request, year int) (*domain.Voter, bool) {
	v, err := p.voterOf(r, year)
	switch {
	case err == nil:
		return &v, true
	case domain.KindOf(err) == domain.KindUnauthenticated:
		return nil, true
	}
	p.fail(w, r, err)
	return nil, false
}

// setVoterCookie keeps a verified contact's token in the browser, where
// the pages and the public API find it: HttpOnly, SameSite=Lax, and Secure
// whenever the session cookie is.
func setVoterCookie(w http.ResponseWriter, r *http.Request, v contests.Verified) {
	http.SetCookie(w, &http.Cookie{Name: httpapi.VoterCookie, Value: v.Token, Path: "/", Expires: v.ExpiresAt,
		HttpOnly: true, Secure: secureSession(r), SameSite: http.SameSiteLaxMode})
}

// secureSession reports whether the request's session cookie would be
// Secure (TLS, or a deployment reached over TLS through a proxy), by asking
// the code that sets it.
func secureSession(r *http.Request) bool {
	h := headerOnly{}
	auth.SetCookie(h, r, auth.Session{})
	c, err := http.ParseSetCookie(http.Header(h).Get("Set-Cookie"))
	return err == nil && c.Secure
}

// headerOnly is a response writer that keeps only the headers written to
// it.
type headerOnly http.Header

// Header returns the headers written.
func (h headerOnly) Header() http.Header { return http.Header(h) }

// Write drops a body.
func (headerOnly) Write(b []byte) (int, error) { return len(b), nil }

// WriteHeader drops a status.
func (headerOnly) WriteHeader(int) {}

// publicForm reads a small public form of a year's contest; false when
// the answer is written (404 for a year that is no year, the page again
// for a body too large).
func (p *Pages) publicForm(w http.ResponseWriter, r *http.Request, show func(status int, st publicState)) (int, url.Values, bool) {
	year, ok := contestYear(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, nil)
		return 0, nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		show(http.StatusRequestEntityTooLarge, publicState{Refused: cycleForm{Error: i18n.T(i18n.FromRequest(r), "error.body_too_large", nil)}})
		return 0, nil, false
	}
	return year, r.PostForm, true
}

// keepFields returns a rename (see refusedForm) that leaves the messages
// of a form's own inputs beside them and sends any other to the top of
// the form; an input named "routes" takes "routes.12" too.
func keepFields(inputs ...string) func(string) string {
	return func(field string) string {
		for _, in := range inputs {
			if field == in || strings.HasPrefix(field, in+".") {
				return field
			}
		}
		return ""
	}
}

// publicRefusal answers a refused public form with its page again (show):
// the messages beside the inputs, Retry-After on a rate limit, a request
// to verify the contact when there is none. An error not of the person's
// making is the error page.
func (p *Pages) publicRefusal(w http.ResponseWriter, r *http.Request, err error, form string, f url.Values, rename func(string) string,
	show func(status int, st publicState)) {
	lang := i18n.FromRequest(r)
	switch domain.KindOf(err) {
	case domain.KindUnauthenticated:
		show(http.StatusUnauthorized, publicState{Refused: cycleForm{Error: i18n.T(lang, "contest.verify.needed", nil)}})
	case domain.KindInvalid, domain.KindConflict, domain.KindNotFound, domain.KindRateLimited:
		if de := domain.AsError(err); de != nil && de.RetryAfterSeconds > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(de.RetryAfterSeconds))
		}
		show(statusOf(err), publicState{Refused: refusedForm(lang, form, f, err, rename)})
	default:
		p.fail(w, r, err)
	}
}

// verifyShow is the page a verification form goes back to, named in its
// address (…/code?back=submit) so that it is known before the body is
// read.
func (p *Pages) verifyShow(w http.ResponseWriter, r *http.Request) (func(status int, st publicState), bool) {
	year, _ := contestYear(r)
	page, ok := contestBacks[r.URL.Query().Get("back")]
	if !ok {
		p.renderError(w, r, http.StatusNotFound, nil)
		return nil, false
	}
	return func(status int, st publicState) { page(p, w, r, year, status, st) }, true
}

// requestCode sends a one-time code to the contact typed, a few per
// address a minute (codes cost a message each), and shows the page again
// at the code step.
func (p *Pages) requestCode(w http.ResponseWriter, r *http.Request) {
	show, ok := p.verifyShow(w, r)
	if !ok {
		return
	}
	year, f, ok := p.publicForm(w, r, show)
	if !ok {
		return
	}
	rename := keepFields("contact")
	if err := p.public.Allow(r); err != nil {
		p.publicRefusal(w, r, err, "contact-code", f, rename, show)
		return
	}
	sent, err := p.contests.RequestCode(r.Context(), year, f.Get("contact"), auth.ClientIP(r))
	if err != nil {
		p.publicRefusal(w, r, err, "contact-code", f, rename, show)
		return
	}
	show(http.StatusOK, publicState{Sent: sent.Contact, Contact: strings.TrimSpace(f.Get("contact"))})
}

// verifyContact checks the code; the contact's token goes into a cookie
// and the person back to the page they verified on.
func (p *Pages) verifyContact(w http.ResponseWriter, r *http.Request) {
	show, ok := p.verifyShow(w, r)
	if !ok {
		return
	}
	year, f, ok := p.publicForm(w, r, show)
	if !ok {
		return
	}
	v, err := p.contests.Verify(r.Context(), year, f.Get("contact"), f.Get("code"), auth.ClientIP(r))
	if err != nil {
		p.publicRefusal(w, r, err, "contact-verify", f, keepFields("contact", "code"), show)
		return
	}
	setVoterCookie(w, r, v)
	http.Redirect(w, r, withDone(backURL(year, r.URL.Query().Get("back"), f), "verified"), http.StatusSeeOther)
}

// voterView is a verified contact's standing on the vote page: who, the
// votes left, the ideas voted for.
type voterView struct {
	Contact   string
	VotesLeft int
	Mine      []option // the ideas voted for: their page and title
	voted     map[int64]bool
}

// Voted reports whether the voter voted for an idea.
func (v *voterView) Voted(id int64) bool { return v != nil && v.voted[id] }

// voterViewOf reads a voter's votes, naming the ideas from those listed
// and, for any other, from the whole list.
func (p *Pages) voterViewOf(ctx context.Context, year int, voter domain.Voter, listed []domain.Idea) (*voterView, error) {
	mv, err := p.contests.Votes(ctx, voter)
	if err != nil {
		return nil, err
	}
	titles := map[int64]string{}
	for _, i := range listed {
		titles[i.ID] = i.Title
	}
	if slices.ContainsFunc(mv.Votes, func(x domain.Vote) bool { return titles[x.Idea] == "" }) {
		all, err := p.contests.PublicIdeas(ctx, year, "", "", 0)
		if err != nil {
			return nil, err
		}
		for _, i := range all {
			titles[i.ID] = i.Title
		}
	}
	out := &voterView{Contact: mv.Contact, VotesLeft: mv.VotesLeft, voted: map[int64]bool{}}
	for _, x := range mv.Votes {
		out.voted[x.Idea] = true
		out.Mine = append(out.Mine, option{Value: ideaURL(year, x.Idea), Label: cmp.Or(titles[x.Idea], "#"+strconv.FormatInt(x.Idea, 10))})
	}
	return out, nil
}

// ideaCard is an idea as the vote page shows it.
type ideaCard struct {
	domain.Idea
	URL          string
	CategoryName string
	Excerpt      string
	Voted        bool
}

// excerpt is the beginning of a text, for a card.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// ideasPageData is the vote page: the eligible ideas with the filters,
// the verification or the voter's standing, and a vote button per idea.
type ideasPageData struct {
	Head     contestHead
	Shown    bool // the ideas are on show (from the vote on)
	Cards    []ideaCard
	Cats     []option
	Category string
	Q        string
	Keep     []hiddenInput
	Voter    *voterView
	Verify   verifyBox
	CanVote  bool
	Orphan   string
	Done     string
	Next     string
}

func (p *Pages) ideasPage(w http.ResponseWriter, r *http.Request) {
	year, ok := contestYear(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	p.showIdeas(w, r, year, http.StatusOK, publicState{})
}

// showIdeas renders the vote page, its filters taken from the request
// (the address, or the inputs a form carried through).
func (p *Pages) showIdeas(w http.ResponseWriter, r *http.Request, year, status int, st publicState) {
	c, v, h, ok := p.publicContestOf(w, r, year, "contest.ideas.title", "ideas")
	if !ok {
		return
	}
	ctx := r.Context()
	_ = r.ParseForm() // the address's query, and the inputs a form carried through
	filter := ideaFilter(r.Form)
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	offset = max(0, offset)
	data := ideasPageData{Head: h, Shown: ideasShown(c.Phase), Category: filter.Get("category"), Q: filter.Get("q"), Keep: keepInputs(filter),
		Verify: newVerifyBox(year, "ideas", st, keepInputs(filter))}
	for _, cat := range c.Categories {
		data.Cats = append(data.Cats, option{Value: cat.Code, Label: h.Names.Category(cat.Code), Selected: cat.Code == data.Category})
	}
	var ideas []domain.Idea
	if data.Shown {
		var err error
		if ideas, err = p.contests.PublicIdeas(ctx, year, data.Category, data.Q, offset); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	voter, ok := p.optionalVoter(w, r, year)
	if !ok {
		return
	}
	if voter != nil {
		var err error
		if data.Voter, err = p.voterViewOf(ctx, year, *voter, ideas); err != nil {
			p.fail(w, r, err)
			return
		}
		data.CanVote = h.Voting() && data.Voter.VotesLeft > 0
	}
	for _, i := range ideas {
		data.Cards = append(data.Cards, ideaCard{Idea: i, URL: ideaURL(year, i.ID), CategoryName: h.Names.Category(i.Category),
			Excerpt: excerpt(i.Proposal, excerptRunes), Voted: data.Voter.Voted(i.ID)})
	}
	if len(ideas) >= ideasPageSize {
		q := ideaFilter(filter)
		q.Set("offset", strconv.Itoa(offset+len(ideas)))
		data.Next = contestURL(year) + "/ideas?" + q.Encode()
	}
	data.Done = doneMessage(v, r)
	if a := st.Refused.Action; a != "contact-code" && a != "contact-verify" {
		data.Orphan = st.Refused.Error
	}
	v.Data = data
	p.render(w, r, status, "contest_ideas", v)
}

// doneMessage confirms the action a public page was redirected after.
func doneMessage(v *view, r *http.Request) string {
	if key := "contest.done." + r.URL.Query().Get("done"); r.URL.Query().Get("done") != "" && i18n.Has(v.Lang, key) {
		return v.T(key)
	}
	return ""
}

// ideaPageData is one idea's public page: the idea, its files, its award
// and the department's answer once announced, and a vote button.
type ideaPageData struct {
	Head      contestHead
	Idea      contests.Tracked
	Category  string
	Status    string
	MergedURL string
	Files     []option
	Outcome   *outcomeView
	Voter     *voterView
	CanVote   bool
	Voted     bool
	Orphan    string
	Done      string
}

func (p *Pages) ideaPage(w http.ResponseWriter, r *http.Request) {
	year, ok := contestYear(r)
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if !ok || err != nil || id < 1 {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	p.showIdea(w, r, year, id, http.StatusOK, publicState{})
}

func (p *Pages) showIdea(w http.ResponseWriter, r *http.Request, year int, id int64, status int, st publicState) {
	ctx := r.Context()
	t, err := p.contests.PublicIdea(ctx, year, id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	_, v, h, ok := p.publicContestOf(w, r, year, "contest.idea.title", "ideas")
	if !ok {
		return
	}
	v.Title = t.Title
	data := ideaPageData{Head: h, Idea: t, Category: h.Names.Category(t.Category), Status: v.T("contest.status." + t.Status),
		Outcome: outcomeOf(v, h.Names, t), Done: doneMessage(v, r), Orphan: st.Refused.Error}
	if t.MergedInto != 0 {
		data.MergedURL = ideaURL(year, t.MergedInto)
	}
	for i, f := range t.Attachments {
		data.Files = append(data.Files, option{Value: "/api/v1/public/contests/" + strconv.Itoa(year) + "/ideas/" + strconv.FormatInt(id, 10) +
			"/files/" + strconv.FormatInt(f, 10), Label: v.T("contest.idea.file", "n", i+1)})
	}
	voter, ok := p.optionalVoter(w, r, year)
	if !ok {
		return
	}
	if voter != nil {
		if data.Voter, err = p.voterViewOf(ctx, year, *voter, []domain.Idea{t.Idea}); err != nil {
			p.fail(w, r, err)
			return
		}
		data.Voted = data.Voter.Voted(id)
		data.CanVote = h.Voting() && t.Status == domain.IdeaEligible && !data.Voted && data.Voter.VotesLeft > 0
	}
	v.Data = data
	p.render(w, r, status, "contest_idea", v)
}

// castVote casts the verified contact's vote for an idea and goes back to
// the page it was cast on; a refusal (voted already, no votes left, the
// vote closed, too many at once) is said at the top of that page.
func (p *Pages) castVote(w http.ResponseWriter, r *http.Request) {
	year, _ := contestYear(r)
	onIdea := r.URL.Query().Get("back") == "idea"
	var id int64
	show := func(status int, st publicState) {
		if onIdea && id > 0 {
			p.showIdea(w, r, year, id, status, st)
			return
		}
		p.showIdeas(w, r, year, status, st)
	}
	year, f, ok := p.publicForm(w, r, show)
	if !ok {
		return
	}
	id, _ = strconv.ParseInt(f.Get("idea"), 10, 64)
	_, err := p.contests.Vote(r.Context(), year, voterCookie(r), id, auth.ClientIP(r))
	if err != nil {
		p.publicRefusal(w, r, err, "vote", f, keepFields(), show)
		return
	}
	to := backURL(year, "ideas", f)
	if onIdea {
		to = ideaURL(year, id)
	}
	http.Redirect(w, r, withDone(to, "vote")+"#idea-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
