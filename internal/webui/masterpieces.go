package webui

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/masterpieces"
	"lianxi/internal/portfolio"
	"lianxi/workflows"
)

// Masterpieces is what the pages of the cultural masterpiece projects need
// of their service (masterpieces.Service): the same calls the API makes,
// so that a page can do nothing the API refuses, and shows each person the
// part of a year the API shows them.
type Masterpieces interface {
	Start(ctx context.Context, actor domain.User, in masterpieces.NewYear, meta auth.Meta) (domain.Masterpieces, error)
	Get(ctx context.Context, actor domain.User, year int) (domain.Masterpieces, error)
	List(ctx context.Context, actor domain.User) ([]domain.Masterpieces, error)
	History(ctx context.Context, actor domain.User, year int) ([]domain.CycleEvent, error)
	Act(ctx context.Context, actor domain.User, onBehalfOf string, year int, update string, build func(workflows.Action) any) (domain.Masterpieces, error)
}

// masterpiecePageNames are the project years' page templates, parsed with
// the rest.
var masterpiecePageNames = []string{"masterpieces", "masterpiece", "masterpiece_project", "masterpiece_agenda", "masterpiece_minutes"}

func init() { pageNames = append(pageNames, masterpiecePageNames...) }

// masterpieceRoutes mounts the pages of the project years: the years, a
// year's portfolio with its forms, a project, a seminar's agenda and
// minutes.
func (p *Pages) masterpieceRoutes(r chi.Router) {
	r.Get("/masterpieces", p.masterpieceYears)
	r.Post("/masterpieces", p.startMasterpieces)
	r.Get("/masterpieces/{year}", p.masterpieceYear)
	r.Get("/masterpieces/{year}/projects/{project}", p.masterpieceProject)
	r.Get("/masterpieces/{year}/seminars/{seq}/agenda", p.seminarAgenda)
	r.Get("/masterpieces/{year}/seminars/{seq}/minutes", p.seminarMinutes)
	r.Post("/masterpieces/{year}/applications/{application}/screen", p.screenApplication)
	r.Post("/masterpieces/{year}/seminars/{seq}/confirm", p.confirmSeminar)
	r.Post("/masterpieces/{year}/projects/{project}/tranches/{tranche}/{action}", p.trancheAction)
	r.Post("/masterpieces/{year}/projects/{project}/examine", p.examineProject)
	r.Post("/masterpieces/{year}/{action}", p.masterpieceAction)
}

// masterpieceURL is the address of a year's portfolio page; projectURL of
// a project's page in that year.
func masterpieceURL(year int) string { return "/masterpieces/" + strconv.Itoa(year) }
func projectURL(year int, id string) string {
	return masterpieceURL(year) + "/projects/" + url.PathEscape(id)
}

// mpYearRow is a year as the list shows it.
type mpYearRow struct {
	Year         int
	Phase        domain.MasterpiecePhase
	PhaseLabel   string
	Applications int
	Projects     int
	StartedAt    time.Time
}

// mpYearsPage is the years the person may see, the latest first, with the
// office's form to start one.
type mpYearsPage struct {
	Rows     []mpYearRow
	CanStart bool
	Forms    forms
}

func (p *Pages) masterpieceYears(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	p.showMasterpieceYears(w, r, u, http.StatusOK, cycleForm{})
}

func (p *Pages) showMasterpieceYears(w http.ResponseWriter, r *http.Request, u domain.User, status int, refused cycleForm) {
	ms, err := p.mp.List(r.Context(), u)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "masterpiece.list.title", "masterpieces")
	data := mpYearsPage{CanStart: u.HasFor(domain.RoleOffice, domain.MasterpieceCommittee), Forms: forms{Refused: refused}}
	for _, m := range ms {
		data.Rows = append(data.Rows, mpYearRow{Year: m.Year, Phase: m.Phase, PhaseLabel: v.T("masterpiece.phase." + string(m.Phase)),
			Applications: len(m.Applications), Projects: len(m.Projects), StartedAt: m.StartedAt})
	}
	data.Forms.set("start", "year", strconv.Itoa(p.now().In(calendar.Location).Year()))
	v.Data = data
	p.render(w, r, status, "masterpieces", v)
}

