package selection

import (
	"math"
	"math/rand"
	"reflect"
	"slices"
	"testing"
	"time"

	"lianxi/internal/domain"
)

var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

func crit(code string, weight float64, max int) domain.Criterion {
	return domain.Criterion{Code: code, Weight: weight, Max: max}
}

func programme(agg, tie string, cs ...domain.Criterion) domain.Programme {
	return domain.Programme{Code: "mgmt-top10", Aggregation: agg, TieRule: tie, Criteria: cs}
}

// entry is an accepted entry nominated `minute` minutes after t0.
func entry(id int, minute int) domain.Entry {
	return domain.Entry{ID: id, Title: "case", At: t0.Add(time.Duration(minute) * time.Minute), Status: domain.EntryAccepted}
}

func withStatus(e domain.Entry, status string) domain.Entry { e.Status = status; return e }
func withDept(e domain.Entry, d domain.Code) domain.Entry   { e.Department = d; return e }

// scored is a finished review.
func scored(id, entry int, expert string, scores map[string]float64) domain.Review {
	return domain.Review{ID: id, Entry: entry, Expert: expert, Scores: scores, At: t0.Add(48 * time.Hour)}
}

// one is a programme with a single criterion scored 0..100, so that an
// expert's total is their score.
func one(agg, tie string) domain.Programme { return programme(agg, tie, crit("x", 1, 100)) }

func x(v float64) map[string]float64 { return map[string]float64{"x": v} }

