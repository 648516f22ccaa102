// Package rankingsheet puts a selection round's results into the forms
// they leave the system in: the ranking sheet (评审排名表) — every ranked
// entry with its score, each expert's total and the mean per criterion —
// as rows for a page and as an XLSX workbook, in an internal version that
// names the experts and a public one that does not; and the round's
// archive (归档), the whole round as one JSON document.
//
// It also holds who may have them, so that the API's downloads and the
// pages' links answer alike: the sheet goes to the programme committee's
// office, its conveners and administrators once scoring has closed, the
// archive to the office and administrators.
package rankingsheet

import (
	"math"
	"slices"
	"strconv"

	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/selection"
)

// CheckSheet refuses the ranking sheet to anyone but the programme
// committee's office, its conveners and administrators (403), and before
// scoring has closed (409: there is no ranking yet).
func CheckSheet(u domain.User, r domain.Round) error {
	c := r.Programme.Committee
	if !u.HasFor(domain.RoleOffice, c) && !u.HasFor(domain.RoleConvener, c) {
		return domain.Forbidden()
	}
	if !Ranked(r) {
		return domain.Conflict("round.error.not_ranked", map[string]any{"phase": string(r.Phase)})
	}
	return nil
}

// CheckArchive refuses the archive to anyone but the programme
// committee's office and administrators.
func CheckArchive(u domain.User, r domain.Round) error {
	if !u.HasFor(domain.RoleOffice, r.Programme.Committee) {
		return domain.Forbidden()
	}
	return nil
}

// Ranked reports whether scoring has closed with a ranking: the round is
// past review and was not cancelled before it.
func Ranked(r domain.Round) bool {
	switch r.Phase {
	case domain.RoundNomination, domain.RoundScreening, domain.RoundReview:
		return false
	}
	return len(r.Ranking) > 0
}

// Where an entry of the ranking stands with the list.
const (
	ListedProposed  = "proposed"  // in the ranking's proposal, not confirmed yet
	ListedConfirmed = "confirmed" // on the convener's list (noticed, announced)
	ListedWithdrawn = "withdrawn" // an objection against it was upheld
)

// Sheet is a round's ranking as a table.
type Sheet struct {
	Title    string             // e.g. 管理创新优秀案例推选 2026 评审排名表
	Lang     i18n.Lang          // the language of the headers
	Public   bool               // experts not named
	Criteria []domain.Criterion // the programme's, in order
	// Experts heads one column per expert: their names in the internal
	// version, "专家评分 1", "专家评分 2"… in the public one, where each row
	// lists its totals from lowest to highest without saying whose.
	Experts []string
	Rows    []Row
}

// Row is one ranked entry.
type Row struct {
	Rank    int
	Entry   int
	Title   string
	Unit    string
	Score   float64
	Reviews int
	// Totals holds one cell per column of Sheet.Experts; nil where that
	// expert did not review the entry (or, public, past its count).
	Totals []*float64
	Means  []float64 // per criterion of Sheet.Criteria
	Listed string    // ListedProposed, ListedConfirmed, ListedWithdrawn or ""
}

// Header returns the sheet's column headings in its language.
func (s Sheet) Header() []string {
	t := func(key string, kv ...any) string { return i18n.T(s.Lang, key, params(kv)) }
	h := []string{t("round.sheet.rank"), t("round.sheet.entry"), t("round.sheet.unit"), t("round.sheet.score"), t("round.sheet.reviews")}
	h = append(h, s.Experts...)
	for _, c := range s.Criteria {
		name := c.NameZH
		if s.Lang == i18n.EN && c.NameEN != "" {
			name = c.NameEN
		}
		h = append(h, t("round.sheet.mean", "criterion", name))
	}
	return append(h, t("round.sheet.listed"))
}

// ListedLabel says where a row stands with the list, in the sheet's
// language.
func (s Sheet) ListedLabel(r Row) string {
	if r.Listed == "" {
		return ""
	}
	return i18n.T(s.Lang, "round.sheet.listed."+r.Listed, nil)
}

