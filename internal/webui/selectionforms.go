package webui

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/workflows"
)

// roundCall is what a round form asks of the round's workflow: the
// update, its argument once the person's authority is known, and where a
// refused field's message goes (nil: inputs are named like the fields).
type roundCall struct {
	update string
	arg    func(workflows.Action) any
	rename func(string) string
}

// roundSpec is one form of the round page: who the page lets try it, and
// how the form becomes the call. n is the entry's or objection's number
// in the form's address. An input that does not parse is a field error
// before anything is sent.
type roundSpec struct {
	allowed func(rv roundViewer, n int) bool
	read    func(r *http.Request, x domain.Round, n int) (roundCall, error)
}

func officeOnly(rv roundViewer, _ int) bool { return rv.office() }

// roundActions are the round page's forms, by the last segment of their
// address (POST /rounds/{id}/{action}).
var roundActions = map[string]roundSpec{
	"nominate":          {func(rv roundViewer, _ int) bool { return rv.office() || len(rv.called()) > 0 }, readNominate},
	"close-nominations": {officeOnly, readRoundNote(workflows.UpdateCloseNominations)},
	"close-screening":   {officeOnly, readRoundNote(workflows.UpdateCloseScreening)},
	"reassign":          {officeOnly, readReassign},
	"close-scoring":     {officeOnly, readRoundNote(workflows.UpdateCloseScoring)},
	"confirm":           {func(rv roundViewer, _ int) bool { return rv.convener() }, readConfirm},
	"announce":          {officeOnly, readAnnounce},
	"cancel":            {officeOnly, readRoundCancel},
}

// entryActions are the forms of one entry (POST /rounds/{id}/entries/{n}/{action}):
// the office's screening, and the revision of a returned entry by its
// department (or the office).
var entryActions = map[string]roundSpec{
	"screen": {officeOnly, readScreen},
	"revise": {func(rv roundViewer, n int) bool {
		e := rv.r.Entry(n)
		return e != nil && (rv.office() || (e.Department != "" && domain.CanHandle(rv.u, e.Department)))
	}, readRevise},
}

// objectionActions are the office's ruling on an objection
// (POST /rounds/{id}/objections/{n}/rule).
var objectionActions = map[string]roundSpec{"rule": {officeOnly, readRule}}

// roundAction carries a form of the round page to the round's workflow:
// on success it redirects to the round's page (post/redirect/get); a
// refusal shows the page again with the messages beside the inputs and
// what was typed kept; a person the form is not for gets the audited 403.
func (p *Pages) roundAction(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	id, name := chi.URLParam(r, "id"), chi.URLParam(r, "action")
	spec, known := roundActions[name]
	form, n := name, 0
	for _, sub := range []struct {
		param, prefix string
		actions       map[string]roundSpec
	}{{"entry", "entry-", entryActions}, {"objection", "objection-", objectionActions}} {
		s := chi.URLParam(r, sub.param)
		if s == "" {
			continue
		}
		spec, known = sub.actions[name]
		x, err := strconv.Atoi(s)
		known = known && err == nil && x > 0
		form, n = sub.prefix+strconv.Itoa(x)+"-"+name, x
	}
	if !known || p.sel == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	lang := i18n.FromRequest(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxTaskFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showRound(w, r, u, id, http.StatusRequestEntityTooLarge, cycleForm{Action: form, Error: i18n.T(lang, "error.body_too_large", nil)}, "")
		return
	}
	x, ok := p.roundOf(w, r, u, id)
	if !ok {
		return
	}
	if !spec.allowed(roundViewer{u: u, r: x}, n) {
		p.forbidden(w, r, u)
		return
	}
	call, err := spec.read(r, x, n)
	if err == nil {
		_, err = p.sel.Act(r.Context(), u, "", x.ID, call.update, call.arg)
	}
	if err == nil {
		http.Redirect(w, r, roundURL(x.ID)+"?"+url.Values{"done": {name}}.Encode(), http.StatusSeeOther)
		return
	}
	p.cycleRefused(w, r, u, err, func() {
		p.showRound(w, r, u, id, statusOf(err), refusedForm(lang, form, r.PostForm, err, call.rename), "")
	})
}

// entryInput reads an entry's inputs (title, unit, summary, contact).
func entryInput(f url.Values) domain.NewEntry {
	return domain.NewEntry{Title: strings.TrimSpace(f.Get("title")), Unit: strings.TrimSpace(f.Get("unit")), Department: f.Get("department"),
		Summary: f.Get("summary"), Contact: strings.TrimSpace(f.Get("contact"))}
}

func readNominate(r *http.Request, _ domain.Round, _ int) (roundCall, error) {
	in := entryInput(r.PostForm)
	return roundCall{update: workflows.UpdateNominate, arg: func(a workflows.Action) any { return workflows.NominateRequest{Action: a, NewEntry: in} }}, nil
}

func readRevise(r *http.Request, x domain.Round, n int) (roundCall, error) {
	in := entryInput(r.PostForm)
	if e := x.Entry(n); e != nil {
		in.Department, in.Attachments = e.Department, e.Attachments
	}
	return roundCall{update: workflows.UpdateRevise, rename: renames(map[string]string{"entry": ""}),
		arg: func(a workflows.Action) any { return workflows.ReviseRequest{Action: a, Entry: n, NewEntry: in} }}, nil
}

