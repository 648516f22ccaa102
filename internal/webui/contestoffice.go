package webui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/contests"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/postgres"
	"lianxi/workflows"
)

// maxIdeasManaged is how many ideas the manage page lists at once; the
// filters narrow a longer list.
const maxIdeasManaged = 1000

// contestOffice reports whether a person runs the contests: the office of
// the joint meeting that owns them.
func contestOffice(u domain.User) bool { return u.HasFor(domain.RoleOffice, contests.Committee) }

// manageURL is the address of a contest's office page.
func manageURL(year int) string { return contestURL(year) + "/manage" }

// contestRow is a contest as the office's list shows it.
type contestRow struct {
	Year       int
	Theme      string
	Phase      domain.ContestPhase
	PhaseLabel string
	StartedAt  time.Time
}

// contestsPageData is the office's list of contests with the form that
// starts one.
type contestsPageData struct {
	Rows     []contestRow
	CanStart bool
	Forms    forms
}

func (p *Pages) contestList(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	p.showContests(w, r, u, http.StatusOK, cycleForm{})
}

func (p *Pages) showContests(w http.ResponseWriter, r *http.Request, u domain.User, status int, refused cycleForm) {
	cs, ok := readFor(p, w, r, u, func() ([]domain.Contest, error) { return p.contests.List(r.Context(), u) })
	if !ok {
		return
	}
	v := p.newView(r, "contest.list.title", "contests")
	data := contestsPageData{CanStart: contestOffice(u), Forms: forms{Refused: refused}}
	for _, c := range cs {
		data.Rows = append(data.Rows, contestRow{Year: c.Year, Theme: c.Theme, Phase: c.Phase, PhaseLabel: v.T("contest.phase." + string(c.Phase)),
			StartedAt: c.StartedAt})
	}
	data.Forms.set("start", "year", strconv.Itoa(p.now().In(calendar.Location).Year()))
	v.Data = data
	p.render(w, r, status, "contests", v)
}

// startContest starts a year's contest from the office's form: the year
// and the theme, the rules by default; a refusal shows the list again with
// the messages beside the inputs.
func (p *Pages) startContest(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if !contestOffice(u) {
		p.forbidden(w, r, u)
		return
	}
	lang := i18n.FromRequest(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showContests(w, r, u, http.StatusRequestEntityTooLarge, cycleForm{Action: "start", Error: i18n.T(lang, "error.body_too_large", nil)})
		return
	}
	f := r.PostForm
	var v domain.Validation
	year, err := strconv.Atoi(strings.TrimSpace(f.Get("year")))
	v.Check(err == nil, "year", "validation.type_number", nil)
	err = v.Err()
	if err == nil {
		var in contests.NewContest
		if in, err = p.contests.Defaults(r.Context()); err == nil {
			in.Year, in.Theme = year, f.Get("theme")
			_, err = p.contests.Start(r.Context(), u, in, auth.RequestMeta(r))
		}
	}
	if err == nil {
		http.Redirect(w, r, manageURL(year)+"?done=start", http.StatusSeeOther)
		return
	}
	p.cycleRefused(w, r, u, err, func() {
		p.showContests(w, r, u, statusOf(err), refusedForm(lang, "start", f, err, keepFields("year", "theme")))
	})
}

// officeFilter narrows the manage page's idea list.
type officeFilter struct{ Status, Category, Q string }

func officeFilterOf(q url.Values) officeFilter {
	return officeFilter{Status: q.Get("status"), Category: q.Get("category"), Q: strings.TrimSpace(q.Get("q"))}
}

// Query is the filter as an address's query, which the page's forms carry
// in their "view" input to come back to the same list.
func (f officeFilter) Query() string {
	q := url.Values{}
	for k, s := range map[string]string{"status": f.Status, "category": f.Category, "q": f.Q} {
		if s != "" {
			q.Set(k, s)
		}
	}
	return q.Encode()
}

func (f officeFilter) empty() bool { return f == officeFilter{} }

// filterFromForm is the list a form of the manage page came from.
func filterFromForm(f url.Values) officeFilter {
	q, _ := url.ParseQuery(f.Get("view"))
	return officeFilterOf(q)
}

// ideaCounts are a contest's ideas by status.
type ideaCounts struct{ Total, Submitted, Eligible, Ineligible, Merged int }

// similarRow is a likely duplicate of an idea being screened.
type similarRow struct {
	ID    int64
	Ref   string
	Title string
	Score string
}

// officeIdeaRow is an idea on the manage page, with its screening form.
type officeIdeaRow struct {
	contests.OfficeIdea
	Ref          string
	CategoryName string
	StatusLabel  string
	MergedRef    string
	Similar      []similarRow
	Form         string // the screening form's name: "idea-12-screen"
	Screen       bool
	Public       string
}