// reviewsOf gives an entry one finished review per total (on `one`).
func reviewsOf(entryID int, firstID int, totals ...float64) []domain.Review {
	out := []domain.Review{}
	for i, t := range totals {
		out = append(out, scored(firstID+i, entryID, "e"+string(rune('a'+i)), x(t)))
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestTotal(t *testing.T) {
	three := programme(domain.AggregateMean, domain.TieByCriteria,
		crit("innovation", 3, 10), crit("effect", 1, 5))
	for _, c := range []struct {
		name   string
		p      domain.Programme
		scores map[string]float64
		want   float64
	}{
		{"single criterion", programme("", "", crit("a", 1, 10)), map[string]float64{"a": 7}, 70},
		{"full marks", three, map[string]float64{"innovation": 10, "effect": 5}, 100},
		{"nothing", three, map[string]float64{"innovation": 0, "effect": 0}, 0},
		{"heavy criterion only", three, map[string]float64{"innovation": 10, "effect": 0}, 75},
		{"light criterion only", three, map[string]float64{"innovation": 0, "effect": 5}, 25},
		{"half of both", three, map[string]float64{"innovation": 5, "effect": 2.5}, 50},
		{"different scales, equal weights", programme("", "", crit("a", 1, 40), crit("b", 1, 10)),
			map[string]float64{"a": 20, "b": 10}, 75},
		{"fractional weights", programme("", "", crit("a", 0.3, 10), crit("b", 0.7, 10)),
			map[string]float64{"a": 10, "b": 5}, 65},
		{"weights need not sum to anything", programme("", "", crit("a", 30, 10), crit("b", 70, 10)),
			map[string]float64{"a": 10, "b": 5}, 65},
		{"missing score counts 0", three, map[string]float64{"innovation": 10}, 75},
		{"unknown criterion ignored", three, map[string]float64{"innovation": 10, "effect": 5, "extra": 99}, 100},
		{"above the scale clamped", three, map[string]float64{"innovation": 20, "effect": 5}, 100},
		{"negative clamped", three, map[string]float64{"innovation": -5, "effect": 5}, 25},
		{"NaN counts 0", three, map[string]float64{"innovation": math.NaN(), "effect": 5}, 25},
		{"zero-weight criterion left out", programme("", "", crit("a", 1, 10), crit("b", 0, 10)),
			map[string]float64{"a": 5, "b": 10}, 50},
		{"no criteria", programme("", ""), map[string]float64{"a": 5}, 0},
		{"nil scores", three, nil, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Total(c.p, c.scores); !near(got, c.want) {
				t.Fatalf("Total = %v, want %v", got, c.want)
			}
		})
	}
}

// order returns the entry IDs of a ranking in order, checking the ranks
// run 1..n.
func order(t *testing.T, rs []domain.Ranked) []int {
	t.Helper()
	ids := []int{}
	for i, r := range rs {
		if r.Rank != i+1 {
			t.Fatalf("position %d has rank %d: %+v", i, r.Rank, rs)
		}
		ids = append(ids, r.Entry)
	}
	return ids
}

func TestRankAggregation(t *testing.T) {
	for _, c := range []struct {
		name    string
		agg     string
		totals  []float64
		score   float64
		reviews int
	}{
		{"mean of one", domain.AggregateMean, []float64{70}, 70, 1},
		{"mean of three", domain.AggregateMean, []float64{10, 60, 65}, 45, 3},
		{"trimmed, 1 reviewer: plain mean", domain.AggregateTrimmedMean, []float64{70}, 70, 1},
		{"trimmed, 2 reviewers: plain mean", domain.AggregateTrimmedMean, []float64{20, 80}, 50, 2},
		{"trimmed, 3 reviewers: the middle one", domain.AggregateTrimmedMean, []float64{65, 10, 60}, 60, 3},
		{"trimmed, 5 reviewers", domain.AggregateTrimmedMean, []float64{95, 0, 40, 90, 50}, 60, 5},
		{"mean, 5 reviewers", domain.AggregateMean, []float64{95, 0, 40, 90, 50}, 55, 5},
		{"trimmed, 7 reviewers", domain.AggregateTrimmedMean, []float64{100, 10, 20, 30, 40, 50, 60}, 40, 7},
		{"mean, 7 reviewers", domain.AggregateMean, []float64{100, 10, 20, 30, 40, 50, 60}, 310.0 / 7, 7},
		{"trimmed drops only one of equal extremes", domain.AggregateTrimmedMean, []float64{90, 90, 10, 10}, 50, 4},
		{"trimmed with equal totals", domain.AggregateTrimmedMean, []float64{80, 80, 80}, 80, 3},
		{"unknown aggregation: mean", "median", []float64{10, 60, 65}, 45, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs := Rank(one(c.agg, domain.TieByNomination), []domain.Entry{entry(1, 0)}, reviewsOf(1, 1, c.totals...))
			if len(rs) != 1 {
				t.Fatalf("ranking %+v", rs)
			}
			r := rs[0]
			if math.Abs(r.Score-c.score) > 1e-6 || r.Reviews != c.reviews || r.Rank != 1 || r.Entry != 1 {
				t.Fatalf("got %+v, want score %v from %d reviews", r, c.score, c.reviews)
			}
			want := slices.Clone(c.totals)
			slices.Sort(want)
			if !reflect.DeepEqual(r.Totals, want) {
				t.Fatalf("totals %v, want sorted %v", r.Totals, want)
			}
			if math.Abs(r.Criteria["x"]-mean(c.totals)) > 1e-6 { // rounded to 1e-6
				t.Fatalf("criterion mean %v, want %v", r.Criteria["x"], mean(c.totals))
			}
		})
	}
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func TestRankWeightsDecide(t *testing.T) {
	p := programme(domain.AggregateMean, domain.TieByCriteria, crit("innovation", 3, 10), crit("effect", 1, 10))
	entries := []domain.Entry{entry(1, 0), entry(2, 1)}
	reviews := []domain.Review{
		// Entry 1: strong effect, weak innovation (raw sum 12): 3·0.2+1·1.0 → 40.
		scored(1, 1, "a", map[string]float64{"innovation": 2, "effect": 10}),
		// Entry 2: the reverse (raw sum 10): 3·0.8+1·0.2 → 65.
		scored(2, 2, "a", map[string]float64{"innovation": 8, "effect": 2}),
	}
	rs := Rank(p, entries, reviews)
	if got := order(t, rs); !slices.Equal(got, []int{2, 1}) {
		t.Fatalf("order %v", got)
	}
	if !near(rs[0].Score, 65) || !near(rs[1].Score, 40) {
		t.Fatalf("scores %+v", rs)
	}
	if !reflect.DeepEqual(rs[1].Criteria, map[string]float64{"innovation": 2, "effect": 10}) {
		t.Fatalf("criteria %v", rs[1].Criteria)
	}
}

func TestRankCriterionMeans(t *testing.T) {
	p := programme(domain.AggregateTrimmedMean, domain.TieByCriteria, crit("a", 1, 10), crit("b", 2, 20))
	reviews := []domain.Review{
		scored(1, 1, "p", map[string]float64{"a": 1, "b": 20}),
		scored(2, 1, "q", map[string]float64{"a": 2, "b": 10}),
		scored(3, 1, "r", map[string]float64{"a": 6, "b": 0}),
	}
	rs := Rank(p, []domain.Entry{entry(1, 0)}, reviews)
	// Means are over every counted review, not the trimmed ones.
	if !reflect.DeepEqual(rs[0].Criteria, map[string]float64{"a": 3, "b": 10}) {
		t.Fatalf("criteria %v", rs[0].Criteria)
	}
	// Totals: (1·0.1+2·1)/3 = 70, (0.2+1)/3 = 40, (0.6+0)/3 = 20; trimmed: 40.
	if !reflect.DeepEqual(rs[0].Totals, []float64{20, 40, 70}) || !near(rs[0].Score, 40) {
		t.Fatalf("got %+v", rs[0])
	}
}

func TestRankTies(t *testing.T) {
	twoCriteria := func(tie string) domain.Programme {
		return programme(domain.AggregateMean, tie, crit("a", 1, 10), crit("b", 1, 10))
	}
	ab := func(a, b float64) map[string]float64 { return map[string]float64{"a": a, "b": b} }
	for _, c := range []struct {
		name    string
		p       domain.Programme
		entries []domain.Entry
		reviews []domain.Review
		want    []int
	}{
		{
			name:    "criteria: first criterion decides",
			p:       twoCriteria(domain.TieByCriteria),
			entries: []domain.Entry{entry(1, 0), entry(2, 5)},
			reviews: []domain.Review{scored(1, 1, "x", ab(4, 6)), scored(2, 2, "x", ab(6, 4))},
			want:    []int{2, 1},
		},
		{
			name:    "nomination: earlier first, whatever the criteria",
			p:       twoCriteria(domain.TieByNomination),
			entries: []domain.Entry{entry(1, 0), entry(2, 5)},
			reviews: []domain.Review{scored(1, 1, "x", ab(4, 6)), scored(2, 2, "x", ab(6, 4))},
			want:    []int{1, 2},
		},
		{
			name:    "criteria: second criterion decides when the first ties",
			p:       programme(domain.AggregateMean, domain.TieByCriteria, crit("a", 1, 10), crit("b", 1, 10), crit("c", 2, 10)),
			entries: []domain.Entry{entry(1, 0), entry(2, 5)},
			reviews: []domain.Review{
				scored(1, 1, "x", map[string]float64{"a": 5, "b": 2, "c": 6}),
				scored(2, 2, "x", map[string]float64{"a": 5, "b": 4, "c": 5}),
			},
			want: []int{2, 1},
		},
		{
			name:    "criteria: equal means fall back to the earlier nomination",
			p:       twoCriteria(domain.TieByCriteria),
			entries: []domain.Entry{entry(1, 9), entry(2, 5)},
			reviews: []domain.Review{scored(1, 1, "x", ab(5, 5)), scored(2, 2, "x", ab(5, 5))},
			want:    []int{2, 1},
		},
		{
			name:    "criteria: same means from different reviews",
			p:       twoCriteria(domain.TieByCriteria),
			entries: []domain.Entry{entry(1, 9), entry(2, 5)},
			reviews: []domain.Review{
				scored(1, 1, "x", ab(4, 6)), scored(2, 1, "y", ab(6, 4)),
				scored(3, 2, "x", ab(5, 5)), scored(4, 2, "y", ab(5, 5)),
			},
			want: []int{2, 1},
		},
		{
			name:    "same nomination time: lower ID first",
			p:       twoCriteria(domain.TieByNomination),
			entries: []domain.Entry{entry(7, 3), entry(4, 3)},
			reviews: []domain.Review{scored(1, 7, "x", ab(5, 5)), scored(2, 4, "x", ab(5, 5))},
			want:    []int{4, 7},
		},
		{
			name:    "score beats the tie rule",
			p:       twoCriteria(domain.TieByNomination),
			entries: []domain.Entry{entry(1, 0), entry(2, 5)},
			reviews: []domain.Review{scored(1, 1, "x", ab(5, 5)), scored(2, 2, "x", ab(5, 6))},
			want:    []int{2, 1},
		},
		{
			// 0.1·0 + 0.2·5 + 0.7·5 = 4.5 and 0.1·1 + 0.2·1 + 0.7·6 = 4.5,
			// but in floats the second total is 44.99999999999999: the
			// tie rule, not the noise, must decide.
			name: "float noise is not a difference",
			p: programme(domain.AggregateMean, domain.TieByNomination,
				crit("a", 0.1, 10), crit("b", 0.2, 10), crit("c", 0.7, 10)),
			entries: []domain.Entry{entry(1, 9), entry(2, 5)},
			reviews: []domain.Review{
				scored(1, 1, "x", map[string]float64{"a": 0, "b": 5, "c": 5}),
				scored(2, 2, "x", map[string]float64{"a": 1, "b": 1, "c": 6}),
			},
			want: []int{2, 1},
		},
		{
			name:    "unknown tie rule: criteria",
			p:       twoCriteria("coin"),
			entries: []domain.Entry{entry(1, 0), entry(2, 5)},
			reviews: []domain.Review{scored(1, 1, "x", ab(4, 6)), scored(2, 2, "x", ab(6, 4))},
			want:    []int{2, 1},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			rs := Rank(c.p, c.entries, c.reviews)
			if got := order(t, rs); !slices.Equal(got, c.want) {
				t.Fatalf("order %v, want %v (%+v)", got, c.want, rs)
			}
		})
	}
}

