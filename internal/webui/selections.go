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
	"lianxi/internal/rankingsheet"
	"lianxi/internal/selections"
	"lianxi/workflows"
)

// Selections is what the round pages need of the selection-round service
// (selections.Service): the same calls the API makes, so that a page can
// do nothing the API refuses, and sees of a round what the API shows the
// same person.
type Selections interface {
	Start(ctx context.Context, actor domain.User, code string, in selections.NewRound, meta auth.Meta) (domain.Round, error)
	Get(ctx context.Context, actor domain.User, id string) (domain.Round, error)
	Public(ctx context.Context, id string) (domain.Round, error)
	List(ctx context.Context, actor domain.User, programme string) ([]domain.Round, error)
	History(ctx context.Context, actor domain.User, id string) ([]domain.CycleEvent, error)
	Act(ctx context.Context, actor domain.User, onBehalfOf, id, update string, build func(workflows.Action) any) (domain.Round, error)
	PublicAct(ctx context.Context, id, update string, build func(workflows.Action) any) (domain.Round, error)
	Assignments(ctx context.Context, actor domain.User) ([]selections.Assignment, error)
	Score(ctx context.Context, actor domain.User, reviewID string, in domain.ScoreInput) (domain.Round, error)
}

// roundURL is the address of a round's page; publicRoundURL of its public
// page (the call, the notice, the results).
func roundURL(id string) string       { return "/rounds/" + id }
func publicRoundURL(id string) string { return "/public/rounds/" + id }

// roundRow is a round as a programme's list shows it.
type roundRow struct {
	ID         string
	Year       int
	Phase      domain.RoundPhase
	PhaseLabel string
	Waiting    string
	StartedAt  time.Time
	Version    int
}

// roundsPage is a programme's rounds, the latest first, with the office's
// form to start one.
type roundsPage struct {
	Programme domain.Programme
	Name      string
	Rows      []roundRow
	CanStart  bool
	Forms     forms
}

func (p *Pages) rounds(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	p.showRounds(w, r, u, http.StatusOK, cycleForm{})
}

// programmeOf reads the newest definition of the programme a page is
// about; without the programme store, only its code is known.
func (p *Pages) programmeOf(ctx context.Context, code string) (domain.Programme, error) {
	if p.progs == nil {
		return domain.Programme{Code: code, NameZH: code, NameEN: code}, nil
	}
	return p.progs.Programme(ctx, code)
}

func (p *Pages) showRounds(w http.ResponseWriter, r *http.Request, u domain.User, status int, refused cycleForm) {
	code := chi.URLParam(r, "code")
	if p.sel == nil || !domain.ValidCode(code) {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	ctx := r.Context()
	prog, err := p.programmeOf(ctx, code)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	rs, err := p.sel.List(ctx, u, code)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "round.list.title", "programmes")
	data := roundsPage{Programme: prog, Name: prog.Name(v.LangCode), CanStart: u.HasFor(domain.RoleOffice, prog.Committee), Forms: forms{Refused: refused}}
	v.Title = v.T("round.list.title", "programme", data.Name)
	for _, x := range rs {
		row := roundRow{ID: x.ID, Year: x.Year, Phase: x.Phase, PhaseLabel: v.T("round.phase." + string(x.Phase)), StartedAt: x.StartedAt,
			Version: x.Programme.Version}
		role, who := x.Waiting()
		if role != "" {
			row.Waiting = v.T("round.waiting."+role, "n", len(who))
		}
		data.Rows = append(data.Rows, row)
	}
	data.Forms.set("start", "year", strconv.Itoa(p.now().In(calendar.Location).Year()))
	v.Data = data
	p.render(w, r, status, "rounds", v)
}

// startRound starts a programme's round of a year from the office's form;
// a refusal (a year started already, a year out of range) shows the list
// again with the message beside the year.
func (p *Pages) startRound(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if p.sel == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	lang := i18n.FromRequest(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showRounds(w, r, u, http.StatusRequestEntityTooLarge, cycleForm{Action: "start", Error: i18n.T(lang, "error.body_too_large", nil)})
		return
	}
	f := r.PostForm
	var v domain.Validation
	year, err := strconv.Atoi(strings.TrimSpace(f.Get("year")))
	v.Check(err == nil, "year", "validation.type_number", nil)
	err = v.Err()
	if err == nil {
		var round domain.Round
		if round, err = p.sel.Start(r.Context(), u, chi.URLParam(r, "code"), selections.NewRound{Year: year}, auth.RequestMeta(r)); err == nil {
			http.Redirect(w, r, roundURL(round.ID)+"?done=start", http.StatusSeeOther)
			return
		}
	}
	p.cycleRefused(w, r, u, err, func() {
		p.showRounds(w, r, u, statusOf(err), refusedForm(lang, "start", f, err, renames(map[string]string{"id": ""})))
	})
}

