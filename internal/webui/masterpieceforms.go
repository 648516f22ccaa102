package webui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/workflows"
)

// mpCall is what a form of the project pages asks of the year's workflow:
// the update, its argument once the person's authority is known, and
// where a refused field's message goes (nil: inputs are named like the
// fields).
type mpCall struct {
	update string
	arg    func(workflows.Action) any
	rename func(string) string
}

// mpForm is one form of a year's page or of a project's page: its name
// (the form a refusal shows again: "apply", "application-3-screen",
// "tranche-2-release"), the confirmation shown after it ("screen"), the
// project whose page it is on ("" for the year's page), the number of the
// application, sitting or tranche it is about, who the page lets try it,
// and how it becomes the call. An input that does not parse is a field
// error before anything is sent.
type mpForm struct {
	name    string
	done    string
	project string
	n       int
	allowed func(mv mpViewer) bool
	read    func(p *Pages, r *http.Request, mv mpViewer, n int) (mpCall, error)
}

func mpOffice(mv mpViewer) bool { return mv.office() }

// mpYearForms are the forms of a year's page, by the last segment of
// their address (POST /masterpieces/{year}/{action}).
var mpYearForms = map[string]mpForm{
	"apply":           {allowed: func(mv mpViewer) bool { return mv.office() || len(mv.departments()) > 0 }, read: readApply},
	"close-call":      {allowed: mpOffice, read: readYearNote(workflows.UpdateCloseCall)},
	"close-screening": {allowed: mpOffice, read: readYearNote(workflows.UpdateCloseAppScreen)},
	"record-seminar":  {allowed: mpOffice, read: readSeminar},
	"close-year":      {allowed: mpOffice, read: readYearNote(workflows.UpdateCloseYear)},
}

func (p *Pages) masterpieceAction(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "action")
	f, ok := mpYearForms[name]
	f.name, f.done = name, name
	p.mpAct(w, r, f, ok)
}

// screenApplication is the office's screening of one application.
func (p *Pages) screenApplication(w http.ResponseWriter, r *http.Request) {
	n, ok := positiveParam(r, "application")
	p.mpAct(w, r, mpForm{name: "application-" + strconv.Itoa(n) + "-screen", done: "screen", n: n, allowed: mpOffice, read: readScreenApp}, ok)
}

// confirmSeminar is the convener's confirmation of the last sitting.
func (p *Pages) confirmSeminar(w http.ResponseWriter, r *http.Request) {
	n, ok := positiveParam(r, "seq")
	p.mpAct(w, r, mpForm{name: "seminar-" + strconv.Itoa(n) + "-confirm", done: "confirm", n: n,
		allowed: func(mv mpViewer) bool { return mv.convener() },
		read: func(_ *Pages, _ *http.Request, _ mpViewer, n int) (mpCall, error) {
			return mpCall{update: workflows.UpdateConfirmSeminar, rename: renames(map[string]string{"seminar": ""}),
				arg: func(a workflows.Action) any { return workflows.ConfirmSeminarRequest{Action: a, Seminar: n} }}, nil
		}}, ok)
}

// trancheUpdates are a tranche's forms on its project's page: the
// publicity department's approval, the finance bureau's release.
var trancheUpdates = map[string]struct {
	update  string
	allowed func(mpViewer) bool
}{
	"approve": {workflows.UpdateApproveTranche, mpOffice},
	"release": {workflows.UpdateReleaseTranche, mpViewer.finance},
}

// trancheAction approves or releases a tranche of a project.
func (p *Pages) trancheAction(w http.ResponseWriter, r *http.Request) {
	action, project := chi.URLParam(r, "action"), chi.URLParam(r, "project")
	tu, known := trancheUpdates[action]
	n, ok := positiveParam(r, "tranche")
	p.mpAct(w, r, mpForm{name: "tranche-" + strconv.Itoa(n) + "-" + action, done: action, project: project, n: n, allowed: tu.allowed,
		read: func(_ *Pages, _ *http.Request, _ mpViewer, n int) (mpCall, error) {
			in := domain.TrancheAction{Project: project, Tranche: n}
			return mpCall{update: tu.update, rename: renames(map[string]string{"project": "", "tranche": ""}),
				arg: func(a workflows.Action) any { return workflows.TrancheRequest{Action: a, TrancheAction: in} }}, nil
		}}, ok && known)
}