func TestRankCountsOnlyFinishedActiveReviewsOfAcceptedEntries(t *testing.T) {
	p := one(domain.AggregateMean, domain.TieByNomination)
	entries := []domain.Entry{
		entry(1, 0),
		withStatus(entry(2, 1), domain.EntrySubmitted),
		withStatus(entry(3, 2), domain.EntryRejected),
		withStatus(entry(4, 3), domain.EntryReturned),
		withStatus(entry(5, 4), domain.EntryWithdrawn),
		entry(6, 5),
		entry(1, 7), // listed twice: ranked once
	}
	replaced := scored(2, 1, "b", x(0))
	replaced.Replaced = true
	unfinished := domain.Review{ID: 3, Entry: 1, Expert: "c", Scores: x(0)}
	reviews := []domain.Review{
		scored(1, 1, "a", x(90)), replaced, unfinished,
		scored(4, 2, "a", x(100)), scored(5, 3, "a", x(100)), scored(6, 4, "a", x(100)), scored(7, 5, "a", x(100)),
		scored(8, 6, "a", x(60)), scored(9, 6, "b", x(80)),
		scored(10, 99, "a", x(100)), // an entry not in the round
	}
	rs := Rank(p, entries, reviews)
	if got := order(t, rs); !slices.Equal(got, []int{1, 6}) {
		t.Fatalf("order %v", got)
	}
	if !near(rs[0].Score, 90) || rs[0].Reviews != 1 || !slices.Equal(rs[0].Totals, []float64{90}) {
		t.Fatalf("entry 1: %+v", rs[0])
	}
	if !near(rs[1].Score, 70) || rs[1].Reviews != 2 {
		t.Fatalf("entry 6: %+v", rs[1])
	}
}