// entryRow is an entry in words, with the forms the person has on it.
type entryRow struct {
	domain.Entry
	Ref        string // "#3"
	Department string
	StatusText string
	Form       string // prefix of its forms' names: "entry-3-"
	Screen     bool   // the office may decide on it
	Revise     bool   // the person may revise it (returned, in time)
	Mine       bool   // nominated by the person's department
}

// callRow is the call for nominations sent to one department.
type callRow struct {
	Department string
	Task       string
	Entries    int
}

// expertCol is an expert of the assignments table: who, and where they
// work (their recusal's reason).
type expertCol struct {
	Username    string
	Name        string
	Affiliation string
}

// assignCell is one expert's part in one entry.
type assignCell struct {
	State string // "pending", "done", "replaced", "recused" or ""
	Label string
	Note  string // the office's reason when it chose the expert
}

// assignRow is one entry of the assignments table.
type assignRow struct {
	Ref, Title, Department string
	Cells                  []assignCell
	Done, Total            int
}

// objectionRow is an objection in words, with the office's ruling form.
type objectionRow struct {
	domain.Objection
	EntryRef   string
	EntryTitle string
	RulingText string
	Form       string // "objection-2-"
	Rule       bool
}

// publicityRow is a listed entry with the media it is recommended to.
type publicityRow struct {
	Ref, Title, Unit string
	Media            []string
	Input            string // the announce form's input: "publicity.7"
}

// sheetView is the ranking sheet as the page shows it.
type sheetView struct {
	rankingsheet.Sheet
	Links []option // downloads: the internal and public workbooks, the archive
}

// Total is a cell of a row's totals as text.
func (sheetView) Total(x *float64) string {
	if x == nil {
		return ""
	}
	return rankingsheet.Format(*x)
}

// Num is a score as text.
func (sheetView) Num(x float64) string { return rankingsheet.Format(x) }

// reviewLink is one of the person's own reviews in the round.
type reviewLink struct {
	URL, Title, State string
}

// roundCan says which forms a person gets on a round. The workflow
// decides in the end; the page only hides what would be refused.
type roundCan struct {
	Office                         bool // the office's sections (all entries, the assignments)
	Nominate                       bool
	CloseNominations, Screen       bool
	CloseScreening                 bool
	Reassign, CloseScoring         bool
	Confirm, Rule, Announce        bool
	Cancel                         bool
	Sheet                          bool
	History                        bool
	SeeObjections, SeeAssignments  bool
	SeeCalls, SeeEntries, SeeNotes bool
}

// roundPage is one round: where it stands, who it waits on, and what the
// person may see and do of it.
type roundPage struct {
	R           domain.Round
	Programme   string
	Committee   string
	PhaseLabel  string
	Timeline    []phaseStep
	WaitingRole string
	WaitingOn   []string
	Calls       []callRow
	Entries     []entryRow
	Experts     []expertCol
	Assign      []assignRow
	Pending     []option // reviews the office may hand over
	Pool        []option // experts a review may go to
	Sheet       *sheetView
	Objections  []objectionRow
	Publicity   []publicityRow
	Reviews     []reviewLink
	History     []historyRow
	Depts       []option // what the nomination form may nominate for
	Decisions   []option // screening decisions
	Rulings     []option
	Can         roundCan
	Forms       forms
	Done        string
	Orphan      string
	Public      string // the public page's address
}

func (p *Pages) round(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if p.sel == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	p.showRound(w, r, u, chi.URLParam(r, "id"), http.StatusOK, cycleForm{}, r.URL.Query().Get("done"))
}

// roundOf reads a round as the person may see it (see readFor).
func (p *Pages) roundOf(w http.ResponseWriter, r *http.Request, u domain.User, id string) (domain.Round, bool) {
	return readFor(p, w, r, u, func() (domain.Round, error) { return p.sel.Get(r.Context(), u, id) })
}

