// Package selection holds the arithmetic and the draw of a selection round
// (评选): an expert's weighted total, an entry's score and the ranking, the
// recusal rule (回避), the balanced random assignment of experts to entries,
// the replacement of one reviewer, and the promotion of the next entry when
// an objection against a confirmed one is upheld.
//
// Every function is pure and deterministic: the draw takes its randomness
// from a math/rand source seeded by the caller, never iterates a map without
// sorting its keys first, and reads no clock, so it can run inside a
// Temporal workflow and replay to the same result.
package selection

import (
	"cmp"
	"math"
	"math/rand"
	"slices"
	"strconv"

	"lianxi/internal/domain"
)

// precision is the grain scores are rounded to before they are compared or
// shown: one millionth of a point, far below any real difference and far
// above float noise.
const precision = 1e6

func round(x float64) float64 { return math.Round(x*precision) / precision }

// usable reports whether a criterion takes part in the total: a finite
// positive weight and a scale of at least 1. Programme.Validate guarantees
// both; the check keeps a malformed definition from yielding NaN.
func usable(c domain.Criterion) bool {
	return c.Weight > 0 && !math.IsInf(c.Weight, 1) && c.Max >= 1
}

// raw returns an expert's score on a criterion clamped into [0, Max]; a
// missing or NaN score counts as 0. ScoreInput.Validate already rejects
// scores outside the scale, so clamping only guards against bad data.
func raw(c domain.Criterion, scores map[string]float64) float64 {
	s := scores[c.Code]
	switch {
	case math.IsNaN(s) || s < 0:
		return 0
	case s > float64(c.Max):
		return max(0, float64(c.Max))
	}
	return s
}

// Total returns one expert's weighted total on a 0–100 scale:
//
//	Σ_c weight_c · (score_c / max_c) · 100 / Σ_c weight_c
//
// over the programme's criteria, in their order. A missing score counts as
// 0 and a score outside [0, max] is clamped into it; criteria without a
// positive finite weight or with max < 1 are left out. With no usable
// criterion the total is 0. The result is not rounded; Rank rounds.
func Total(p domain.Programme, scores map[string]float64) float64 {
	// Weights are scaled by the largest one first, so that no sum can
	// overflow whatever the definition holds; the ratio is the same.
	var top float64
	for _, c := range p.Criteria {
		if usable(c) {
			top = max(top, c.Weight)
		}
	}
	if top == 0 {
		return 0
	}
	var sum, weights float64
	for _, c := range p.Criteria {
		if !usable(c) {
			continue
		}
		w := c.Weight / top
		sum += w * (raw(c, scores) / float64(c.Max))
		weights += w
	}
	return min(100, sum/weights*100)
}

// aggregate makes an entry's score from its experts' totals, sorted
// ascending: their mean, or with AggregateTrimmedMean and three or more
// totals the mean without the lowest and the highest one. Any other
// aggregation is read as the plain mean.
func aggregate(rule string, sorted []float64) float64 {
	if rule == domain.AggregateTrimmedMean && len(sorted) >= 3 {
		sorted = sorted[1 : len(sorted)-1]
	}
	if len(sorted) == 0 {
		return 0
	}
	var sum float64
	for _, t := range sorted {
		sum += t
	}
	return sum / float64(len(sorted))
}

// earlier orders two entries by nomination: the earlier Entry.At first,
// then the lower ID.
func earlier(a, b domain.Entry) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// Counted reports whether a review counts towards the ranking: scored and
// not handed to another expert.
func Counted(r domain.Review) bool { return r.Done() && !r.Replaced }

