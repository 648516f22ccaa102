package contests

import (
	"slices"
	"strings"
	"unicode"

	"lianxi/internal/domain"
)

// Similar is another idea close in wording to one being screened.
type Similar struct {
	Idea  int64   `json:"idea"`
	Score float64 `json:"score"` // 0–1: the share of character pairs the two texts have in common
}

// DuplicateThreshold is the similarity from which two ideas are flagged as
// likely duplicates.
const DuplicateThreshold = 0.45

// shingles are an idea's character bigrams (letters and digits only, case
// folded): Chinese has no spaces, and pairs of characters catch rewordings
// of the same proposal well.
func shingles(i domain.Idea) map[string]bool {
	var rs []rune
	for _, r := range strings.ToLower(i.Title + " " + i.Problem + " " + i.Proposal) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			rs = append(rs, r)
		}
	}
	out := make(map[string]bool, len(rs))
	for k := 0; k+1 < len(rs); k++ {
		out[string(rs[k:k+2])] = true
	}
	return out
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	common := 0
	for s := range a {
		if b[s] {
			common++
		}
	}
	return float64(common) / float64(len(a)+len(b)-common)
}

// Duplicates flags, for each idea, the others at least DuplicateThreshold
// alike (the closest first, at most five). Ideas already out of the running
// (ineligible, merged) are neither flagged nor flag others.
func Duplicates(ideas []domain.Idea) map[int64][]Similar {
	type prepared struct {
		id int64
		sh map[string]bool
	}
	var ps []prepared
	for _, i := range ideas {
		if i.Status == domain.IdeaSubmitted || i.Status == domain.IdeaEligible {
			ps = append(ps, prepared{i.ID, shingles(i)})
		}
	}
	out := map[int64][]Similar{}
	for x := range ps {
		for y := x + 1; y < len(ps); y++ {
			if s := jaccard(ps[x].sh, ps[y].sh); s >= DuplicateThreshold {
				s = float64(int(s*100+1e-9)) / 100
				out[ps[x].id] = append(out[ps[x].id], Similar{ps[y].id, s})
				out[ps[y].id] = append(out[ps[y].id], Similar{ps[x].id, s})
			}
		}
	}
	for id, ss := range out {
		slices.SortFunc(ss, func(a, b Similar) int {
			if a.Score != b.Score {
				if a.Score > b.Score {
					return -1
				}
				return 1
			}
			return int(a.Idea - b.Idea)
		})
		out[id] = ss[:min(len(ss), 5)]
	}
	return out
}