// examineProject records the acceptance panel's verdict on a project.
func (p *Pages) examineProject(w http.ResponseWriter, r *http.Request) {
	project := chi.URLParam(r, "project")
	p.mpAct(w, r, mpForm{name: "examine", done: "examine", project: project, allowed: mpOffice,
		read: func(_ *Pages, r *http.Request, _ mpViewer, _ int) (mpCall, error) { return readExamine(r, project) }}, true)
}

// positiveParam reads a number of an address that must be 1 or more.
func positiveParam(r *http.Request, name string) (int, bool) {
	n, err := strconv.Atoi(chi.URLParam(r, name))
	return n, err == nil && n > 0
}

// mpAct carries a form of the project pages to the year's workflow: on
// success it redirects to the page the form is on (post/redirect/get); a
// refusal shows that page again with the messages beside the inputs and
// what was typed kept; a person the form is not for gets the audited 403.
func (p *Pages) mpAct(w http.ResponseWriter, r *http.Request, f mpForm, known bool) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	year, ok := contestYear(r)
	if !known || !ok {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	lang := i18n.FromRequest(r)
	show := func(status int, refused cycleForm) {
		if f.project != "" {
			p.showProject(w, r, u, year, f.project, status, refused, "")
		} else {
			p.showYear(w, r, u, year, status, refused, "")
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTaskFormBytes)
	if err := r.ParseForm(); err != nil {
		show(http.StatusRequestEntityTooLarge, cycleForm{Action: f.name, Error: i18n.T(lang, "error.body_too_large", nil)})
		return
	}
	m, ok := p.yearOf(w, r, u, year)
	if !ok {
		return
	}
	mv := mpViewer{u: u, m: m}
	if !f.allowed(mv) {
		p.forbidden(w, r, u)
		return
	}
	call, err := f.read(p, r, mv, f.n)
	if err == nil {
		_, err = p.mp.Act(r.Context(), u, "", year, call.update, call.arg)
	}
	if err == nil {
		to := masterpieceURL(year)
		if f.project != "" {
			to = projectURL(year, f.project)
		}
		http.Redirect(w, r, to+"?"+url.Values{"done": {f.done}}.Encode(), http.StatusSeeOther)
		return
	}
	p.cycleRefused(w, r, u, err, func() { show(statusOf(err), refusedForm(lang, f.name, r.PostForm, err, call.rename)) })
}

func readYearNote(update string) func(*Pages, *http.Request, mpViewer, int) (mpCall, error) {
	return func(_ *Pages, r *http.Request, _ mpViewer, _ int) (mpCall, error) {
		note := strings.TrimSpace(r.PostForm.Get("note"))
		return mpCall{update: update, arg: func(a workflows.Action) any { return workflows.NoteRequest{Action: a, Note: note} }}, nil
	}
}

func readScreenApp(_ *Pages, r *http.Request, _ mpViewer, n int) (mpCall, error) {
	in := domain.ScreenApplication{Application: n, Decision: r.PostForm.Get("decision"), Reason: strings.TrimSpace(r.PostForm.Get("reason"))}
	return mpCall{update: workflows.UpdateScreenApp, rename: renames(map[string]string{"application": ""}),
		arg: func(a workflows.Action) any {
			return workflows.ScreenApplicationRequest{Action: a, ScreenApplication: in}
		}}, nil
}

// listOf splits a list typed in one input — one a line, or separated by
// commas or 、 — dropping empty parts.
func listOf(s string) []string {
	var out []string
	for _, x := range mediaSep.Split(strings.TrimSpace(s), -1) {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// yuan reads a sum typed in yuan ("120000", "120,000.50"); ok is false for
// anything else.
func yuan(s string) (float64, bool) {
	s = strings.NewReplacer(",", "", "，", "", " ", "").Replace(strings.TrimSpace(s))
	x, err := strconv.ParseFloat(s, 64)
	return x, err == nil
}

// lineSep writes a full-width bar as the "|" that separates the parts of
// a line of a list ("剧本完成 | 2026-06-30").
var lineSep = strings.NewReplacer("｜", "|")

// dated is a line of a dated list: a milestone with its date and, for a
// tranche, its amount.
type dated struct {
	title  string
	due    time.Time
	amount float64
}

// datedLines reads a list typed one item a line, its parts separated by
// "|": a title, a date (the end of that working day) and, with amounts,
// a sum in yuan ("剧本完成 | 2026-06-30 | 120000"). Blank lines are
// skipped; a line that does not read, or whose date is not after the line
// before, is a message on the input naming the line.
func datedLines(v *domain.Validation, cal *calendar.Calendar, field, s string, amounts bool) []dated {
	parts, shape := 2, "masterpiece.validation.milestone_line"
	if amounts {
		parts, shape = 3, "masterpiece.validation.tranche_line"
	}
	var out []dated
	for i, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		n := map[string]any{"line": i + 1}
		cells := strings.Split(lineSep.Replace(line), "|")
		if len(cells) != parts {
			v.Add(field, shape, n)
			continue
		}
		d := dated{title: strings.TrimSpace(cells[0])}
		day, err := calendar.ParseDate(strings.TrimSpace(cells[1]))
		if err != nil {
			v.Add(field, "masterpiece.validation.line_date", n)
			continue
		}
		d.due = day.At(0, 0).Add(cal.DayEnd())
		if k := len(out); k > 0 && !d.due.After(out[k-1].due) {
			v.Add(field, "masterpiece.validation.line_order", n)
		}
		if amounts {
			var ok bool
			if d.amount, ok = yuan(cells[2]); !ok {
				v.Add(field, "masterpiece.validation.line_amount", n)
				continue
			}
		}
		out = append(out, d)
	}
	return out
}

// money reads a sum input into a field error when it is not a number.
func money(v *domain.Validation, f url.Values, field string) float64 {
	x, ok := yuan(f.Get(field))
	v.Check(ok, field, "validation.type_number", nil)
	return x
}

// readApply reads the application form: unit and sponsor, title, genre,
// creators (one a line), summary, budget and requested support, the
// milestones ("节点 | 日期", one a line) and the contact.
func readApply(p *Pages, r *http.Request, _ mpViewer, _ int) (mpCall, error) {
	f := r.PostForm
	var v domain.Validation
	in := domain.NewApplication{Unit: f.Get("unit"), Sponsor: f.Get("sponsor"), Title: strings.TrimSpace(f.Get("title")), Genre: f.Get("genre"),
		Creators: listOf(f.Get("creators")), Summary: f.Get("summary"), Contact: strings.TrimSpace(f.Get("contact"))}
	in.Budget, in.Requested = money(&v, f, "budget"), money(&v, f, "requested")
	cal, err := p.calendar(r.Context())
	if err != nil {
		return mpCall{}, err
	}
	for _, d := range datedLines(&v, cal, "milestones", f.Get("milestones"), false) {
		in.Schedule = append(in.Schedule, domain.MilestonePlan{Title: d.title, Due: d.due})
	}
	rename := func(field string) string {
		switch {
		case strings.HasPrefix(field, "creators"):
			return "creators"
		case strings.HasPrefix(field, "schedule"):
			return "milestones"
		case field == "attachments":
			return ""
		}
		return field
	}
	return mpCall{update: workflows.UpdateApply, rename: rename,
		arg: func(a workflows.Action) any { return workflows.ApplyRequest{Action: a, NewApplication: in} }}, v.Err()
}

// readSeminar reads the record of a sitting: when and where, who attended
// (one a line), which applications were discussed, the minutes, and one
// decision per application put on the list — its support and its
// tranches ("节点 | 日期 | 金额", one a line); an application left without
// support or tranches is not decided.
func readSeminar(p *Pages, r *http.Request, mv mpViewer, _ int) (mpCall, error) {
	f := r.PostForm
	var v domain.Validation
	in := domain.SeminarInput{Kind: mv.seminarKind(), Place: strings.TrimSpace(f.Get("place")), Attendees: listOf(f.Get("attendees")),
		Minutes: f.Get("minutes")}
	at, err := time.ParseInLocation(localMinute, strings.TrimSpace(f.Get("at")), calendar.Location)
	v.Check(err == nil, "at", "cycle.error.datetime", nil)
	in.At = at
	cal, err := p.calendar(r.Context())
	if err != nil {
		return mpCall{}, err
	}
	m := map[string]string{"kind": "", "decisions": ""}
	candidates := mv.candidates()
	for _, a := range candidates {
		if slices.Contains(f["agenda"], strconv.Itoa(a.ID)) {
			m["agenda["+strconv.Itoa(len(in.Agenda))+"]"] = "agenda"
			in.Agenda = append(in.Agenda, a.ID)
		}
	}
	for _, a := range candidates {
		key := "decision." + strconv.Itoa(a.ID) + "."
		if strings.TrimSpace(f.Get(key+"support")) == "" && strings.TrimSpace(f.Get(key+"tranches")) == "" {
			continue
		}
		d := domain.Determination{Application: a.ID, Support: money(&v, f, key+"support")}
		lines := datedLines(&v, cal, key+"tranches", f.Get(key+"tranches"), true)
		for _, t := range lines {
			d.Tranches = append(d.Tranches, domain.TrancheSpec{Milestone: t.title, Due: t.due, Amount: t.amount})
		}
		pre := "decisions[" + strconv.Itoa(len(in.Decisions)) + "]."
		m[pre+"application"], m[pre+"support"], m[pre+"tranches"] = key+"support", key+"support", key+"tranches"
		for k := range lines {
			for _, part := range []string{"milestone", "due", "amount"} {
				m[pre+"tranches["+strconv.Itoa(k)+"]."+part] = key + "tranches"
			}
		}
		in.Decisions = append(in.Decisions, d)
	}
	return mpCall{update: workflows.UpdateRecordSeminar, rename: renames(m),
		arg: func(a workflows.Action) any { return workflows.SeminarRequest{Action: a, SeminarInput: in} }}, v.Err()
}

// readExamine reads the acceptance panel's verdict: the panel (one a
// line), the checklist (an item left unticked is not met), the result,
// the comment and, for rectification, its working days.
func readExamine(r *http.Request, project string) (mpCall, error) {
	f := r.PostForm
	var v domain.Validation
	in := domain.ExamineInput{Project: project, Panel: listOf(f.Get("panel")), Checklist: map[string]bool{}, Result: f.Get("result"),
		Comment: f.Get("comment")}
	for _, item := range domain.AcceptanceChecklist {
		in.Checklist[item] = slices.Contains(f["checklist"], item)
	}
	if s := strings.TrimSpace(f.Get("rectify_days")); s != "" {
		days, err := strconv.Atoi(s)
		v.Check(err == nil, "rectify_days", "validation.type_number", nil)
		in.RectifyDays = days
	}
	rename := func(field string) string {
		switch {
		case strings.HasPrefix(field, "checklist"):
			return "checklist"
		case field == "project":
			return ""
		}
		return field
	}
	return mpCall{update: workflows.UpdateExamine, rename: rename,
		arg: func(a workflows.Action) any { return workflows.ExamineRequest{Action: a, ExamineInput: in} }}, v.Err()
}

// defaults fills what the year's forms start with: the person's first
// department as unit and sponsor, every candidate on the agenda, the
// seminar's time at the next hour.
func (mv mpViewer) defaults(f *forms, d mpYearPage) {
	if mine := mv.departments(); len(mine) > 0 && !mv.office() {
		f.set("apply", "unit", mine[0])
		f.set("apply", "sponsor", mine[0])
	}
	var agenda []string
	for _, a := range d.Candidates {
		agenda = append(agenda, strconv.Itoa(a.ID))
	}
	f.set("record-seminar", "agenda", agenda...)
	f.set("record-seminar", "at", mv.now.In(calendar.Location).Truncate(time.Hour).Format(localMinute))
}