func TestRankUnreviewedEntriesComeLastByNomination(t *testing.T) {
	p := one(domain.AggregateTrimmedMean, domain.TieByCriteria)
	entries := []domain.Entry{entry(1, 30), entry(2, 20), entry(3, 10), entry(4, 40)}
	unfinished := domain.Review{ID: 2, Entry: 2, Expert: "b"}
	reviews := []domain.Review{scored(1, 4, "a", x(0)), unfinished}
	rs := Rank(p, entries, reviews)
	// Entry 4 scored 0 but was scored: it stays ahead of the unscored.
	if got := order(t, rs); !slices.Equal(got, []int{4, 3, 2, 1}) {
		t.Fatalf("order %v", got)
	}
	for _, r := range rs[1:] {
		if r.Score != 0 || r.Reviews != 0 || r.Totals == nil || len(r.Totals) != 0 || r.Criteria == nil || len(r.Criteria) != 0 {
			t.Fatalf("unreviewed %+v", r)
		}
	}
	if len(Rank(p, nil, reviews)) != 0 {
		t.Fatal("no entries, no ranking")
	}
}

func TestRankDoesNotDependOnInputOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	p := programme(domain.AggregateTrimmedMean, domain.TieByCriteria, crit("a", 0.1, 10), crit("b", 0.2, 10), crit("c", 0.7, 10))
	entries := []domain.Entry{}
	reviews := []domain.Review{}
	for id := 1; id <= 30; id++ {
		entries = append(entries, entry(id, rng.Intn(5)))
		for k := range rng.Intn(6) {
			reviews = append(reviews, scored(len(reviews)+1, id, string(rune('a'+k)), map[string]float64{
				"a": float64(rng.Intn(11)), "b": float64(rng.Intn(11)), "c": float64(rng.Intn(11))}))
		}
	}
	want := Rank(p, entries, reviews)
	for range 20 {
		rng.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
		rng.Shuffle(len(reviews), func(i, j int) { reviews[i], reviews[j] = reviews[j], reviews[i] })
		if got := Rank(p, entries, reviews); !reflect.DeepEqual(got, want) {
			t.Fatalf("order of the input changed the ranking")
		}
	}
	for i := 1; i < len(want); i++ {
		if want[i].Reviews > 0 && want[i].Score > want[i-1].Score {
			t.Fatalf("not by score: %+v then %+v", want[i-1], want[i])
		}
	}
}