func params(kv []any) map[string]any {
	if len(kv) == 0 {
		return nil
	}
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// expertName is how the internal sheet heads an expert's column: the name
// with the username, which is what tells two experts of one name apart.
func expertName(lang i18n.Lang, e domain.Expert) string {
	if e.Name == "" || e.Name == e.Username {
		return e.Username
	}
	return i18n.T(lang, "round.sheet.expert", map[string]any{"name": e.Name, "username": e.Username})
}

// Build lays a round's ranking out as a sheet. The round is what its
// reader may see (selections.View): the office's and conveners' view has
// every review's scores once scoring has closed. public leaves the experts
// unnamed.
func Build(r domain.Round, public bool, lang i18n.Lang) Sheet {
	p := r.Programme
	s := Sheet{Lang: lang, Public: public, Criteria: p.Criteria}
	kind := "round.sheet.title_internal"
	if public {
		kind = "round.sheet.title_public"
	}
	s.Title = i18n.T(lang, kind, map[string]any{"programme": p.Name(string(lang)), "year": r.Year})

	// The experts who gave a counted review, in the pool's order, then any
	// the pool no longer lists.
	var experts []string
	type cell struct {
		expert string
		entry  int
	}
	counted := map[cell]float64{} // each expert's total of each entry
	for _, v := range r.Reviews {
		if !selection.Counted(v) || v.Scores == nil {
			continue
		}
		counted[cell{v.Expert, v.Entry}] = round6(selection.Total(p, v.Scores))
		if !slices.Contains(experts, v.Expert) {
			experts = append(experts, v.Expert)
		}
	}
	pool := map[string]int{}
	for i, e := range r.Experts {
		pool[e.Username] = i
	}
	slices.SortStableFunc(experts, func(a, b string) int {
		ia, oka := pool[a]
		ib, okb := pool[b]
		switch {
		case oka && okb:
			return ia - ib
		case oka:
			return -1
		case okb:
			return 1
		}
		return 0
	})
	width := 0
	for _, x := range r.Ranking {
		width = max(width, x.Reviews)
	}
	if public {
		for i := range width {
			s.Experts = append(s.Experts, i18n.T(lang, "round.sheet.total_n", map[string]any{"n": i + 1}))
		}
	} else {
		for _, name := range experts {
			e := domain.Expert{Username: name}
			if i, ok := pool[name]; ok {
				e = r.Experts[i]
			}
			s.Experts = append(s.Experts, expertName(lang, e))
		}
	}

	for _, x := range r.Ranking {
		row := Row{Rank: x.Rank, Entry: x.Entry, Score: x.Score, Reviews: x.Reviews, Listed: listed(r, x.Entry)}
		if e := r.Entry(x.Entry); e != nil {
			row.Title, row.Unit = e.Title, e.Unit
		}
		if public {
			for i := range width {
				if i < len(x.Totals) {
					row.Totals = append(row.Totals, ptr(x.Totals[i]))
				} else {
					row.Totals = append(row.Totals, nil)
				}
			}
		} else {
			for _, name := range experts {
				if t, ok := counted[cell{name, x.Entry}]; ok {
					row.Totals = append(row.Totals, ptr(t))
				} else {
					row.Totals = append(row.Totals, nil)
				}
			}
		}
		for _, c := range p.Criteria {
			row.Means = append(row.Means, x.Criteria[c.Code])
		}
		s.Rows = append(s.Rows, row)
	}
	return s
}

// listed says where an entry stands: withdrawn, on the confirmed list, or
// in the proposal before the convener confirmed.
func listed(r domain.Round, entry int) string {
	if e := r.Entry(entry); e != nil && e.Status == domain.EntryWithdrawn {
		return ListedWithdrawn
	}
	if r.ConfirmedBy != "" || len(r.Confirmed) > 0 {
		if slices.Contains(r.Confirmed, entry) {
			return ListedConfirmed
		}
		return ""
	}
	if slices.Contains(r.Proposed, entry) {
		return ListedProposed
	}
	return ""
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

func ptr(x float64) *float64 { return &x }

// Format writes a score as the sheet and the pages show it: two decimals.
func Format(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