// officeResultRow is an idea of the ranking with its combined score, its
// routing input at confirmation, and its department's answer after.
type officeResultRow struct {
	domain.Award
	TierName     string
	CategoryName string
	URL          string
	Input        string // "routes.12"
	Department   string
	Status       string
	StatusLabel  string
	Task         string
}

// contestCan says which of the manage page's forms the person has. The
// workflow decides in the end; the page hides what it would refuse.
type contestCan struct {
	Office, Screen, CloseSubmissions, OpenVoting, CloseVoting, Confirm, Cancel bool
}

func contestCanFor(u domain.User, c domain.Contest) contestCan {
	office := u.HasFor(domain.RoleOffice, c.Committee)
	in := func(ps ...domain.ContestPhase) bool { return office && slices.Contains(ps, c.Phase) }
	return contestCan{Office: office, Screen: in(domain.ContestSubmission, domain.ContestScreening),
		CloseSubmissions: in(domain.ContestSetup, domain.ContestSubmission), OpenVoting: in(domain.ContestScreening),
		CloseVoting: in(domain.ContestVoting), Confirm: in(domain.ContestConfirmation), Cancel: office && !c.Phase.Ended()}
}

// managePageData is a contest's office page: where it stands, the ideas
// with their screening, the actions of the phase, the vote's anomalies and
// the results.
type managePageData struct {
	C          domain.Contest
	PhaseLabel string
	Timeline   []phaseStep
	Counts     ideaCounts
	Filter     officeFilter
	Statuses   []option
	Cats       []option
	Ideas      []officeIdeaRow
	Decisions  []option
	Results    []officeResultRow
	Depts      []option
	Anomalies  domain.VoteAnomalies
	Bursts     bool
	Can        contestCan
	Forms      forms
	Done       string
	Orphan     string
	Public     string
}

// shows reports whether the page offers a form, by its name.
func (d managePageData) shows(form string) bool {
	if strings.HasPrefix(form, "idea-") {
		return slices.ContainsFunc(d.Ideas, func(i officeIdeaRow) bool { return i.Form == form && i.Screen })
	}
	c := d.Can
	return map[string]bool{"close-submissions": c.CloseSubmissions, "open-voting": c.OpenVoting, "close-voting": c.CloseVoting,
		"confirm": c.Confirm, "cancel": c.Cancel}[form]
}

