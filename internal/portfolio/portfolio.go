// Package portfolio puts a year of the cultural masterpiece projects (文艺
// 精品创作生产) into the forms it leaves the system in: the portfolio (项目
// 库) — one row per key project with where it stands: its stage, its
// milestones, the support released and still to come, whether a report is
// overdue, its last acceptance examination — and the funding plan (资金计
// 划) — one row per tranche with its approval and release, with totals per
// project and overall. The rows serve the year's page and the XLSX
// workbooks alike.
//
// It also says who may have the workbooks, so that the API's downloads and
// the pages' links answer alike: those who see the whole year.
package portfolio

import (
	"strconv"
	"strings"
	"time"

	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/masterpieces"
)

// Whole reports whether a person sees the whole of a committee's project
// years — its office and conveners, the finance bureau, administrators —
// rather than only their own units' applications and projects. It asks the
// service's own rule (masterpieces.View) about a closed year with nothing
// in it, which only those people see.
func Whole(u domain.User, committee domain.Code) bool {
	_, ok := masterpieces.View(u, domain.Masterpieces{Committee: committee, Phase: domain.MasterpieceClosed})
	return ok
}

// Project is a key project with where it stands.
type Project struct {
	domain.Project
	Released float64 // support released so far
	Pending  float64 // support not released yet
	Done     int     // milestones reported (and accepted by the office)
	Total    int
	// Next is the first milestone not reported yet; nil once every one is.
	Next *domain.Tranche
	// Overdue says a milestone still to be reported is past its date while
	// the project runs.
	Overdue bool
	// Exam is the last acceptance examination; nil before the first.
	Exam *domain.Examination
}

// Of works out where a project stands at an instant.
func Of(p domain.Project, now time.Time) Project {
	out := Project{Project: p, Total: len(p.Tranches)}
	for i := range p.Tranches {
		t := &p.Tranches[i]
		if t.Status == domain.TrancheReleased {
			out.Released += t.Amount
		} else {
			out.Pending += t.Amount
		}
		if t.Status != domain.TranchePending {
			out.Done++
			continue
		}
		if out.Next == nil {
			out.Next = t
		}
		if !p.Finished() && t.Due.Before(now) {
			out.Overdue = true
		}
	}
	if n := len(p.Examinations); n > 0 {
		out.Exam = &p.Examinations[n-1]
	}
	return out
}

// Projects lists a year's projects, in the order they were determined, as
// they stand at an instant.
func Projects(m domain.Masterpieces, now time.Time) []Project {
	out := make([]Project, 0, len(m.Projects))
	for _, p := range m.Projects {
		out = append(out, Of(p, now))
	}
	return out
}

// Determined says where a project comes from: the sitting of the year's
// seminar that determined it (planning or supplement), or the year it was
// carried over from.
func Determined(lang i18n.Lang, m domain.Masterpieces, p domain.Project) string {
	if p.CarriedFrom != 0 {
		return i18n.T(lang, "masterpiece.determined.carried", map[string]any{"year": p.CarriedFrom})
	}
	for _, s := range m.Seminars {
		if s.Seq == p.Seminar {
			return i18n.T(lang, "masterpiece.determined.seminar_"+s.Kind, map[string]any{"n": s.Seq})
		}
	}
	return i18n.T(lang, "masterpiece.determined.seminar", map[string]any{"n": p.Seminar})
}

// Yuan writes a sum in yuan with two decimals and thousands grouped:
// 1,234,567.80.
func Yuan(x float64) string {
	s := strconv.FormatFloat(x, 'f', 2, 64)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String() + "." + frac
}