// startMasterpieces starts a year from the office's form; a refusal (the
// year started already, a year out of range) shows the list again with the
// message beside the year.
func (p *Pages) startMasterpieces(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	lang := i18n.FromRequest(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showMasterpieceYears(w, r, u, http.StatusRequestEntityTooLarge, cycleForm{Action: "start", Error: i18n.T(lang, "error.body_too_large", nil)})
		return
	}
	var v domain.Validation
	year, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("year")))
	v.Check(err == nil, "year", "validation.type_number", nil)
	err = v.Err()
	if err == nil {
		var m domain.Masterpieces
		if m, err = p.mp.Start(r.Context(), u, masterpieces.NewYear{Year: year}, auth.RequestMeta(r)); err == nil {
			http.Redirect(w, r, masterpieceURL(m.Year)+"?done=start", http.StatusSeeOther)
			return
		}
	}
	p.cycleRefused(w, r, u, err, func() {
		p.showMasterpieceYears(w, r, u, statusOf(err), refusedForm(lang, "start", r.PostForm, err, nil))
	})
}

// mpViewer puts a year into words for one person.
type mpViewer struct {
	v     *view
	n     names
	u     domain.User
	m     domain.Masterpieces
	whole bool // the person sees all of the year
	now   time.Time
}

func (mv mpViewer) office() bool { return mv.u.HasFor(domain.RoleOffice, mv.m.Committee) }
func (mv mpViewer) convener() bool {
	return mv.u.HasFor(domain.RoleConvener, mv.m.Committee)
}

// finance reports whether the person releases tranches for the finance
// bureau.
func (mv mpViewer) finance() bool { return domain.CanHandle(mv.u, masterpieceFinance) }

// masterpieceFinance is the department that releases the tranches.
const masterpieceFinance = "finance"

func (mv mpViewer) in(ps ...domain.MasterpiecePhase) bool { return slices.Contains(ps, mv.m.Phase) }

// departments are the departments the person acts for.
func (mv mpViewer) departments() []domain.Code {
	var out []domain.Code
	for _, g := range mv.u.Grants {
		if g.Department != "" && domain.CanHandle(mv.u, g.Department) && !slices.Contains(out, g.Department) {
			out = append(out, g.Department)
		}
	}
	return out
}

// unconfirmed is the last sitting of the seminar while it waits for the
// convener, or nil.
func (mv mpViewer) unconfirmed() *domain.Seminar {
	if n := len(mv.m.Seminars); n > 0 && mv.m.Seminars[n-1].ConfirmedBy == "" {
		return &mv.m.Seminars[n-1]
	}
	return nil
}

// seminarKind is the kind of sitting the office records now: the planning
// seminar after the review, supplements while the portfolio runs.
func (mv mpViewer) seminarKind() string {
	if mv.m.Phase == domain.MasterpiecePortfolio {
		return domain.SeminarSupplement
	}
	return domain.SeminarPlanning
}

// listed reports whether an application became a project of the year.
func (mv mpViewer) listed(app int) bool {
	return slices.ContainsFunc(mv.m.Projects, func(p domain.Project) bool { return p.Application == app && p.Year == mv.m.Year })
}

// candidates are the applications a sitting may determine: accepted and
// not on the list yet, in the experts' ranking order (then the rest, by
// number).
func (mv mpViewer) candidates() []domain.Application {
	var out []domain.Application
	for _, k := range mv.m.Ranking {
		if a := mv.m.Application(k.Entry); a != nil && a.Status == domain.AppAccepted && !mv.listed(a.ID) {
			out = append(out, *a)
		}
	}
	for _, a := range mv.m.Accepted() {
		if !mv.listed(a.ID) && !slices.ContainsFunc(out, func(x domain.Application) bool { return x.ID == a.ID }) {
			out = append(out, a)
		}
	}
	return out
}

// mpCan says which forms a person gets on a year's page. The workflow
// decides in the end; the page only hides what would be refused.
type mpCan struct {
	Apply, CloseCall, Screen, CloseScreening bool
	Record, Confirm, CloseYear               bool
}