func (p *Pages) managePage(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	year, ok := contestYear(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	p.showManage(w, r, u, year, officeFilterOf(r.URL.Query()), http.StatusOK, cycleForm{}, r.URL.Query().Get("done"))
}

// showManage renders a contest's office page, with a refused form shown
// again, or the confirmation of the action just done.
func (p *Pages) showManage(w http.ResponseWriter, r *http.Request, u domain.User, year int, filter officeFilter, status int, refused cycleForm, done string) {
	ctx := r.Context()
	c, ok := readFor(p, w, r, u, func() (domain.Contest, error) { return p.contests.Get(ctx, u, year) })
	if !ok {
		return
	}
	v := p.newView(r, "contest.manage.title", "contests")
	v.Title = v.T("contest.manage.title", "year", year)
	data, err := p.manageData(ctx, v, u, c, filter)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	data.Forms = forms{Refused: refused}
	for _, i := range data.Ideas {
		if len(i.Similar) > 0 {
			data.Forms.set(i.Form, "merged_into", strconv.FormatInt(i.Similar[0].ID, 10))
		}
	}
	if key := "contest.done." + done; done != "" && i18n.Has(v.Lang, key) {
		data.Done = v.T(key)
	}
	if refused.Action != "" && !data.shows(refused.Action) {
		data.Orphan = refused.Error
	}
	v.Data = data
	p.render(w, r, status, "contest_manage", v)
}

// manageData reads and words everything the manage page shows.
func (p *Pages) manageData(ctx context.Context, v *view, u domain.User, c domain.Contest, filter officeFilter) (managePageData, error) {
	all, err := p.contests.Ideas(ctx, u, c.Year, postgres.IdeaFilter{Limit: 100000})
	if err != nil {
		return managePageData{}, err
	}
	shown := all
	if !filter.empty() {
		shown, err = p.contests.Ideas(ctx, u, c.Year, postgres.IdeaFilter{Status: filter.Status, Category: filter.Category, Text: filter.Q,
			Limit: maxIdeasManaged})
		if err != nil {
			return managePageData{}, err
		}
	}
	an, err := p.contests.Anomalies(ctx, u, c.Year)
	if err != nil {
		return managePageData{}, err
	}
	n, _, orgs, err := p.taskNames(ctx, v.Lang)
	if err != nil {
		return managePageData{}, err
	}
	cn := newContestNames(v.Lang, c.Rules.Categories, c.Rules.Prizes, n)
	actor := func(by string) string {
		if by == workflows.SystemActor {
			return v.T("cycle.system")
		}
		return by
	}
	d := managePageData{C: c, PhaseLabel: v.T("contest.phase." + string(c.Phase)), Filter: filter, Anomalies: an, Can: contestCanFor(u, c),
		Timeline: timeline(v, "contest.phase.", domain.ContestPhases, c.Phase, domain.ContestCancelled, c.Steps, actor),
		Bursts:   len(an.AddressBursts)+len(an.SubnetBursts)+len(an.FreshContacts) > 0, Public: contestURL(c.Year)}
	titles := map[int64]string{}
	for _, i := range all {
		titles[i.ID] = i.Title
		d.Counts.add(i.Status)
	}
	for _, s := range []string{domain.IdeaSubmitted, domain.IdeaEligible, domain.IdeaIneligible, domain.IdeaMerged} {
		d.Statuses = append(d.Statuses, option{Value: s, Label: v.T("contest.status." + s), Selected: s == filter.Status})
		if s != domain.IdeaSubmitted {
			d.Decisions = append(d.Decisions, option{Value: s, Label: v.T("contest.screen." + s)})
		}
	}
	for _, cat := range c.Rules.Categories {
		d.Cats = append(d.Cats, option{Value: cat.Code, Label: cn.Category(cat.Code), Selected: cat.Code == filter.Category})
	}
	for i, idea := range shown {
		if i == maxIdeasManaged {
			break
		}
		d.Ideas = append(d.Ideas, officeIdea(v, cn, c, d.Can, idea, titles))
	}
	for _, o := range orgs {
		if o.Kind == domain.OrgDepartment && o.Active() {
			d.Depts = append(d.Depts, option{Value: o.Code, Label: o.Name(v.LangCode)})
		}
	}
	for _, a := range c.Results {
		d.Results = append(d.Results, officeResult(v, cn, c, a))
	}
	return d, nil
}

func (n *ideaCounts) add(status string) {
	n.Total++
	switch status {
	case domain.IdeaSubmitted:
		n.Submitted++
	case domain.IdeaEligible:
		n.Eligible++
	case domain.IdeaIneligible:
		n.Ineligible++
	case domain.IdeaMerged:
		n.Merged++
	}
}

// idRef is an idea's number as the pages show it.
func idRef(id int64) string { return "#" + strconv.FormatInt(id, 10) }

func officeIdea(v *view, cn contestNames, c domain.Contest, can contestCan, i contests.OfficeIdea, titles map[int64]string) officeIdeaRow {
	row := officeIdeaRow{OfficeIdea: i, Ref: idRef(i.ID), CategoryName: cn.Category(i.Category), StatusLabel: v.T("contest.status." + i.Status),
		Form: "idea-" + strconv.FormatInt(i.ID, 10) + "-screen", Screen: can.Screen}
	if i.MergedInto != 0 {
		row.MergedRef = idRef(i.MergedInto)
	}
	if i.Status == domain.IdeaEligible {
		row.Public = ideaURL(c.Year, i.ID)
	}
	for _, s := range i.Similar {
		row.Similar = append(row.Similar, similarRow{ID: s.Idea, Ref: idRef(s.Idea), Title: titles[s.Idea], Score: fmt.Sprintf("%.0f%%", 100*s.Score)})
	}
	return row
}

func officeResult(v *view, cn contestNames, c domain.Contest, a domain.Award) officeResultRow {
	row := officeResultRow{Award: a, TierName: cn.Tier(a.Tier), CategoryName: cn.Category(a.Category), URL: ideaURL(c.Year, a.Idea),
		Input: "routes." + strconv.FormatInt(a.Idea, 10)}
	if ad := c.Adoption(a.Idea); ad != nil {
		row.Department, row.Status, row.StatusLabel = cn.Dept(ad.Department), ad.Status, v.T("contest.adoption."+ad.Status)
		if ad.TaskID != 0 {
			row.Task = "/tasks/" + strconv.FormatInt(ad.TaskID, 10)
		}
	}
	return row
}

// contestSpec is one of the office's forms on the manage page: the
// workflow update it sends, and how the form becomes its argument.
type contestSpec struct {
	update string
	read   func(f url.Values, c domain.Contest) func(workflows.Action) any
	inputs []string
}

// contestActions are the manage page's forms, by the last segment of their
// address (POST /contests/{year}/manage/{action}).
var contestActions = map[string]contestSpec{
	"close-submissions": {workflows.UpdateCloseSubmissions, readContestNote, []string{"note"}},
	"open-voting":       {workflows.UpdateOpenVoting, readContestNote, []string{"note"}},
	"close-voting":      {workflows.UpdateCloseVoting, readContestNote, []string{"note"}},
	"confirm":           {workflows.UpdateConfirmPrizes, readContestConfirm, []string{"routes", "reason"}},
	"cancel":            {workflows.UpdateCancelContest, readContestCancel, []string{"reason"}},
}

func readContestNote(f url.Values, _ domain.Contest) func(workflows.Action) any {
	note := f.Get("note")
	return func(a workflows.Action) any { return workflows.NoteRequest{Action: a, Note: note} }
}

func readContestCancel(f url.Values, _ domain.Contest) func(workflows.Action) any {
	reason := f.Get("reason")
	return func(a workflows.Action) any { return workflows.ReasonRequest{Action: a, Reason: reason} }
}

// readContestConfirm reads the confirmation: a department for each idea of
// the ranking routed ("routes.12"), none for an idea not adopted.
func readContestConfirm(f url.Values, c domain.Contest) func(workflows.Action) any {
	in := domain.ContestConfirmInput{Routes: map[string]domain.Code{}, Reason: f.Get("reason")}
	for _, a := range c.Results {
		k := strconv.FormatInt(a.Idea, 10)
		if d := f.Get("routes." + k); d != "" {
			in.Routes[k] = d
		}
	}
	return func(a workflows.Action) any {
		return workflows.ContestConfirmRequest{Action: a, ContestConfirmInput: in}
	}
}

// officeForm reads a form of the manage page for a contest's office;
// false when the answer is written (not signed in, not the office, a
// body too large).
func (p *Pages) officeForm(w http.ResponseWriter, r *http.Request, form string) (domain.User, int, url.Values, bool) {
	u, ok := p.user(w, r)
	if !ok {
		return u, 0, nil, false
	}
	year, ok := contestYear(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, nil)
		return u, 0, nil, false
	}
	if !contestOffice(u) {
		p.forbidden(w, r, u)
		return u, 0, nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showManage(w, r, u, year, officeFilter{}, http.StatusRequestEntityTooLarge,
			cycleForm{Action: form, Error: i18n.T(i18n.FromRequest(r), "error.body_too_large", nil)}, "")
		return u, 0, nil, false
	}
	return u, year, r.PostForm, true
}