func TestEligible(t *testing.T) {
	conflicts := map[string][]int{"li": {3, 8}, "wang": {}}
	for _, c := range []struct {
		name   string
		expert domain.Expert
		entry  domain.Entry
		want   bool
	}{
		{"different department", domain.Expert{Username: "li", Affiliation: "sci"}, withDept(entry(1, 0), "edu"), true},
		{"own department", domain.Expert{Username: "zhao", Affiliation: "sci"}, withDept(entry(1, 0), "sci"), false},
		{"no affiliation", domain.Expert{Username: "zhao"}, withDept(entry(1, 0), "sci"), true},
		{"no department", domain.Expert{Username: "zhao", Affiliation: "sci"}, entry(1, 0), true},
		{"neither set", domain.Expert{Username: "zhao"}, entry(1, 0), true},
		{"declared conflict", domain.Expert{Username: "li", Affiliation: "sci"}, withDept(entry(8, 0), "edu"), false},
		{"conflict with another entry", domain.Expert{Username: "li"}, entry(4, 0), true},
		{"empty declaration", domain.Expert{Username: "wang"}, entry(3, 0), true},
		{"both", domain.Expert{Username: "li", Affiliation: "sci"}, withDept(entry(3, 0), "sci"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Eligible(c.expert, c.entry, conflicts); got != c.want {
				t.Fatalf("Eligible = %v, want %v", got, c.want)
			}
			if !Eligible(c.expert, c.entry, nil) && c.expert.Affiliation != c.entry.Department {
				t.Fatal("nil conflicts must only leave the affiliation rule")
			}
		})
	}
}

func TestPromote(t *testing.T) {
	ranking := []domain.Ranked{
		{Entry: 11, Rank: 1, Reviews: 3}, {Entry: 12, Rank: 2, Reviews: 3}, {Entry: 13, Rank: 3, Reviews: 3},
		{Entry: 14, Rank: 4, Reviews: 3}, {Entry: 15, Rank: 5, Reviews: 3}, {Entry: 16, Rank: 6, Reviews: 0},
	}
	shuffled := []domain.Ranked{ranking[4], ranking[1], ranking[3], ranking[0], ranking[5], ranking[2]}
	for _, c := range []struct {
		name      string
		ranking   []domain.Ranked
		list      []int
		withdrawn int
		excluded  []int
		want      []int
	}{
		{"next best appended", ranking, []int{11, 12, 13}, 12, nil, []int{11, 13, 14}},
		{"ranking given in any order", shuffled, []int{11, 12, 13}, 12, nil, []int{11, 13, 14}},
		{"earlier withdrawals skipped", ranking, []int{11, 13, 14}, 11, []int{12}, []int{13, 14, 15}},
		{"excluded may include the withdrawn", ranking, []int{11, 12, 13}, 13, []int{13, 14}, []int{11, 12, 15}},
		{"list out of rank order kept", ranking, []int{13, 11, 12}, 11, nil, []int{13, 12, 14}},
		{"unscored entries never promoted", ranking, []int{11, 12, 13, 14}, 11, []int{15}, []int{12, 13, 14}},
		{"nothing left: list shrinks", ranking, []int{11, 12, 13, 14, 15}, 14, nil, []int{11, 12, 13, 15}},
		{"withdrawn not on the list: unchanged", ranking, []int{11, 12}, 15, nil, []int{11, 12}},
		{"empty list", ranking, []int{}, 11, nil, []int{}},
		{"empty ranking", nil, []int{11, 12}, 11, nil, []int{12}},
	} {
		t.Run(c.name, func(t *testing.T) {
			list := slices.Clone(c.list)
			got := Promote(c.ranking, list, c.withdrawn, c.excluded)
			if !slices.Equal(got, c.want) {
				t.Fatalf("Promote = %v, want %v", got, c.want)
			}
			if !slices.Equal(list, c.list) {
				t.Fatalf("the list given was changed: %v", list)
			}
		})
	}
}