func (mv mpViewer) can() mpCan {
	office := mv.office()
	return mpCan{
		Apply:          mv.in(domain.MasterpieceCall, domain.MasterpiecePortfolio) && (office || len(mv.departments()) > 0),
		CloseCall:      office && mv.in(domain.MasterpieceCall),
		Screen:         office && mv.in(domain.MasterpieceScreening, domain.MasterpiecePortfolio),
		CloseScreening: office && mv.in(domain.MasterpieceScreening),
		Record:         office && mv.in(domain.MasterpieceSeminar, domain.MasterpiecePortfolio) && mv.unconfirmed() == nil && len(mv.candidates()) > 0,
		Confirm:        mv.convener() && mv.unconfirmed() != nil,
		CloseYear:      office && mv.in(domain.MasterpiecePortfolio),
	}
}

// shows reports whether the page offers a form, by its name.
func (c mpCan) shows(form string, d mpYearPage) bool {
	switch {
	case strings.HasPrefix(form, "application-"):
		return slices.ContainsFunc(d.Apps, func(a mpAppRow) bool { return a.Form+"screen" == form && a.Screen })
	case strings.HasPrefix(form, "seminar-"):
		return c.Confirm
	}
	return map[string]bool{"apply": c.Apply, "close-call": c.CloseCall, "close-screening": c.CloseScreening, "record-seminar": c.Record,
		"close-year": c.CloseYear}[form]
}

func (mv mpViewer) actor(by string) string {
	if by == workflows.SystemActor || by == "" {
		return mv.v.T("cycle.system")
	}
	return by
}

// timeline is the year's phases.
func (mv mpViewer) timeline() []phaseStep {
	return timeline(mv.v, "masterpiece.phase.", domain.MasterpiecePhases, mv.m.Phase, domain.MasterpieceCancelled, mv.m.Steps, mv.actor)
}

// ranked is an application's place in the experts' ranking, if it has one.
func (mv mpViewer) ranked(app int) *domain.Ranked {
	for i := range mv.m.Ranking {
		if mv.m.Ranking[i].Entry == app {
			return &mv.m.Ranking[i]
		}
	}
	return nil
}

// mpAppRow is an application in words, with the office's screening form.
type mpAppRow struct {
	domain.Application
	Ref        string // "#3"
	Sponsor    string
	GenreLabel string
	StatusText string
	Requested  string
	Budget     string
	Score      string // the experts' score, once ranked
	Rank       int
	Listed     bool
	Form       string // prefix of its forms' names: "application-3-"
	Screen     bool
}

func (mv mpViewer) application(a domain.Application, screen bool) mpAppRow {
	v := mv.v
	row := mpAppRow{Application: a, Ref: ref(a.ID), Sponsor: mv.n.org(a.Sponsor), GenreLabel: v.T("masterpiece.genre." + a.Genre),
		StatusText: v.T("masterpiece.app." + a.Status), Requested: portfolio.Yuan(a.Requested), Budget: portfolio.Yuan(a.Budget),
		Listed: mv.listed(a.ID), Form: "application-" + strconv.Itoa(a.ID) + "-"}
	if k := mv.ranked(a.ID); k != nil {
		row.Rank, row.Score = k.Rank, strconv.FormatFloat(k.Score, 'f', 2, 64)
	}
	row.Screen = screen && (mv.m.Phase == domain.MasterpieceScreening || !row.Listed)
	return row
}

// mpProjectRow is a project as the portfolio lists it.
type mpProjectRow struct {
	portfolio.Project
	URL        string
	Sponsor    string
	GenreLabel string
	StageLabel string
	Determined string
	Support    string
	ReleasedY  string
	PendingY   string
	ExamLabel  string
}

func (mv mpViewer) project(x portfolio.Project) mpProjectRow {
	v := mv.v
	row := mpProjectRow{Project: x, URL: projectURL(mv.m.Year, x.ID), Sponsor: mv.n.org(x.Sponsor), GenreLabel: v.T("masterpiece.genre." + x.Genre),
		StageLabel: v.T("masterpiece.stage." + x.Stage), Determined: portfolio.Determined(v.Lang, mv.m, x.Project),
		Support: portfolio.Yuan(x.Support), ReleasedY: portfolio.Yuan(x.Released), PendingY: portfolio.Yuan(x.Pending)}
	if x.Exam != nil {
		row.ExamLabel = v.T("masterpiece.exam." + x.Exam.Result)
	}
	return row
}

// mpSeminarRow is a sitting of the seminar with its documents and the
// convener's confirmation.
type mpSeminarRow struct {
	domain.Seminar
	KindLabel string
	Agenda    string
	Minutes   string
	Confirm   bool
	Form      string // "seminar-1-"
}