// officeDone goes back to the manage page (post/redirect/get) with the
// list as it was.
func officeDone(w http.ResponseWriter, r *http.Request, year int, filter officeFilter, done, anchor string) {
	q := filter.Query()
	if q != "" {
		q += "&"
	}
	http.Redirect(w, r, manageURL(year)+"?"+q+"done="+done+anchor, http.StatusSeeOther)
}

// contestAction carries a form of the manage page to the contest's
// workflow; a refusal shows the page again with the messages beside the
// inputs.
func (p *Pages) contestAction(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "action")
	spec, known := contestActions[name]
	if !known {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	u, year, f, ok := p.officeForm(w, r, name)
	if !ok {
		return
	}
	c, ok := readFor(p, w, r, u, func() (domain.Contest, error) { return p.contests.Get(r.Context(), u, year) })
	if !ok {
		return
	}
	filter := filterFromForm(f)
	_, err := p.contests.Act(r.Context(), u, "", year, spec.update, spec.read(f, c))
	if err == nil {
		officeDone(w, r, year, filter, name, "")
		return
	}
	p.cycleRefused(w, r, u, err, func() {
		p.showManage(w, r, u, year, filter, statusOf(err), refusedForm(i18n.FromRequest(r), name, f, err, keepFields(spec.inputs...)), "")
	})
}

// screenIdea records the office's screening of an idea: eligible,
// ineligible with a reason, or merged into another idea.
func (p *Pages) screenIdea(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id < 1 {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	form := "idea-" + strconv.FormatInt(id, 10) + "-screen"
	u, year, f, ok := p.officeForm(w, r, form)
	if !ok {
		return
	}
	in := domain.ScreenIdea{Decision: f.Get("decision"), Reason: strings.TrimSpace(f.Get("reason"))}
	var v domain.Validation
	if s := strings.TrimPrefix(strings.TrimSpace(f.Get("merged_into")), "#"); in.Decision == domain.IdeaMerged && s != "" {
		in.MergedInto, err = strconv.ParseInt(s, 10, 64)
		v.Check(err == nil, "merged_into", "validation.type_number", nil)
	}
	err = v.Err()
	if err == nil {
		_, err = p.contests.Screen(r.Context(), u, year, id, in, auth.RequestMeta(r))
	}
	filter := filterFromForm(f)
	if err == nil {
		officeDone(w, r, year, filter, "screen", "#idea-"+strconv.FormatInt(id, 10))
		return
	}
	p.cycleRefused(w, r, u, err, func() {
		p.showManage(w, r, u, year, filter, statusOf(err), refusedForm(i18n.FromRequest(r), form, f, err, keepFields("decision", "reason", "merged_into")), "")
	})
}
