package webui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/portfolio"
)

// mpTrancheRow is a tranche of a project in words, with the approval and
// release forms the person has on it.
type mpTrancheRow struct {
	domain.Tranche
	StatusText string
	AmountY    string
	Overdue    bool
	Task       string
	Form       string // prefix of its forms' names: "tranche-2-"
	Approve    bool
	Release    bool
}

// mpCheck is an item of the acceptance checklist, and whether it was met.
type mpCheck struct {
	Label string
	Met   bool
}

// mpExamRow is an acceptance examination in words.
type mpExamRow struct {
	domain.Examination
	ResultText string
	Items      []mpCheck
	Task       string
}

// mpProjectPage is one project: where it stands, its application, its
// tranches with their approvals and releases, its examinations, its
// history, and the forms the person may use.
type mpProjectPage struct {
	P           mpProjectRow
	Year        int
	YearURL     string
	Application *mpAppRow
	Tranches    []mpTrancheRow
	Exams       []mpExamRow
	Progress    []option // the quarterly progress reports' tasks
	History     []historyRow
	Checklist   []option
	Results     []option
	Examine     bool
	Forms       forms
	Done        string
	Orphan      string
}

// shows reports whether the page offers a form, by its name.
func (d mpProjectPage) shows(form string) bool {
	if form == "examine" {
		return d.Examine
	}
	return slices.ContainsFunc(d.Tranches, func(t mpTrancheRow) bool {
		return t.Approve && form == t.Form+"approve" || t.Release && form == t.Form+"release"
	})
}

func (p *Pages) masterpieceProject(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	year, ok := contestYear(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	p.showProject(w, r, u, year, chi.URLParam(r, "project"), http.StatusOK, cycleForm{}, r.URL.Query().Get("done"))
}

// taskLink is the address of a project's task, for those who may open it:
// those who see the whole year and the sponsor's people.
func (mv mpViewer) taskLink(id int64, sponsor domain.Code) string {
	if id == 0 || !mv.whole && !domain.CanHandle(mv.u, sponsor) {
		return ""
	}
	return "/tasks/" + strconv.FormatInt(id, 10)
}

// showProject renders a project's page (one the person may not see is not
// found), with a refused form shown again, or with the confirmation of the
// action just done.
func (p *Pages) showProject(w http.ResponseWriter, r *http.Request, u domain.User, year int, id string, status int, refused cycleForm, done string) {
	mv, _, ok := p.viewerOf(w, r, u, year, "masterpiece.project.title")
	if !ok {
		return
	}
	v, m := mv.v, mv.m
	pr := m.Project(id)
	if pr == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	x := portfolio.Of(*pr, mv.now)
	v.Title = x.Title
	running := mv.in(domain.Running...) && x.Stage != domain.StageCarried
	data := mpProjectPage{P: mv.project(x), Year: m.Year, YearURL: masterpieceURL(m.Year), Forms: forms{Refused: refused},
		Examine: running && mv.office() && x.Stage == domain.StageAcceptance}
	if key := "masterpiece.done." + done; done != "" && i18n.Has(v.Lang, key) {
		data.Done = v.T(key)
	}
	if a := m.Application(x.Application); a != nil && x.CarriedFrom == 0 {
		row := mv.application(*a, false)
		data.Application = &row
	}
	for _, t := range x.Tranches {
		data.Tranches = append(data.Tranches, mpTrancheRow{Tranche: t, StatusText: v.T("masterpiece.tranche." + t.Status), AmountY: portfolio.Yuan(t.Amount),
			Overdue: t.Status == domain.TranchePending && !x.Finished() && t.Due.Before(mv.now), Task: mv.taskLink(t.TaskID, x.Sponsor),
			Form: "tranche-" + strconv.Itoa(t.Seq) + "-", Approve: running && mv.office() && t.Status == domain.TrancheReported,
			Release: running && mv.finance() && t.Status == domain.TrancheApproved})
	}
	for _, e := range x.Examinations {
		row := mpExamRow{Examination: e, ResultText: v.T("masterpiece.exam." + e.Result), Task: mv.taskLink(e.TaskID, x.Sponsor)}
		for _, item := range domain.AcceptanceChecklist {
			row.Items = append(row.Items, mpCheck{Label: v.T("masterpiece.check." + item), Met: e.Checklist[item]})
		}
		data.Exams = append(data.Exams, row)
	}
	for i, id := range x.ProgressTasks {
		if link := mv.taskLink(id, x.Sponsor); link != "" {
			data.Progress = append(data.Progress, option{Value: link, Label: v.T("masterpiece.progress.task", "n", i+1)})
		}
	}
	for _, e := range x.History {
		data.History = append(data.History, mv.projectEvent(x.Project, e))
	}
	for _, item := range domain.AcceptanceChecklist {
		data.Checklist = append(data.Checklist, option{Value: item, Label: v.T("masterpiece.check." + item)})
	}
	for _, res := range []string{domain.ExamPass, domain.ExamRectify, domain.ExamFail} {
		data.Results = append(data.Results, option{Value: res, Label: v.T("masterpiece.exam." + res)})
	}
	if refused.Action != "" && !data.shows(refused.Action) {
		data.Orphan = refused.Error
	}
	v.Data = data
	p.render(w, r, status, "masterpiece_project", v)
}

// projectEvent says a line of a project's own history in words: what
// happened, and the tranche, result or text it concerns.
func (mv mpViewer) projectEvent(pr domain.Project, e domain.ProjectEvent) historyRow {
	v := mv.v
	h := historyRow{At: e.At, Actor: mv.actor(e.By), What: e.What}
	if key := "masterpiece.history." + e.What; i18n.Has(v.Lang, key) {
		h.What = v.T(key)
	}
	seq, _, _ := strings.Cut(e.Note, " · ")
	switch e.What {
	case "determined", "supplemented":
		h.Details = append(h.Details, v.T("masterpiece.determined.seminar", "n", pr.Seminar))
	case "tranche-approved", "tranche-released", "milestone-reported":
		if n, err := strconv.Atoi(seq); err == nil {
			detail := v.T("masterpiece.detail.tranche", "n", n)
			if t := pr.Tranche(n); t != nil {
				detail += " · " + t.Milestone + " · " + v.T("masterpiece.yuan", "amount", portfolio.Yuan(t.Amount))
			}
			h.Details = append(h.Details, detail)
		}
	case "examined":
		h.Details = append(h.Details, v.T("masterpiece.exam."+e.Note))
	case "carried-over", "carried-in":
		h.Details = append(h.Details, v.T("masterpiece.detail.year", "year", e.Note))
	default:
		if e.Note != "" {
			h.Details = append(h.Details, e.Note)
		}
	}
	return h
}
