package webui

import (
	"net/http"
	"strconv"
	"time"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/portfolio"
)

// mpDecisionRow is a project a sitting put on the list, with its support
// and tranches ("剧本完成 · 2026-06-30 · 120,000.00 元").
type mpDecisionRow struct {
	App      mpAppRow
	Support  string
	Tranches []string
}

// mpSeminarDoc is a sitting of the seminar as a formal document: its
// agenda (the applications discussed, in order) or its minutes (who
// attended, the minutes, the decisions).
type mpSeminarDoc struct {
	S         domain.Seminar
	Heading   string
	KindLabel string
	When      string
	YearURL   string
	Items     []mpAppRow
	Decisions []mpDecisionRow
}

func (p *Pages) seminarAgenda(w http.ResponseWriter, r *http.Request) {
	p.printSeminar(w, r, "masterpiece_agenda", "masterpiece.agenda.heading")
}

func (p *Pages) seminarMinutes(w http.ResponseWriter, r *http.Request) {
	p.printSeminar(w, r, "masterpiece_minutes", "masterpiece.minutes.heading")
}

// printSeminar renders a sitting as one of its documents, for those who
// see the whole year (anyone else finds no such sitting); heading is the
// document's heading's key.
func (p *Pages) printSeminar(w http.ResponseWriter, r *http.Request, page, heading string) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	year, ok := contestYear(r)
	seq, ok2 := positiveParam(r, "seq")
	if !ok || !ok2 {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	mv, _, ok := p.viewerOf(w, r, u, year, heading)
	if !ok {
		return
	}
	if seq > len(mv.m.Seminars) {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	v, s := mv.v, mv.m.Seminars[seq-1]
	data := mpSeminarDoc{S: s, KindLabel: v.T("masterpiece.seminar." + s.Kind), When: v.Time(s.At), YearURL: masterpieceURL(year)}
	data.Heading = v.T(heading, "year", year, "n", s.Seq, "kind", data.KindLabel)
	v.Title = data.Heading
	for _, id := range s.Agenda {
		if a := mv.m.Application(id); a != nil {
			data.Items = append(data.Items, mv.application(*a, false))
		}
	}
	for _, d := range s.Decisions {
		a := mv.m.Application(d.Application)
		if a == nil {
			continue
		}
		row := mpDecisionRow{App: mv.application(*a, false), Support: portfolio.Yuan(d.Support)}
		for k, t := range d.Tranches {
			row.Tranches = append(row.Tranches, v.T("masterpiece.minutes.tranche", "n", strconv.Itoa(k+1), "milestone", t.Milestone,
				"due", v.Date(t.Due), "amount", portfolio.Yuan(t.Amount)))
		}
		data.Decisions = append(data.Decisions, row)
	}
	v.Data = data
	p.render(w, r, http.StatusOK, page, v)
}

// Date shows the day of an instant in Asia/Shanghai, where every milestone
// is dated; {{$.Date .Due}}.
func (v *view) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return calendar.DateOf(t).String()
}