// mpTotals are the year's sums.
type mpTotals struct{ Support, Released, Pending string }

// mpYearPage is one year's portfolio: where it stands, its applications,
// the ranking, the seminar's sittings, the projects, and the forms the
// person may use.
type mpYearPage struct {
	M           domain.Masterpieces
	PhaseLabel  string
	Committee   string
	Timeline    []phaseStep
	Whole       bool
	Downloads   []option
	Apps        []mpAppRow
	Ranking     []mpAppRow
	Candidates  []mpAppRow
	Seminars    []mpSeminarRow
	Projects    []mpProjectRow
	Totals      mpTotals
	History     []historyRow
	Units       []option
	Sponsors    []option
	Genres      []option
	Decisions   []option
	SeminarKind string
	Can         mpCan
	Forms       forms
	Done        string
	Orphan      string
}

func (p *Pages) masterpieceYear(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	year, ok := contestYear(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	p.showYear(w, r, u, year, http.StatusOK, cycleForm{}, r.URL.Query().Get("done"))
}

// yearOf reads a year as the person may see it (see readFor).
func (p *Pages) yearOf(w http.ResponseWriter, r *http.Request, u domain.User, year int) (domain.Masterpieces, bool) {
	return readFor(p, w, r, u, func() (domain.Masterpieces, error) { return p.mp.Get(r.Context(), u, year) })
}

// viewerOf reads a year for a page and puts it into words for the person.
func (p *Pages) viewerOf(w http.ResponseWriter, r *http.Request, u domain.User, year int, titleKey string) (mpViewer, []domain.Organisation, bool) {
	m, ok := p.yearOf(w, r, u, year)
	if !ok {
		return mpViewer{}, nil, false
	}
	v := p.newView(r, titleKey, "masterpieces")
	n, _, orgs, err := p.taskNames(r.Context(), v.Lang)
	if err != nil {
		p.fail(w, r, err)
		return mpViewer{}, nil, false
	}
	return mpViewer{v: v, n: n, u: u, m: m, whole: portfolio.Whole(u, m.Committee), now: p.now()}, orgs, true
}

// showYear renders a year's portfolio page, with a refused form shown
// again, or with the confirmation of the action just done.
func (p *Pages) showYear(w http.ResponseWriter, r *http.Request, u domain.User, year, status int, refused cycleForm, done string) {
	mv, orgs, ok := p.viewerOf(w, r, u, year, "masterpiece.page.title")
	if !ok {
		return
	}
	v, m := mv.v, mv.m
	v.Title = v.T("masterpiece.page.title", "year", m.Year)
	can := mv.can()
	data := mpYearPage{M: m, PhaseLabel: v.T("masterpiece.phase." + string(m.Phase)), Committee: mv.n.committee(m.Committee),
		Timeline: mv.timeline(), Whole: mv.whole, Can: can, Forms: forms{Refused: refused}, SeminarKind: v.T("masterpiece.seminar." + mv.seminarKind())}
	if key := "masterpiece.done." + done; done != "" && i18n.Has(v.Lang, key) {
		data.Done = v.T(key)
	}
	if mv.whole {
		base := "/api/v1/masterpiece-rounds/" + strconv.Itoa(m.Year)
		data.Downloads = []option{{Value: base + "/portfolio.xlsx", Label: v.T("masterpiece.download.portfolio")},
			{Value: base + "/funding.xlsx", Label: v.T("masterpiece.download.funding")}}
		// The service keeps the history from some who see the year (a
		// convener before the seminar): the page then shows none.
		events, err := p.mp.History(r.Context(), u, year)
		if err != nil && domain.KindOf(err) != domain.KindForbidden {
			p.fail(w, r, err)
			return
		}
		for _, e := range events {
			data.History = append(data.History, mv.event(e))
		}
	}
	for _, a := range m.Applications {
		data.Apps = append(data.Apps, mv.application(a, can.Screen))
	}
	for _, k := range m.Ranking {
		if a := m.Application(k.Entry); a != nil {
			data.Ranking = append(data.Ranking, mv.application(*a, false))
		}
	}
	if can.Record {
		for _, a := range mv.candidates() {
			data.Candidates = append(data.Candidates, mv.application(a, false))
		}
	}
	data.Seminars = mv.seminars(can.Confirm)
	var support, released, pending float64
	for _, x := range portfolio.Projects(m, mv.now) {
		data.Projects = append(data.Projects, mv.project(x))
		support, released, pending = support+x.Support, released+x.Released, pending+x.Pending
	}
	data.Totals = mpTotals{Support: portfolio.Yuan(support), Released: portfolio.Yuan(released), Pending: portfolio.Yuan(pending)}
	data.Units, data.Sponsors = mv.unitOptions(orgs)
	for _, g := range domain.Genres {
		data.Genres = append(data.Genres, option{Value: g, Label: v.T("masterpiece.genre." + g)})
	}
	for _, d := range []string{domain.AppAccepted, domain.AppRejected} {
		data.Decisions = append(data.Decisions, option{Value: d, Label: v.T("masterpiece.screen." + d)})
	}
	mv.defaults(&data.Forms, data)
	// A refusal because the year moved on (another office member closed
	// the call meanwhile) belongs to a form the page no longer shows: say
	// it at the top instead.
	if refused.Action != "" && !can.shows(refused.Action, data) {
		data.Orphan = refused.Error
	}
	v.Data = data
	p.render(w, r, status, "masterpiece", v)
}

// seminars are the year's sittings, the last one with the convener's
// confirmation when it waits for it.
func (mv mpViewer) seminars(confirm bool) []mpSeminarRow {
	var out []mpSeminarRow
	for i, s := range mv.m.Seminars {
		base := masterpieceURL(mv.m.Year) + "/seminars/" + strconv.Itoa(s.Seq)
		out = append(out, mpSeminarRow{Seminar: s, KindLabel: mv.v.T("masterpiece.seminar." + s.Kind), Agenda: base + "/agenda", Minutes: base + "/minutes",
			Confirm: confirm && i == len(mv.m.Seminars)-1, Form: "seminar-" + strconv.Itoa(s.Seq) + "-"})
	}
	return out
}

// unitOptions are what the application form may name: any organisation
// of the directory as the unit; as its sponsor any department for the
// office, the person's own departments for anyone else.
func (mv mpViewer) unitOptions(orgs []domain.Organisation) (units, sponsors []option) {
	mine := mv.departments()
	for _, o := range orgs {
		if !o.Active() {
			continue
		}
		label := o.Name(mv.v.LangCode)
		units = append(units, option{Value: o.Code, Label: label})
		if o.Kind == domain.OrgDepartment && (mv.office() || slices.Contains(mine, o.Code)) {
			sponsors = append(sponsors, option{Value: o.Code, Label: label})
		}
	}
	return units, sponsors
}

// event says one entry of a year's history in words. Details come back
// from storage as JSON: numbers are float64.
func (mv mpViewer) event(e domain.CycleEvent) historyRow {
	v := mv.v
	h := historyRow{At: e.At, Actor: mv.actor(e.Actor), What: e.Kind}
	if key := "masterpiece.event." + e.Kind; i18n.Has(v.Lang, key) {
		h.What = v.T(key)
	}
	d := e.Detail
	str := func(k string) string { s, _ := d[k].(string); return s }
	num := func(k string) (int, bool) { f, ok := d[k].(float64); return int(f), ok }
	add := func(key string, kv ...any) { h.Details = append(h.Details, v.T(key, kv...)) }
	if s := str("title"); s != "" {
		add("cycle.detail.title", "text", s)
	}
	if x, ok := num("application"); ok {
		add("masterpiece.detail.application", "ref", ref(x))
	}
	if s := str("decision"); s != "" {
		h.Details = append(h.Details, v.T("masterpiece.screen."+s))
	}
	if s := str("project"); s != "" {
		add("masterpiece.detail.project", "id", s)
	}
	if x, ok := num("tranche"); ok {
		add("masterpiece.detail.tranche", "n", x)
	}
	if s := str("result"); s != "" {
		h.Details = append(h.Details, v.T("masterpiece.exam."+s))
	}
	for _, k := range []string{"note", "reason"} {
		if s := str(k); s != "" {
			add("cycle.detail."+k, "text", s)
		}
	}
	for _, k := range []string{"applications", "decisions", "tasks", "ranked", "carried"} {
		if x, ok := num(k); ok {
			add("masterpiece.detail."+k, "n", x)
		}
	}
	return h
}