// showRound renders a round's page, with a refused form shown again, or
// with the confirmation of the action just done.
func (p *Pages) showRound(w http.ResponseWriter, r *http.Request, u domain.User, id string, status int, refused cycleForm, done string) {
	ctx := r.Context()
	x, ok := p.roundOf(w, r, u, id)
	if !ok {
		return
	}
	v := p.newView(r, "round.page.title", "programmes")
	n, _, _, err := p.taskNames(ctx, v.Lang)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	rv := roundViewer{v: v, n: n, u: u, r: x}
	can := rv.can()
	var events []domain.CycleEvent
	if can.History {
		if events, err = p.sel.History(ctx, u, id); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	name := x.Programme.Name(v.LangCode)
	v.Title = v.T("round.page.title", "programme", name, "year", x.Year)
	data := roundPage{R: x, Programme: name, Committee: n.committee(x.Programme.Committee), PhaseLabel: v.T("round.phase." + string(x.Phase)),
		Timeline: rv.timeline(), Can: can, Forms: forms{Refused: refused}, Public: publicRoundURL(x.ID)}
	if key := "round.done." + done; done != "" && i18n.Has(v.Lang, key) {
		data.Done = v.T(key)
	}
	role, who := x.Waiting()
	if role != "" {
		data.WaitingRole = v.T("round.waiting."+role, "n", len(who))
	}
	if can.Office || rv.convener() {
		// Which experts are still to score: for those who run the round.
		data.WaitingOn = rv.expertNames(who)
	}
	if can.SeeCalls {
		data.Calls = rv.calls()
	}
	for _, e := range x.Entries {
		if row := rv.entry(e); can.SeeEntries || row.Mine {
			data.Entries = append(data.Entries, row)
		}
	}
	if can.SeeAssignments {
		data.Experts, data.Assign = rv.assignments()
		data.Pending, data.Pool = rv.reassignable()
	}
	if can.Sheet {
		data.Sheet = rv.sheet()
	}
	if can.SeeObjections {
		for _, o := range x.Objections {
			data.Objections = append(data.Objections, rv.objection(o, can.Rule))
		}
	}
	data.Publicity = rv.publicity()
	data.Reviews = rv.ownReviews()
	for _, e := range events {
		data.History = append(data.History, rv.event(e))
	}
	data.Depts = rv.nominationDepts()
	for _, d := range []string{domain.ScreenAccept, domain.ScreenReturn, domain.ScreenReject} {
		data.Decisions = append(data.Decisions, option{Value: d, Label: v.T("round.screen." + d)})
	}
	for _, d := range []string{domain.RulingDismissed, domain.RulingUpheld} {
		data.Rulings = append(data.Rulings, option{Value: d, Label: v.T("round.ruling." + d)})
	}
	rv.defaults(&data.Forms)
	// A refusal because the round moved on (another office member closed
	// the call meanwhile) belongs to a form the page no longer shows: say
	// it at the top instead.
	if refused.Action != "" && !data.shows(refused.Action) {
		data.Orphan = refused.Error
	}
	v.Data = data
	p.render(w, r, status, "round", v)
}

// shows reports whether the page offers a form, by its name.
func (d roundPage) shows(form string) bool {
	switch {
	case strings.HasPrefix(form, "entry-") && strings.HasSuffix(form, "-screen"):
		return slices.ContainsFunc(d.Entries, func(e entryRow) bool { return e.Form+"screen" == form && e.Screen })
	case strings.HasPrefix(form, "entry-") && strings.HasSuffix(form, "-revise"):
		return slices.ContainsFunc(d.Entries, func(e entryRow) bool { return e.Form+"revise" == form && e.Revise })
	case strings.HasPrefix(form, "objection-"):
		return slices.ContainsFunc(d.Objections, func(o objectionRow) bool { return o.Form+"rule" == form && o.Rule })
	}
	c := d.Can
	return map[string]bool{"nominate": c.Nominate, "close-nominations": c.CloseNominations, "close-screening": c.CloseScreening,
		"reassign": c.Reassign, "close-scoring": c.CloseScoring, "confirm": c.Confirm, "announce": c.Announce, "cancel": c.Cancel}[form]
}

// roundViewer puts a round into words for one person.
type roundViewer struct {
	v *view
	n names
	u domain.User
	r domain.Round
}

func (rv roundViewer) office() bool { return rv.u.HasFor(domain.RoleOffice, rv.r.Programme.Committee) }
func (rv roundViewer) convener() bool {
	return rv.u.HasFor(domain.RoleConvener, rv.r.Programme.Committee)
}

// called are the departments called for nominations that the person acts
// for.
func (rv roundViewer) called() []domain.Code {
	var out []domain.Code
	for _, c := range rv.r.Calls {
		if domain.CanHandle(rv.u, c.Department) {
			out = append(out, c.Department)
		}
	}
	return out
}

// can works out the person's forms and sections: the office's in the
// phases where they apply, the convener's at confirmation, a called
// department's nomination form during the call.
func (rv roundViewer) can() roundCan {
	r, office, convener := rv.r, rv.office(), rv.convener()
	in := func(ps ...domain.RoundPhase) bool { return slices.Contains(ps, r.Phase) }
	called := len(rv.called()) > 0 && !office
	return roundCan{
		Office:           office,
		Nominate:         in(domain.RoundNomination) && (office || called),
		CloseNominations: office && in(domain.RoundNomination),
		Screen:           office && in(domain.RoundScreening),
		CloseScreening:   office && in(domain.RoundScreening),
		Reassign:         office && in(domain.RoundReview),
		CloseScoring:     office && in(domain.RoundReview),
		Confirm:          convener && in(domain.RoundConfirmation),
		Rule:             office && in(domain.RoundNotice),
		Announce:         office && in(domain.RoundAnnouncing),
		Cancel:           office && !r.Phase.Ended(),
		Sheet:            rankingsheet.CheckSheet(rv.u, r) == nil,
		History:          office || convener,
		SeeCalls:         office || convener || called,
		SeeEntries:       office || convener,
		SeeAssignments:   (office || convener) && len(r.Reviews) > 0,
		SeeObjections:    (office || convener) && len(r.Objections) > 0,
		SeeNotes:         office || convener,
	}
}

func (rv roundViewer) actor(by string) string {
	switch by {
	case workflows.SystemActor:
		return rv.v.T("cycle.system")
	case workflows.PublicActor:
		return rv.v.T("round.public_actor")
	}
	return by
}

// timeline is the round's phases.
func (rv roundViewer) timeline() []phaseStep {
	return timeline(rv.v, "round.phase.", domain.RoundPhases, rv.r.Phase, domain.RoundCancelled, rv.r.Steps, rv.actor)
}

// expertNames names experts by their display name where the round's pool
// knows it.
func (rv roundViewer) expertNames(usernames []string) []string {
	var out []string
	for _, u := range usernames {
		out = append(out, rv.expert(u).Name)
	}
	return out
}

func (rv roundViewer) expert(username string) expertCol {
	for _, e := range rv.r.Experts {
		if e.Username == username {
			c := expertCol{Username: e.Username, Name: e.Name}
			if c.Name == "" {
				c.Name = e.Username
			}
			if e.Affiliation != "" {
				c.Affiliation = rv.n.org(e.Affiliation)
			}
			return c
		}
	}
	return expertCol{Username: username, Name: username}
}

func (rv roundViewer) calls() []callRow {
	var out []callRow
	for _, c := range rv.r.Calls {
		if !rv.office() && !rv.convener() && !domain.CanHandle(rv.u, c.Department) {
			continue
		}
		row := callRow{Department: rv.n.org(c.Department)}
		if c.TaskID != 0 {
			row.Task = "/tasks/" + strconv.FormatInt(c.TaskID, 10)
		}
		for _, e := range rv.r.Entries {
			if e.Department == c.Department {
				row.Entries++
			}
		}
		out = append(out, row)
	}
	return out
}

func (rv roundViewer) entry(e domain.Entry) entryRow {
	v := rv.v
	row := entryRow{Entry: e, Ref: ref(e.ID), StatusText: v.T("round.entry." + e.Status), Form: "entry-" + strconv.Itoa(e.ID) + "-",
		Mine: e.Department != "" && domain.CanHandle(rv.u, e.Department)}
	row.Department = v.T("round.unit_nominated")
	if e.Department != "" {
		row.Department = rv.n.org(e.Department)
	} else if e.NominatedBy == workflows.PublicActor {
		row.Department = v.T("round.public_nominated")
	}
	open := e.Status == domain.EntrySubmitted || e.Status == domain.EntryReturned || e.Status == domain.EntryAccepted
	row.Screen = rv.office() && rv.r.Phase == domain.RoundScreening && open
	row.Revise = rv.r.Phase == domain.RoundScreening && e.Status == domain.EntryReturned && (rv.office() || row.Mine)
	return row
}

// assignments is the entries × experts table: who reviews which entry,
// who scored, whose review was handed over, and who had to step aside for
// their own department's entry or a declared conflict.
func (rv roundViewer) assignments() ([]expertCol, []assignRow) {
	r, v := rv.r, rv.v
	var cols []expertCol
	for _, e := range r.Experts {
		if slices.ContainsFunc(r.Reviews, func(x domain.Review) bool { return x.Expert == e.Username }) {
			cols = append(cols, rv.expert(e.Username))
		}
	}
	var rows []assignRow
	for _, e := range r.Entries {
		if !slices.ContainsFunc(r.Reviews, func(x domain.Review) bool { return x.Entry == e.ID }) {
			continue
		}
		row := assignRow{Ref: ref(e.ID), Title: e.Title, Department: rv.n.org(e.Department)}
		for _, c := range cols {
			cell := assignCell{}
			for _, x := range r.Reviews {
				if x.Entry != e.ID || x.Expert != c.Username {
					continue
				}
				switch {
				case x.Replaced:
					cell.State = "replaced"
				case x.Done():
					cell.State = "done"
					row.Done++
				default:
					cell.State = "pending"
				}
				if !x.Replaced {
					row.Total++
				}
				cell.Note = x.Override
			}
			if cell.State == "" && rv.recused(c.Username, e) {
				cell.State = "recused"
			}
			if cell.State != "" {
				cell.Label = v.T("round.assign." + cell.State)
			}
			row.Cells = append(row.Cells, cell)
		}
		rows = append(rows, row)
	}
	return cols, rows
}

// recused reports whether an expert may not review an entry: their own
// department's, or one they declared a conflict with.
func (rv roundViewer) recused(expert string, e domain.Entry) bool {
	if slices.Contains(rv.r.Conflicts[expert], e.ID) {
		return true
	}
	for _, x := range rv.r.Experts {
		if x.Username == expert {
			return x.Affiliation != "" && x.Affiliation == e.Department
		}
	}
	return false
}

// reassignable are the reviews not done yet, which the office may hand to
// another expert, and the experts of the pool it may name.
func (rv roundViewer) reassignable() (pending, pool []option) {
	r := rv.r
	for _, x := range r.Reviews {
		if x.Replaced || x.Done() {
			continue
		}
		title := ""
		if e := r.Entry(x.Entry); e != nil {
			title = e.Title
		}
		pending = append(pending, option{Value: strconv.Itoa(x.ID), Label: rv.v.T("round.reassign.review_label", "entry", ref(x.Entry), "title", title,
			"expert", rv.expert(x.Expert).Name)})
	}
	for _, e := range r.Experts {
		c := rv.expert(e.Username)
		label := c.Name
		if c.Affiliation != "" {
			label = rv.v.T("round.expert_with_affiliation", "name", c.Name, "affiliation", c.Affiliation)
		}
		pool = append(pool, option{Value: e.Username, Label: label})
	}
	return pending, pool
}

// sheet is the ranking sheet with its downloads.
func (rv roundViewer) sheet() *sheetView {
	s := &sheetView{Sheet: rankingsheet.Build(rv.r, false, rv.v.Lang)}
	base := "/api/v1/rounds/" + url.PathEscape(rv.r.ID)
	s.Links = []option{{Value: base + "/ranking.xlsx", Label: rv.v.T("round.sheet.download_internal")},
		{Value: base + "/ranking.xlsx?public=1", Label: rv.v.T("round.sheet.download_public")}}
	if rankingsheet.CheckArchive(rv.u, rv.r) == nil {
		s.Links = append(s.Links, option{Value: base + "/archive.json", Label: rv.v.T("round.sheet.download_archive")})
	}
	return s
}

func (rv roundViewer) objection(o domain.Objection, rule bool) objectionRow {
	row := objectionRow{Objection: o, EntryRef: ref(o.Entry), Form: "objection-" + strconv.Itoa(o.ID) + "-", Rule: rule && o.Ruling == ""}
	if e := rv.r.Entry(o.Entry); e != nil {
		row.EntryTitle = e.Title
	}
	if o.Ruling != "" {
		row.RulingText = rv.v.T("round.ruling." + o.Ruling)
	}
	return row
}

// publicity is the list as it goes out: the confirmed entries (from the
// notice on) with the media each is recommended to once announced.
func (rv roundViewer) publicity() []publicityRow {
	r := rv.r
	var out []publicityRow
	for _, id := range r.Confirmed {
		e := r.Entry(id)
		if e == nil {
			continue
		}
		key := strconv.Itoa(id)
		out = append(out, publicityRow{Ref: ref(id), Title: e.Title, Unit: e.Unit, Media: r.Publicity[key], Input: "publicity." + key})
	}
	return out
}

// ownReviews are the person's reviews in this round (an expert's).
func (rv roundViewer) ownReviews() []reviewLink {
	var out []reviewLink
	for _, x := range rv.r.Reviews {
		if x.Expert != rv.u.Username || x.Replaced {
			continue
		}
		l := reviewLink{URL: reviewURL(selections.ReviewID(rv.r.ID, x.ID)), State: rv.v.T("round.review.pending")}
		if x.Done() {
			l.State = rv.v.T("round.review.done")
		}
		if e := rv.r.Entry(x.Entry); e != nil {
			l.Title = e.Title
		}
		out = append(out, l)
	}
	return out
}

// nominationDepts is what the nomination form nominates for: the
// person's called departments, or for the office a unit outside them
// ("") and every called department.
func (rv roundViewer) nominationDepts() []option {
	var out []option
	if rv.office() {
		out = append(out, option{Value: "", Label: rv.v.T("round.nominate.unit_choice")})
		for _, c := range rv.r.Calls {
			out = append(out, option{Value: c.Department, Label: rv.n.org(c.Department)})
		}
		return out
	}
	for _, d := range rv.called() {
		out = append(out, option{Value: d, Label: rv.n.org(d)})
	}
	return out
}

// event says one entry of a round's history in words. Details come back
// from storage as JSON: numbers are float64, lists []any.
func (rv roundViewer) event(e domain.CycleEvent) historyRow {
	v := rv.v
	h := historyRow{At: e.At, Actor: rv.actor(e.Actor), What: e.Kind}
	if key := "round.event." + e.Kind; i18n.Has(v.Lang, key) {
		h.What = v.T(key)
	}
	d := e.Detail
	str := func(k string) string { s, _ := d[k].(string); return s }
	num := func(k string) (int, bool) { f, ok := d[k].(float64); return int(f), ok }
	add := func(key string, kv ...any) { h.Details = append(h.Details, v.T(key, kv...)) }
	if s := str("title"); s != "" {
		add("cycle.detail.title", "text", s)
	}
	if x, ok := num("entry"); ok {
		add("round.detail.entry", "ref", ref(x))
	}
	if s := str("decision"); s != "" {
		h.Details = append(h.Details, v.T("round.screen."+s))
	}
	if s := str("ruling"); s != "" {
		h.Details = append(h.Details, v.T("round.ruling."+s))
	}
	for _, k := range []string{"note", "reason"} {
		if s := str(k); s != "" {
			add("cycle.detail."+k, "text", s)
		}
	}
	if x, ok := num("entries"); ok {
		add("round.detail.entries", "n", x)
	}
	if x, ok := num("tasks"); ok {
		add("cycle.detail.tasks", "n", x)
	}
	if x, ok := num("experts"); ok {
		add("round.detail.experts", "n", x)
	}
	if s := str("expert"); s != "" {
		add("round.detail.expert", "name", rv.expert(s).Name)
	}
	for _, k := range []string{"proposed", "list", "results"} {
		if list, ok := d[k].([]any); ok && len(list) > 0 {
			var refs []string
			for _, x := range list {
				if f, ok := x.(float64); ok {
					refs = append(refs, ref(int(f)))
				}
			}
			add("round.detail.list", "refs", strings.Join(refs, v.T("punct.enum")))
		}
	}
	return h
}