func readRoundNote(update string) func(*http.Request, domain.Round, int) (roundCall, error) {
	return func(r *http.Request, _ domain.Round, _ int) (roundCall, error) {
		note := r.PostForm.Get("note")
		return roundCall{update: update, arg: func(a workflows.Action) any { return workflows.NoteRequest{Action: a, Note: note} }}, nil
	}
}

func readRoundCancel(r *http.Request, _ domain.Round, _ int) (roundCall, error) {
	reason := r.PostForm.Get("reason")
	return roundCall{update: workflows.UpdateCancelRound, arg: func(a workflows.Action) any { return workflows.ReasonRequest{Action: a, Reason: reason} }}, nil
}

func readScreen(r *http.Request, _ domain.Round, n int) (roundCall, error) {
	in := domain.ScreenInput{Entry: n, Decision: r.PostForm.Get("decision"), Reason: r.PostForm.Get("reason")}
	return roundCall{update: workflows.UpdateScreen, rename: renames(map[string]string{"entry": ""}),
		arg: func(a workflows.Action) any { return workflows.ScreenRequest{Action: a, ScreenInput: in} }}, nil
}

// readReassign reads the office's hand-over of a review: which review, to
// whom (empty: the next eligible expert) and why.
func readReassign(r *http.Request, _ domain.Round, _ int) (roundCall, error) {
	f := r.PostForm
	var v domain.Validation
	review, err := strconv.Atoi(f.Get("review"))
	v.Check(err == nil && review > 0, "review", "validation.required", nil)
	q := workflows.ReassignRequest{Review: review, Expert: f.Get("expert"), Reason: strings.TrimSpace(f.Get("reason"))}
	return roundCall{update: workflows.UpdateReassign,
		arg: func(a workflows.Action) any { q.Action = a; return q }}, v.Err()
}

// readConfirm reads the convener's list: the ranked entries ticked, in
// the ranking's order, and the reason when it is not the proposal.
func readConfirm(r *http.Request, x domain.Round, _ int) (roundCall, error) {
	f := r.PostForm
	var in domain.ConfirmInput
	in.Reason = f.Get("reason")
	for _, k := range x.Ranking {
		if slices.Contains(f["list"], strconv.Itoa(k.Entry)) {
			in.List = append(in.List, k.Entry)
		}
	}
	var v domain.Validation
	v.Check(len(in.List) > 0, "list", "validation.required", nil)
	call := roundCall{update: workflows.UpdateConfirm, rename: func(field string) string {
		if strings.HasPrefix(field, "list") {
			return "list"
		}
		return field
	}, arg: func(a workflows.Action) any { return workflows.ConfirmRequest{Action: a, ConfirmInput: in} }}
	return call, v.Err()
}

func readRule(r *http.Request, _ domain.Round, n int) (roundCall, error) {
	in := domain.RulingInput{Objection: n, Ruling: r.PostForm.Get("ruling"), Reason: r.PostForm.Get("reason")}
	return roundCall{update: workflows.UpdateRule, rename: renames(map[string]string{"objection": ""}),
		arg: func(a workflows.Action) any { return workflows.RuleRequest{Action: a, RulingInput: in} }}, nil
}

// mediaSep splits a list of media typed in one input.
var mediaSep = regexp.MustCompile(`\s*[,，、;；\n]+\s*`)

// readAnnounce reads the publicity list: for each listed entry the media
// it is recommended to ("publicity.7": 湘潭日报、湘潭电视台), an entry
// left empty left out.
func readAnnounce(r *http.Request, x domain.Round, _ int) (roundCall, error) {
	in := domain.AnnounceInput{Publicity: map[string][]string{}}
	for _, id := range x.Confirmed {
		key := strconv.Itoa(id)
		var media []string
		for _, m := range mediaSep.Split(strings.TrimSpace(r.PostForm.Get("publicity."+key)), -1) {
			if m != "" {
				media = append(media, m)
			}
		}
		if len(media) > 0 {
			in.Publicity[key] = media
		}
	}
	return roundCall{update: workflows.UpdateAnnounce, arg: func(a workflows.Action) any { return workflows.AnnounceRequest{Action: a, AnnounceInput: in} }}, nil
}

// defaults fills what the forms start with: a department's unit with its
// name, a returned entry's revision with the entry as it stands, the
// convener's list with the proposal.
func (rv roundViewer) defaults(f *forms) {
	r := rv.r
	if ds := rv.nominationDepts(); len(ds) > 0 && ds[0].Value != "" {
		f.set("nominate", "department", ds[0].Value)
		f.set("nominate", "unit", ds[0].Label)
	}
	for _, e := range r.Entries {
		form := "entry-" + strconv.Itoa(e.ID) + "-revise"
		f.set(form, "title", e.Title)
		f.set(form, "unit", e.Unit)
		f.set(form, "summary", e.Summary)
		f.set(form, "contact", e.Contact)
	}
	var list []string
	for _, id := range r.Proposed {
		list = append(list, strconv.Itoa(id))
	}
	f.set("confirm", "list", list...)
	for key, media := range r.Publicity {
		f.set("announce", "publicity."+key, strings.Join(media, rv.v.T("punct.enum")))
	}
}