// Rank ranks the accepted entries (Status domain.EntryAccepted) of a round
// from the reviews that count (Counted: done and not replaced). Reviews of
// other entries are ignored; an entry listed twice is ranked once.
//
// An entry's Score is the aggregate of its experts' totals (see Total and
// Programme.Aggregation); Totals lists them ascending, Criteria holds the
// mean raw score per criterion of the programme, Reviews how many counted.
// Scores, totals and means are rounded to 1e-6 so that float noise never
// decides an order.
//
// Higher scores come first. Equal scores are ordered by the programme's tie
// rule: TieByNomination puts the earlier nomination (Entry.At, then the
// lower ID) first; TieByCriteria (also used for an unknown rule) compares
// the criterion means in the definition's order, higher first, and then the
// earlier nomination. Entries without any counted review come last, with
// score 0, empty Totals and Criteria, by nomination. Ranks run 1..n with no
// shared rank.
func Rank(p domain.Programme, entries []domain.Entry, reviews []domain.Review) []domain.Ranked {
	type row struct {
		entry  domain.Entry
		ranked domain.Ranked
		sums   []float64 // per criterion of p, in order
		means  []float64 // rounded, per criterion of p, in order
	}
	rows := []*row{}
	byID := map[int]*row{}
	for _, e := range entries {
		if e.Status != domain.EntryAccepted || byID[e.ID] != nil {
			continue
		}
		r := &row{entry: e, sums: make([]float64, len(p.Criteria)),
			ranked: domain.Ranked{Entry: e.ID, Totals: []float64{}, Criteria: map[string]float64{}}}
		rows = append(rows, r)
		byID[e.ID] = r
	}
	for _, rv := range reviews {
		r := byID[rv.Entry]
		if r == nil || !Counted(rv) {
			continue
		}
		r.ranked.Reviews++
		r.ranked.Totals = append(r.ranked.Totals, Total(p, rv.Scores))
		for i, c := range p.Criteria {
			r.sums[i] += raw(c, rv.Scores)
		}
	}
	for _, r := range rows {
		// Sort before summing so the score does not depend on the order
		// the reviews came in.
		slices.Sort(r.ranked.Totals)
		r.ranked.Score = round(aggregate(p.Aggregation, r.ranked.Totals))
		for i, t := range r.ranked.Totals {
			r.ranked.Totals[i] = round(t)
		}
		r.means = make([]float64, len(p.Criteria))
		if r.ranked.Reviews > 0 {
			for i, c := range p.Criteria {
				r.means[i] = round(r.sums[i] / float64(r.ranked.Reviews))
				r.ranked.Criteria[c.Code] = r.means[i]
			}
		}
	}
	slices.SortFunc(rows, func(a, b *row) int {
		if ha, hb := a.ranked.Reviews > 0, b.ranked.Reviews > 0; ha != hb {
			if ha {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.ranked.Score, a.ranked.Score); c != 0 {
			return c
		}
		if p.TieRule != domain.TieByNomination {
			for i := range a.means {
				if c := cmp.Compare(b.means[i], a.means[i]); c != 0 {
					return c
				}
			}
		}
		return earlier(a.entry, b.entry)
	})
	out := make([]domain.Ranked, len(rows))
	for i, r := range rows {
		r.ranked.Rank = i + 1
		out[i] = r.ranked
	}
	return out
}

// Eligible reports whether an expert may review an entry (回避): not when
// the expert's affiliation is the entry's nominating department (both set),
// nor when the expert declared a conflict with it (conflicts, keyed by
// username, lists the entry's ID).
func Eligible(e domain.Expert, entry domain.Entry, conflicts map[string][]int) bool {
	if e.Affiliation != "" && e.Affiliation == entry.Department {
		return false
	}
	return !slices.Contains(conflicts[e.Username], entry.ID)
}

// NotEnoughExperts is the error of Assign and Replace when an entry cannot
// get the reviewers it needs: a domain conflict with the key
// "error.not_enough_experts" and the entry's ID, how many more reviewers it
// needs and how many eligible experts who never reviewed it there are.
func NotEnoughExperts(entry, needed, eligible int) error {
	return domain.Conflict("error.not_enough_experts", map[string]any{"entry": entry, "needed": needed, "eligible": eligible})
}

// pool is the expert pool in username order. An expert listed more than
// once is one expert, eligible for an entry only when every listing is;
// listings without a username are ignored.
type pool struct {
	names    []string
	listings map[string][]domain.Expert
}

func newPool(experts []domain.Expert) pool {
	p := pool{listings: map[string][]domain.Expert{}}
	for _, e := range experts {
		if e.Username == "" {
			continue
		}
		if _, ok := p.listings[e.Username]; !ok {
			p.names = append(p.names, e.Username)
		}
		p.listings[e.Username] = append(p.listings[e.Username], e)
	}
	slices.Sort(p.names)
	return p
}

func (p pool) eligible(name string, entry domain.Entry, conflicts map[string][]int) bool {
	for _, e := range p.listings[name] {
		if !Eligible(e, entry, conflicts) {
			return false
		}
	}
	return true
}

// ledger is what the existing reviews say: each expert's active load, who
// ever reviewed each entry, the active reviews per entry and the highest ID.
type ledger struct {
	load   map[string]int
	seen   map[int]map[string]bool
	active map[int]int
	maxID  int
}

func newLedger(existing []domain.Review) ledger {
	l := ledger{load: map[string]int{}, seen: map[int]map[string]bool{}, active: map[int]int{}}
	for _, r := range existing {
		l.maxID = max(l.maxID, r.ID)
		l.mark(r.Entry, r.Expert)
		if !r.Replaced {
			l.load[r.Expert]++
			l.active[r.Entry]++
		}
	}
	return l
}

func (l ledger) mark(entry int, expert string) {
	if l.seen[entry] == nil {
		l.seen[entry] = map[string]bool{}
	}
	l.seen[entry][expert] = true
}

// candidates lists, in username order, the experts of the pool who may
// review an entry and never reviewed it.
func (l ledger) candidates(p pool, entry domain.Entry, conflicts map[string][]int) []string {
	out := []string{}
	for _, name := range p.names {
		if !l.seen[entry.ID][name] && p.eligible(name, entry, conflicts) {
			out = append(out, name)
		}
	}
	return out
}

// pick draws from candidates (in username order) one with the fewest
// active reviews, ties broken by rng.
func (l ledger) pick(rng *rand.Rand, candidates []string) string {
	least := []string{}
	for _, c := range candidates {
		switch {
		case len(least) == 0 || l.load[c] < l.load[least[0]]:
			least = append(least[:0], c)
		case l.load[c] == l.load[least[0]]:
			least = append(least, c)
		}
	}
	return least[rng.Intn(len(least))]
}

// accepted returns the accepted entries, each ID once, by ID.
func accepted(entries []domain.Entry) []domain.Entry {
	out := []domain.Entry{}
	seen := map[int]bool{}
	for _, e := range entries {
		if e.Status == domain.EntryAccepted && !seen[e.ID] {
			seen[e.ID] = true
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b domain.Entry) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Assign draws reviewers for a round: every accepted entry with fewer than
// perEntry active (not replaced) reviews in existing gets new reviews up to
// perEntry, each from a distinct eligible expert (see Eligible) who never
// reviewed that entry, even in a replaced review.
//
// The load is balanced: each pick is an eligible expert with the fewest
// active reviews so far, counting existing and new ones, and ties are broken
// by a math/rand source seeded with seed, which also shuffles the order the
// entries are served in. The draw depends only on the arguments, not on the
// order of entries or experts: the same inputs give the same reviews.
//
// New reviews carry the entry, the expert and IDs continuing after the
// highest existing ID, in the order drawn; nothing else is set. When an
// entry cannot get enough eligible experts, Assign returns no review and the
// NotEnoughExperts error of the lowest such entry ID.
func Assign(seed int64, entries []domain.Entry, experts []domain.Expert, conflicts map[string][]int, perEntry int, existing []domain.Review) ([]domain.Review, error) {
	p := newPool(experts)
	l := newLedger(existing)
	type need struct {
		entry domain.Entry
		n     int
		cands []string
	}
	needs := []need{}
	for _, e := range accepted(entries) {
		n := perEntry - l.active[e.ID]
		if n <= 0 {
			continue
		}
		// Eligibility does not depend on the draw, so an entry short of
		// experts is known before anything is drawn.
		cands := l.candidates(p, e, conflicts)
		if len(cands) < n {
			return nil, NotEnoughExperts(e.ID, n, len(cands))
		}
		needs = append(needs, need{e, n, cands})
	}
	rng := rand.New(rand.NewSource(seed))
	rng.Shuffle(len(needs), func(i, j int) { needs[i], needs[j] = needs[j], needs[i] })
	out := []domain.Review{}
	for _, nd := range needs {
		cands := nd.cands
		for range nd.n {
			name := l.pick(rng, cands)
			cands = slices.DeleteFunc(cands, func(c string) bool { return c == name })
			l.maxID++
			l.load[name]++
			l.mark(nd.entry.ID, name)
			out = append(out, domain.Review{ID: l.maxID, Entry: nd.entry.ID, Expert: name})
		}
	}
	return out, nil
}

// Replace draws a replacement reviewer for review r (a late reviewer, or a
// declared conflict): an eligible expert who never reviewed r's entry (r's
// own expert included) with the fewest active reviews in existing, ties
// broken by a math/rand source seeded with seed. The new review has the
// next ID after the highest of existing and r; marking r replaced is the
// caller's job. Replace fails with domain.NotFound when r's entry is not in
// entries, and with NotEnoughExperts when no expert is left.
func Replace(seed int64, r domain.Review, entries []domain.Entry, experts []domain.Expert, conflicts map[string][]int, existing []domain.Review) (domain.Review, error) {
	i := slices.IndexFunc(entries, func(e domain.Entry) bool { return e.ID == r.Entry })
	if i < 0 {
		return domain.Review{}, domain.NotFound("entry", strconv.Itoa(r.Entry))
	}
	l := newLedger(existing)
	l.maxID = max(l.maxID, r.ID)
	l.mark(r.Entry, r.Expert)
	cands := l.candidates(newPool(experts), entries[i], conflicts)
	if len(cands) == 0 {
		return domain.Review{}, NotEnoughExperts(r.Entry, 1, 0)
	}
	rng := rand.New(rand.NewSource(seed))
	return domain.Review{ID: l.maxID + 1, Entry: r.Entry, Expert: l.pick(rng, cands)}, nil
}

// Promote returns the confirmed list after an objection against withdrawn
// is upheld: the list without withdrawn, in its order, with the best-ranked
// entry of ranking appended that is not on the list, not withdrawn and not
// in excluded (the entries withdrawn earlier in the round), so the list
// keeps its size. Entries no counted review scored (Reviews 0) are never
// promoted. When withdrawn is not on the list, the list is returned
// unchanged; when no entry is left to promote, the list is one shorter.
// The result is a new slice.
func Promote(ranking []domain.Ranked, list []int, withdrawn int, excluded []int) []int {
	if !slices.Contains(list, withdrawn) {
		return slices.Clone(list)
	}
	out := slices.DeleteFunc(slices.Clone(list), func(id int) bool { return id == withdrawn })
	byRank := slices.Clone(ranking)
	slices.SortStableFunc(byRank, func(a, b domain.Ranked) int { return cmp.Compare(a.Rank, b.Rank) })
	for _, r := range byRank {
		if r.Reviews > 0 && r.Entry != withdrawn && !slices.Contains(out, r.Entry) && !slices.Contains(excluded, r.Entry) {
			return append(out, r.Entry)
		}
	}
	return out
}
