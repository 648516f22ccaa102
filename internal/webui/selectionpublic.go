package webui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/rankingsheet"
	"lianxi/workflows"
)

// resultRow is an announced entry: its place, its score and the media it
// is recommended to.
type resultRow struct {
	Rank  int
	Ref   string
	Title string
	Unit  string
	Score string
	Media []string
}

// publicPage is what anyone may read of a round, signed in or not: the
// call (with the public's nomination form when the programme takes public
// nominations), the notice list with the objection form, the results.
type publicPage struct {
	R           domain.Round
	Programme   string
	Committee   string
	PhaseLabel  string
	Principle   string
	Criteria    []criterionView
	CanNominate bool
	CanObject   bool
	Notice      []publicityRow
	Results     []resultRow
	EntryOpts   []option
	Forms       forms
	Done        string
	Orphan      string
}

func (p *Pages) publicRound(w http.ResponseWriter, r *http.Request) {
	p.showPublicRound(w, r, http.StatusOK, cycleForm{}, r.URL.Query().Get("done"))
}

func (p *Pages) showPublicRound(w http.ResponseWriter, r *http.Request, status int, refused cycleForm, done string) {
	if p.sel == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	ctx := r.Context()
	x, err := p.sel.Public(ctx, chi.URLParam(r, "id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "round.public.title", "")
	n, _, _, err := p.taskNames(ctx, v.Lang)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	name := x.Programme.Name(v.LangCode)
	v.Title = v.T("round.public.title", "programme", name, "year", x.Year)
	data := publicPage{R: x, Programme: name, Committee: n.committee(x.Programme.Committee), PhaseLabel: v.T("round.phase." + string(x.Phase)),
		Principle: v.Principle(x.Programme), Criteria: criteriaViews(x.Programme.Criteria), Forms: forms{Refused: refused},
		CanNominate: x.Phase == domain.RoundNomination && slices.Contains(x.Programme.Nominators, domain.NominatorPublic),
		CanObject:   x.Phase == domain.RoundNotice}
	if key := "round.public.done." + done; done != "" && i18n.Has(v.Lang, key) {
		data.Done = v.T(key)
	}
	rv := roundViewer{v: v, n: n, r: x}
	data.Notice = rv.publicity()
	for _, id := range x.Confirmed {
		if e := x.Entry(id); e != nil {
			data.EntryOpts = append(data.EntryOpts, option{Value: strconv.Itoa(id), Label: ref(id) + " " + e.Title})
		}
	}
	if x.Phase == domain.RoundAnnounced {
		for _, k := range x.Ranking {
			e := x.Entry(k.Entry)
			if e == nil {
				continue
			}
			data.Results = append(data.Results, resultRow{Rank: k.Rank, Ref: ref(e.ID), Title: e.Title, Unit: e.Unit, Score: rankingsheet.Format(k.Score),
				Media: x.Publicity[strconv.Itoa(e.ID)]})
		}
	}
	if refused.Action != "" && !(refused.Action == "nominate" && data.CanNominate || refused.Action == "object" && data.CanObject) {
		data.Orphan = refused.Error
	}
	v.Data = data
	p.render(w, r, status, "public_round", v)
}

// publicAction takes the public's nomination (POST …/nominate) or
// objection (POST …/object): no account, a few per address a minute. A
// refusal shows the page again with the messages beside the inputs.
func (p *Pages) publicAction(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "action")
	if p.sel == nil || (name != "nominate" && name != "object") {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	lang := i18n.FromRequest(r)
	if err := p.public.Allow(r); err != nil {
		w.Header().Set("Retry-After", strconv.Itoa(domain.AsError(err).RetryAfterSeconds))
		title, _ := i18n.ErrorMessage(lang, err)
		p.showPublicRound(w, r, http.StatusTooManyRequests, cycleForm{Action: name, Error: title}, "")
		return
	}
	// A summary of 20,000 characters is some 180 kB as a form.
	r.Body = http.MaxBytesReader(w, r.Body, maxTaskFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showPublicRound(w, r, http.StatusRequestEntityTooLarge, cycleForm{Action: name, Error: i18n.T(lang, "error.body_too_large", nil)}, "")
		return
	}
	f := r.PostForm
	var update string
	var arg func(workflows.Action) any
	var invalid error
	if name == "nominate" {
		in := entryInput(f)
		in.Department = ""
		update, arg = workflows.UpdateNominate, func(a workflows.Action) any { return workflows.NominateRequest{Action: a, NewEntry: in} }
	} else {
		in := domain.NewObjection{Name: strings.TrimSpace(f.Get("name")), Contact: strings.TrimSpace(f.Get("contact")), Text: f.Get("text")}
		var v domain.Validation
		entry, err := strconv.Atoi(f.Get("entry"))
		v.Check(err == nil && entry > 0, "entry", "validation.required", nil)
		in.Entry, invalid = entry, v.Err()
		if invalid != nil {
			// Name every other mistake in the same answer.
			in.Entry = 1
			if err := in.Validate(); err != nil {
				invalid = domain.JoinInvalid(invalid, err)
			}
		}
		update, arg = workflows.UpdateObject, func(a workflows.Action) any { return workflows.ObjectRequest{Action: a, NewObjection: in} }
	}
	id := chi.URLParam(r, "id")
	err := invalid
	if err == nil {
		_, err = p.sel.PublicAct(r.Context(), id, update, arg)
	}
	if err == nil {
		http.Redirect(w, r, publicRoundURL(id)+"?"+url.Values{"done": {name}}.Encode(), http.StatusSeeOther)
		return
	}
	switch domain.KindOf(err) {
	case domain.KindInvalid, domain.KindConflict:
		p.showPublicRound(w, r, statusOf(err), refusedForm(lang, name, f, err, nil), "")
	case domain.KindForbidden:
		if p.audit != nil {
			p.audit.Audit(r.Context(), "anonymous", "access", r.Method+" "+r.URL.Path, domain.AuditDenied, auth.RequestMeta(r))
		}
		p.renderError(w, r, http.StatusForbidden, nil)
	default:
		p.fail(w, r, err)
	}
}