func TestReplace(t *testing.T) {
	entries := []domain.Entry{withDept(entry(1, 0), "sci"), withDept(entry(2, 1), "edu")}
	experts := []domain.Expert{
		{Username: "a", Affiliation: "edu"},
		{Username: "b", Affiliation: "sci"}, // own department of entry 1
		{Username: "c"},
		{Username: "d"},
		{Username: "e"},
		{Username: "f"},
	}
	conflicts := map[string][]int{"f": {1}}
	old := domain.Review{ID: 3, Entry: 1, Expert: "a"}
	gone := domain.Review{ID: 2, Entry: 1, Expert: "c", Replaced: true} // had entry 1 once
	existing := []domain.Review{
		gone, old,
		{ID: 5, Entry: 2, Expert: "d"}, {ID: 6, Entry: 2, Expert: "d"},
		{ID: 7, Entry: 2, Expert: "e"},
		{ID: 9, Entry: 2, Expert: "e", Replaced: true}, // replaced: no load
	}
	// Eligible and new to entry 1: d (load 2) and e (load 1).
	got, err := Replace(1, old, entries, experts, conflicts, existing)
	if err != nil {
		t.Fatal(err)
	}
	if want := (domain.Review{ID: 10, Entry: 1, Expert: "e"}); !reflect.DeepEqual(got, want) {
		t.Fatalf("Replace = %+v, want %+v", got, want)
	}

	// Ties are drawn from the seed, reproducibly, and every tied expert
	// can come up.
	tied := []domain.Review{old}
	drawn := map[string]bool{}
	for seed := range int64(64) {
		r1, err := Replace(seed, old, entries, experts, conflicts, tied)
		if err != nil {
			t.Fatal(err)
		}
		r2, _ := Replace(seed, old, entries, experts, conflicts, tied)
		if !reflect.DeepEqual(r1, domain.Review{ID: r1.ID, Entry: 1, Expert: r1.Expert}) || !reflect.DeepEqual(r1, r2) || r1.ID != 4 {
			t.Fatalf("seed %d: %+v then %+v", seed, r1, r2)
		}
		drawn[r1.Expert] = true
	}
	if !reflect.DeepEqual(drawn, map[string]bool{"c": true, "d": true, "e": true}) {
		t.Fatalf("drawn %v", drawn)
	}

	// r need not be in existing; its ID still counts.
	if r, err := Replace(1, domain.Review{ID: 40, Entry: 2, Expert: "a"}, entries, experts, nil, nil); err != nil || r.ID != 41 || r.Expert == "a" {
		t.Fatalf("got %+v, %v", r, err)
	}

	_, err = Replace(1, old, entries, experts[:3], conflicts, existing)
	de := domain.AsError(err)
	if de == nil || de.Kind != domain.KindConflict || de.Key != "error.not_enough_experts" ||
		!reflect.DeepEqual(de.Params, map[string]any{"entry": 1, "needed": 1, "eligible": 0}) {
		t.Fatalf("no expert left: %v", err)
	}
	if _, err := Replace(1, domain.Review{ID: 1, Entry: 77, Expert: "a"}, entries, experts, nil, nil); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("unknown entry: %v", err)
	}
}
