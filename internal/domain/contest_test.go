package domain_test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lianxi/internal/domain"
)

// contestFields lists an error's field errors: field → message keys.
func contestFields(err error) map[string][]string {
	out := map[string][]string{}
	if de := domain.AsError(err); de != nil {
		for _, f := range de.Fields {
			out[f.Field] = append(out[f.Field], f.Key)
		}
	}
	return out
}

// wantField fails unless err is a validation error with key on field.
func wantField(t *testing.T, err error, field, key string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s on %s", key, field)
	}
	if k := domain.KindOf(err); k != domain.KindInvalid {
		t.Fatalf("kind %v (%v), want invalid", k, err)
	}
	if !slices.Contains(contestFields(err)[field], key) {
		t.Fatalf("%v: want %s on %s", err, key, field)
	}
}

func rules(public, expert int, prizes ...domain.PrizeTier) domain.ContestRules {
	opens := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	return domain.ContestRules{Categories: domain.DefaultCategories(), SubmissionOpens: opens, SubmissionCloses: opens.AddDate(0, 0, 30),
		VoteOpens: opens.AddDate(0, 0, 37), VoteCloses: opens.AddDate(0, 0, 51), VotesPerVoter: 10, PublicWeight: public, ExpertWeight: expert,
		Shortlist: 30, Prizes: prizes, ReplyDays: 15, ReportDays: 60}
}

func tier(code string, n int) domain.PrizeTier {
	return domain.PrizeTier{Code: code, NameZH: code + "奖", NameEN: code + " prize", Count: n}
}

func cand(idea int64, votes int, expert float64) domain.Candidate {
	return domain.Candidate{Idea: idea, Entry: int(idea), Title: "idea " + strconv.FormatInt(idea, 10), Category: "economy", Votes: votes,
		ExpertScore: expert, Reviewed: true}
}

func order(as []domain.Award) []int64 {
	out := make([]int64, len(as))
	for i, a := range as {
		out[i] = a.Idea
	}
	return out
}

func byIdea(t *testing.T, as []domain.Award, idea int64) domain.Award {
	t.Helper()
	for _, a := range as {
		if a.Idea == idea {
			return a
		}
	}
	t.Fatalf("idea %d not in the result %v", idea, order(as))
	return domain.Award{}
}

// The four candidates of the normalisation cases: the best-voted has 120
// votes, the best expert score is 90.
var fourCandidates = []domain.Candidate{cand(1, 120, 80), cand(2, 60, 90), cand(3, 90, 72.5), cand(4, 30, 45)}

func TestCombineNormalisesAndWeighs(t *testing.T) {
	// Vote scores: 120/120 = 100, 60/120 = 50, 90/120 = 75, 30/120 = 25.
	// Expert norms: 80/90 = 88.888… → 88.89, 90/90 = 100,
	// 72.5/90 = 80.555… → 80.56, 45/90 = 50.
	cases := []struct {
		name           string
		public, expert int
		order          []int64
		combined       map[int64]float64
	}{
		// 30/70: 1: 30 + 62.222… = 92.222… → 92.22; 2: 15 + 70 = 85;
		// 3: 22.5 + 56.388… = 78.888… → 78.89; 4: 7.5 + 35 = 42.5.
		{"30/70", 30, 70, []int64{1, 2, 3, 4}, map[int64]float64{1: 92.22, 2: 85, 3: 78.89, 4: 42.5}},
		// 50/50: 1: 50 + 44.444… = 94.444… → 94.44; 2: 25 + 50 = 75;
		// 3: 37.5 + 40.277… = 77.777… → 77.78; 4: 12.5 + 25 = 37.5. Idea 3
		// now passes idea 2.
		{"50/50", 50, 50, []int64{1, 3, 2, 4}, map[int64]float64{1: 94.44, 2: 75, 3: 77.78, 4: 37.5}},
		// 100/0: the vote scores alone.
		{"100/0", 100, 0, []int64{1, 3, 2, 4}, map[int64]float64{1: 100, 2: 50, 3: 75, 4: 25}},
		// 0/100: the expert norms alone.
		{"0/100", 0, 100, []int64{2, 1, 3, 4}, map[int64]float64{1: 88.89, 2: 100, 3: 80.56, 4: 50}},
	}
	vote := map[int64]float64{1: 100, 2: 50, 3: 75, 4: 25}
	norm := map[int64]float64{1: 88.89, 2: 100, 3: 80.56, 4: 50}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := slices.Clone(fourCandidates)
			out := domain.Combine(in, rules(c.public, c.expert, tier("first", 1)))
			if got := order(out); !slices.Equal(got, c.order) {
				t.Fatalf("order %v, want %v", got, c.order)
			}
			for i, a := range out {
				if a.Rank != i+1 {
					t.Errorf("idea %d rank %d at place %d", a.Idea, a.Rank, i+1)
				}
				src := fourCandidates[a.Idea-1]
				if a.VoteScore != vote[a.Idea] || a.ExpertNorm != norm[a.Idea] || a.Combined != c.combined[a.Idea] ||
					a.ExpertScore != src.ExpertScore || a.Votes != src.Votes || a.Title != src.Title || a.Category != src.Category {
					t.Errorf("idea %d: %+v, want vote %.2f norm %.2f combined %.2f", a.Idea, a, vote[a.Idea], norm[a.Idea], c.combined[a.Idea])
				}
			}
			if !slices.Equal(in, fourCandidates) {
				t.Error("Combine changed its input")
			}
		})
	}
}

func TestCombineRoundsToTwoDecimals(t *testing.T) {
	// 30/70; the best-voted has 7 votes, the best expert score is 91.
	// Idea 11: 3/7 = 42.857… → 42.86; 77/91 = 84.615… → 84.62;
	//   0.3 × 42.857… + 0.7 × 84.615… = 12.857… + 59.230… = 72.087… → 72.09.
	// Idea 12: 2/7 = 28.571… → 28.57; expert 33.333 → 33.33 shown;
	//   33.333/91 = 36.629… → 36.63; 8.571… + 25.640… = 34.212… → 34.21.
	out := domain.Combine([]domain.Candidate{cand(12, 2, 33.333), cand(10, 7, 91), cand(11, 3, 77)}, rules(30, 70))
	if got := order(out); !slices.Equal(got, []int64{10, 11, 12}) {
		t.Fatalf("order %v", got)
	}
	checks := []struct {
		idea                         int64
		vote, expert, norm, combined float64
	}{
		{10, 100, 91, 100, 100},
		{11, 42.86, 77, 84.62, 72.09},
		{12, 28.57, 33.33, 36.63, 34.21},
	}
	for _, c := range checks {
		a := byIdea(t, out, c.idea)
		if a.VoteScore != c.vote || a.ExpertScore != c.expert || a.ExpertNorm != c.norm || a.Combined != c.combined {
			t.Errorf("idea %d: %+v, want %+v", c.idea, a, c)
		}
	}
	for _, a := range out {
		for _, x := range []float64{a.VoteScore, a.ExpertScore, a.ExpertNorm, a.Combined} {
			if math.Abs(x*100-math.Round(x*100)) > 1e-6 {
				t.Errorf("idea %d: %v has more than two decimals", a.Idea, x)
			}
		}
	}
}

func TestCombineTies(t *testing.T) {
	t.Run("better expert score first", func(t *testing.T) {
		// 50/50. Idea 5: 100/100 votes, 50/100 expert → 50 + 25 = 75.
		// Idea 3: 50/100 votes, 100/100 expert → 25 + 50 = 75. Tied on the
		// combined score; idea 3's expert score is better.
		out := domain.Combine([]domain.Candidate{cand(5, 100, 50), cand(3, 50, 100)}, rules(50, 50))
		if got := order(out); !slices.Equal(got, []int64{3, 5}) {
			t.Fatalf("order %v, want [3 5]", got)
		}
		if out[0].Combined != 75 || out[1].Combined != 75 {
			t.Fatalf("not a tie: %+v", out)
		}
		// The same with the ids the other way round: the expert score,
		// not the id, decides.
		out = domain.Combine([]domain.Candidate{cand(3, 100, 50), cand(5, 50, 100)}, rules(50, 50))
		if got := order(out); !slices.Equal(got, []int64{5, 3}) {
			t.Fatalf("order %v, want [5 3]", got)
		}
	})
	t.Run("then more votes, then the lower id", func(t *testing.T) {
		// 0/100: every expert score is 80, so every combined score is 100
		// and every expert score ties. Idea 2 has 10 votes, ideas 9 and 4
		// have 20: 4 and 9 come first (more votes, though 2's id is
		// lower), 4 before 9 (lower id, though 9 comes first in the input).
		out := domain.Combine([]domain.Candidate{cand(9, 20, 80), cand(2, 10, 80), cand(4, 20, 80)}, rules(0, 100))
		if got := order(out); !slices.Equal(got, []int64{4, 9, 2}) {
			t.Fatalf("order %v, want [4 9 2]", got)
		}
		for i, a := range out {
			if a.Combined != 100 || a.Rank != i+1 {
				t.Errorf("%+v", a)
			}
		}
	})
	t.Run("rounding makes the tie", func(t *testing.T) {
		// 30/70; the best-voted has 10000 votes, the best expert score is 90.
		// Idea 1: 10000 votes → 100 → 30; expert 64.2909 → 71.4343… →
		//   0.7 × 71.4343… = 50.0040…; together 80.0040… → 80.00.
		// Idea 7: 3332 votes → 33.32 → 9.996; expert 90 → 100 → 70;
		//   together 79.996 → 80.00.
		// Unrounded, idea 1 is ahead; rounded, they tie and idea 7's better
		// expert score puts it first.
		out := domain.Combine([]domain.Candidate{cand(1, 10000, 64.2909), cand(7, 3332, 90)}, rules(30, 70))
		if out[0].Combined != 80 || out[1].Combined != 80 {
			t.Fatalf("no tie at 80.00: %+v", out)
		}
		if got := order(out); !slices.Equal(got, []int64{7, 1}) {
			t.Fatalf("order %v, want [7 1]", got)
		}
	})
}

func TestCombinePrizeTiers(t *testing.T) {
	// 30/70; the best-voted has 200 votes, the best expert score is 90.
	// 1: 150 votes → 75, expert 90 → 100: 22.5 + 70 = 92.5
	// 2: 200 votes → 100, not reviewed (0): 30 + 0 = 30
	// 3: 40 → 20, 30 → 33.333…: 6 + 23.333… = 29.33
	// 4: 20 → 10, 27 → 30: 3 + 21 = 24
	// 5: 10 → 5, 18 → 20: 1.5 + 14 = 15.5
	// 6: 0 → 0, 9 → 10: 0 + 7 = 7
	unreviewed := cand(2, 200, 0)
	unreviewed.Reviewed = false
	cs := []domain.Candidate{cand(6, 0, 9), cand(5, 10, 18), cand(4, 20, 27), cand(3, 40, 30), unreviewed, cand(1, 150, 90)}
	r := rules(30, 70, tier("first", 1), tier("second", 2), tier("third", 1))
	out := domain.Combine(cs, r)
	want := []struct {
		idea     int64
		combined float64
		tier     string
	}{
		{1, 92.5, "first"},
		{2, 30, ""}, // unreviewed: no prize, the second prizes go on down
		{3, 29.33, "second"},
		{4, 24, "second"},
		{5, 15.5, "third"},
		{6, 7, ""}, // the tiers are used up
	}
	if len(out) != len(want) {
		t.Fatalf("%d awards", len(out))
	}
	for i, w := range want {
		a := out[i]
		if a.Idea != w.idea || a.Combined != w.combined || a.Tier != w.tier || a.Rank != i+1 {
			t.Errorf("place %d: %+v, want idea %d combined %.2f tier %q", i+1, a, w.idea, w.combined, w.tier)
		}
	}
	c := domain.Contest{Results: out}
	if got := order(c.Awarded()); !slices.Equal(got, []int64{1, 3, 4, 5}) {
		t.Errorf("awarded %v", got)
	}

	// More prizes than candidates: every reviewed one gets one, nobody
	// panics.
	out = domain.Combine([]domain.Candidate{cand(1, 5, 50), cand(2, 3, 60)}, rules(30, 70, tier("first", 1), tier("second", 3), tier("third", 5)))
	// 1: 30 + 0.7 × 83.333… = 88.33; 2: 18 + 70 = 88: idea 1 first.
	if out[0].Idea != 1 || out[0].Tier != "first" || out[1].Tier != "second" {
		t.Errorf("few candidates: %+v", out)
	}
	// No tiers: no prizes, and no candidates: no result.
	for _, a := range domain.Combine(cs, rules(30, 70)) {
		if a.Tier != "" {
			t.Errorf("a prize without tiers: %+v", a)
		}
	}
	if got := domain.Combine(nil, r); len(got) != 0 {
		t.Errorf("no candidates: %+v", got)
	}
}

func TestCombineWithoutVotes(t *testing.T) {
	// Nobody voted: the vote scores are 0 (not NaN), and the expert part
	// decides. 30/70: 1: 0 + 0.7 × 60/80 × 100 = 52.5; 2: 0 + 70 = 70.
	out := domain.Combine([]domain.Candidate{cand(1, 0, 60), cand(2, 0, 80)}, rules(30, 70, tier("first", 1)))
	if got := order(out); !slices.Equal(got, []int64{2, 1}) {
		t.Fatalf("order %v", got)
	}
	for _, a := range out {
		if a.VoteScore != 0 || math.IsNaN(a.Combined) {
			t.Errorf("%+v", a)
		}
	}
	if out[0].Combined != 70 || out[1].Combined != 52.5 || out[0].Tier != "first" || out[1].Tier != "" {
		t.Errorf("%+v", out)
	}
	// Nothing at all: every score 0, the lower id first.
	out = domain.Combine([]domain.Candidate{cand(8, 0, 0), cand(3, 0, 0)}, rules(30, 70))
	if got := order(out); !slices.Equal(got, []int64{3, 8}) {
		t.Fatalf("order %v", got)
	}
	for _, a := range out {
		if a.Combined != 0 || a.ExpertNorm != 0 || a.VoteScore != 0 {
			t.Errorf("%+v", a)
		}
	}
}

func TestContestRulesValidate(t *testing.T) {
	valid := func() domain.ContestRules {
		r := rules(30, 70, domain.DefaultPrizes()...)
		r.CoOrganisers = []domain.Code{"finance", "transport"}
		return r
	}
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid rules refused: %v", err)
	}
	if r := valid(); r.Awards() != 19 {
		t.Fatalf("awards %d, want 1+3+5+10 = 19", r.Awards())
	}
	ok := []struct {
		name string
		edit func(*domain.ContestRules)
	}{
		{"vote opens as submissions close", func(r *domain.ContestRules) { r.VoteOpens = r.SubmissionCloses }},
		{"shortlist 0: every eligible idea", func(r *domain.ContestRules) { r.Shortlist = 0 }},
		{"shortlist the number of awards", func(r *domain.ContestRules) { r.Shortlist = 19 }},
		{"100/0", func(r *domain.ContestRules) { r.PublicWeight, r.ExpertWeight = 100, 0 }},
		{"0/100", func(r *domain.ContestRules) { r.PublicWeight, r.ExpertWeight = 0, 100 }},
	}
	for _, c := range ok {
		r := valid()
		c.edit(&r)
		if err := r.Validate(); err != nil {
			t.Errorf("%s: refused: %v", c.name, err)
		}
	}
	bad := []struct {
		name  string
		edit  func(*domain.ContestRules)
		field string
		key   string
	}{
		{"weights 40+70", func(r *domain.ContestRules) { r.PublicWeight = 40 }, "expert_weight", "validation.weights_sum"},
		{"weights 20+70", func(r *domain.ContestRules) { r.PublicWeight = 20 }, "expert_weight", "validation.weights_sum"},
		{"negative weight", func(r *domain.ContestRules) { r.PublicWeight, r.ExpertWeight = -10, 110 }, "public_weight", "validation.range"},
		{"weight over 100", func(r *domain.ContestRules) { r.PublicWeight, r.ExpertWeight = -10, 110 }, "expert_weight", "validation.range"},
		{"no submission opening", func(r *domain.ContestRules) { r.SubmissionOpens = time.Time{} }, "submission_opens", "validation.required"},
		{"submissions close before they open", func(r *domain.ContestRules) { r.SubmissionCloses = r.SubmissionOpens.Add(-time.Hour) },
			"submission_closes", "validation.after"},
		{"submissions close as they open", func(r *domain.ContestRules) { r.SubmissionCloses = r.SubmissionOpens }, "submission_closes", "validation.after"},
		{"vote opens before submissions close", func(r *domain.ContestRules) { r.VoteOpens = r.SubmissionCloses.Add(-time.Minute) },
			"vote_opens", "validation.not_before"},
		{"vote closes before it opens", func(r *domain.ContestRules) { r.VoteCloses = r.VoteOpens.Add(-time.Hour) }, "vote_closes", "validation.after"},
		{"vote closes as it opens", func(r *domain.ContestRules) { r.VoteCloses = r.VoteOpens }, "vote_closes", "validation.after"},
		{"shortlist below the awards", func(r *domain.ContestRules) { r.Shortlist = 18 }, "shortlist", "validation.min"},
		{"shortlist too long", func(r *domain.ContestRules) { r.Shortlist = 501 }, "shortlist", "validation.range"},
		{"negative shortlist", func(r *domain.ContestRules) { r.Shortlist = -1 }, "shortlist", "validation.range"},
		{"no votes", func(r *domain.ContestRules) { r.VotesPerVoter = 0 }, "votes_per_voter", "validation.range"},
		{"too many votes", func(r *domain.ContestRules) { r.VotesPerVoter = 51 }, "votes_per_voter", "validation.range"},
		{"no prizes", func(r *domain.ContestRules) { r.Prizes = nil }, "prizes", "validation.range"},
		{"duplicate prize code", func(r *domain.ContestRules) { r.Prizes[2].Code = r.Prizes[0].Code }, "prizes[2].code", "validation.duplicate"},
		{"bad prize code", func(r *domain.ContestRules) { r.Prizes[1].Code = "Second prize" }, "prizes[1].code", "validation.field_name"},
		{"prize without a Chinese name", func(r *domain.ContestRules) { r.Prizes[0].NameZH = " " }, "prizes[0].name_zh", "validation.required"},
		{"prize for nobody", func(r *domain.ContestRules) { r.Prizes[3].Count = 0 }, "prizes[3].count", "validation.range"},
		{"prize for too many", func(r *domain.ContestRules) { r.Prizes[3].Count = 201 }, "prizes[3].count", "validation.range"},
		{"no categories", func(r *domain.ContestRules) { r.Categories = nil }, "categories", "validation.range"},
		{"duplicate category", func(r *domain.ContestRules) { r.Categories[4].Code = "economy" }, "categories[4].code", "validation.duplicate"},
		{"category without an English name", func(r *domain.ContestRules) { r.Categories[1].NameEN = "" }, "categories[1].name_en", "validation.required"},
		{"no reply days", func(r *domain.ContestRules) { r.ReplyDays = 0 }, "reply_days", "validation.range"},
		{"too many report days", func(r *domain.ContestRules) { r.ReportDays = 251 }, "report_days", "validation.range"},
		{"too many co-organisers", func(r *domain.ContestRules) {
			r.CoOrganisers = make([]domain.Code, 61)
		}, "co_organisers", "validation.too_many"},
	}
	for _, c := range bad {
		r := valid()
		r.Prizes = slices.Clone(r.Prizes)
		r.Categories = slices.Clone(r.Categories)
		c.edit(&r)
		err := r.Validate()
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if k := domain.KindOf(err); k != domain.KindInvalid {
			t.Errorf("%s: kind %v", c.name, k)
		}
		if !slices.Contains(contestFields(err)[c.field], c.key) {
			t.Errorf("%s: %v, want %s on %s", c.name, err, c.key, c.field)
		}
	}
	// Validation collects every problem at once.
	r := valid()
	r.PublicWeight, r.Shortlist, r.ReplyDays = 50, 5, 0
	fs := contestFields(r.Validate())
	for _, f := range []string{"expert_weight", "shortlist", "reply_days"} {
		if len(fs[f]) == 0 {
			t.Errorf("no error on %s: %v", f, fs)
		}
	}
	if len(fs) != 3 {
		t.Errorf("errors on %v, want expert_weight, shortlist, reply_days only", fs)
	}
}

func TestNormaliseContact(t *testing.T) {
	good := []struct {
		in, want string
		email    bool
	}{
		{"Citizen@Example.CN", "citizen@example.cn", true},
		{"  zhang.san@example.cn ", "zhang.san@example.cn", true},
		{"13800138000", "13800138000", false},
		{"+86 138 0013 8000", "13800138000", false},
		{"+86-138-0013-8000", "13800138000", false},
		{"0086 13800138000", "13800138000", false},
		{" 199-0000-0001 ", "19900000001", false},
	}
	for _, c := range good {
		got, email, err := domain.NormaliseContact("contact", c.in)
		if err != nil || got != c.want || email != c.email {
			t.Errorf("%q: %q %v %v, want %q %v", c.in, got, email, err, c.want, c.email)
		}
	}
	bad := []string{
		"",
		"abc",
		"12800138000",                            // no mainland mobile starts 12
		"1380013800",                             // ten digits
		"138001380001",                           // twelve
		"+1 415 555 0100",                        // not a mainland number
		"86 13800138000",                         // 86 without the plus or 00
		"张三 <zhang@example.cn>",                  // a display name
		"zhang@",                                 // no domain
		"zhang@@example.cn",                      // two @
		strings.Repeat("a", 250) + "@example.cn", // over 254 characters
	}
	for _, in := range bad {
		got, _, err := domain.NormaliseContact("mobile", in)
		if got != "" {
			t.Errorf("%q: returned %q", in, got)
		}
		wantField(t, err, "mobile", "validation.contact")
	}
}

func TestMaskContact(t *testing.T) {
	cases := map[string]string{
		"13800138000":      "138****8000",
		"zhang@example.cn": "z***@example.cn",
		"z@example.cn":     "z***@example.cn",
		"":                 "***",
		"12345":            "***",
	}
	for in, want := range cases {
		if got := domain.MaskContact(in); got != want {
			t.Errorf("MaskContact(%q) = %q, want %q", in, got, want)
		}
	}
	// Nothing of the middle of the contact shows.
	if got := domain.MaskContact("13912345678"); strings.Contains(got, "1234") || strings.Contains(got, "2345") {
		t.Errorf("masked %q", got)
	}
}

// TestMaskContactUnicode: NormaliseContact takes an address with a
// Chinese local part (net/mail accepts RFC 6532 addresses), and MaskContact
// must keep the first character whole.
func TestMaskContactUnicode(t *testing.T) {
	norm, email, err := domain.NormaliseContact("contact", "张三@example.cn")
	if err != nil || !email {
		t.Fatalf("a Chinese local part is refused: %v", err)
	}
	if got := domain.MaskContact(norm); got != "张***@example.cn" {
		t.Errorf("MaskContact(%q) = %q, want %q: the first character kept whole", norm, got, "张***@example.cn")
	}
}

func TestMaskName(t *testing.T) {
	cases := map[string]string{
		"张三":         "张*",
		"欧阳娜娜":       "欧*",
		"  李四  ":     "李*",
		"王":          "王*",
		"Alice Wang": "A*",
		"":           "",
		"   ":        "",
		"\xff\xfe":   "",
	}
	for in, want := range cases {
		if got := domain.MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	idea := domain.Idea{ID: 1, Name: "张三", Contact: "13800138000", TrackingCode: "LC2026-ABCDEFGH", Title: "夜间经济"}
	p := idea.Public()
	if p.Name != "张*" || p.Contact != "" || p.TrackingCode != "" || p.Title != idea.Title || idea.Name != "张三" {
		t.Errorf("Public: %+v (from %+v)", p, idea)
	}
}

func TestContestRouted(t *testing.T) {
	c := domain.Contest{Results: []domain.Award{
		{Idea: 11, Rank: 1, Tier: "first"},
		{Idea: 12, Rank: 2, Tier: "second"},
		{Idea: 13, Rank: 3},
	}}
	known := func(d domain.Code) bool { return d == "finance" || d == "transport" }

	got, err := c.Routed(domain.ContestConfirmInput{Routes: map[string]domain.Code{"11": "finance", "12": "transport", "13": "finance"}}, known)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[11] != "finance" || got[12] != "transport" || got[13] != "finance" {
		t.Fatalf("routes %v", got)
	}
	// The unawarded idea may stay unrouted.
	got, err = c.Routed(domain.ContestConfirmInput{Routes: map[string]domain.Code{"11": "finance", "12": "transport"}, Reason: "按评审结果"}, known)
	if err != nil || len(got) != 2 {
		t.Fatalf("awards only: %v %v", got, err)
	}

	bad := []struct {
		name   string
		in     domain.ContestConfirmInput
		field  string
		key    string
		fields int
	}{
		{"idea not in the result", domain.ContestConfirmInput{Routes: map[string]domain.Code{"11": "finance", "12": "transport", "99": "finance"}},
			"routes.99", "validation.unknown_idea", 1},
		{"not an idea id", domain.ContestConfirmInput{Routes: map[string]domain.Code{"11": "finance", "12": "transport", "first": "finance"}},
			"routes.first", "validation.unknown_idea", 1},
		{"unknown department", domain.ContestConfirmInput{Routes: map[string]domain.Code{"11": "finance", "12": "mars"}},
			"routes.12", "validation.unknown_department", 1},
		{"unknown department of an unawarded idea", domain.ContestConfirmInput{Routes: map[string]domain.Code{"11": "finance", "12": "finance", "13": "mars"}},
			"routes.13", "validation.unknown_department", 1},
		{"awarded idea left unrouted", domain.ContestConfirmInput{Routes: map[string]domain.Code{"11": "finance"}},
			"routes.12", "validation.required", 1},
		{"nothing routed", domain.ContestConfirmInput{}, "routes.11", "validation.required", 2},
		{"empty department", domain.ContestConfirmInput{Routes: map[string]domain.Code{"11": "finance", "12": ""}},
			"routes.12", "validation.unknown_department", 1},
		{"reason too long", domain.ContestConfirmInput{Routes: map[string]domain.Code{"11": "finance", "12": "finance"}, Reason: strings.Repeat("理", 2001)},
			"reason", "validation.too_long", 1},
	}
	for _, b := range bad {
		_, err := c.Routed(b.in, known)
		if err == nil {
			t.Errorf("%s: accepted", b.name)
			continue
		}
		fs := contestFields(err)
		if domain.KindOf(err) != domain.KindInvalid || !slices.Contains(fs[b.field], b.key) {
			t.Errorf("%s: %v, want %s on %s", b.name, err, b.key, b.field)
		}
		if len(fs) != b.fields {
			t.Errorf("%s: errors on %v, want %d field(s)", b.name, fs, b.fields)
		}
	}
	// A reason of 2000 characters is fine.
	if _, err := c.Routed(domain.ContestConfirmInput{Routes: map[string]domain.Code{"11": "finance", "12": "finance"}, Reason: strings.Repeat("理", 2000)}, known); err != nil {
		t.Errorf("2000 characters: %v", err)
	}
}

func TestScreenIdeaValidate(t *testing.T) {
	ok := []domain.ScreenIdea{
		{Decision: domain.IdeaEligible},
		{Decision: domain.IdeaIneligible, Reason: "与主题无关"},
		{Decision: domain.IdeaMerged, MergedInto: 7},
		{Decision: domain.IdeaMerged, MergedInto: 7, Reason: "与7号创意重复"},
	}
	for _, s := range ok {
		if err := s.Validate(); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}
	bad := []struct {
		in         domain.ScreenIdea
		field, key string
	}{
		{domain.ScreenIdea{}, "decision", "validation.one_of"},
		{domain.ScreenIdea{Decision: "submitted"}, "decision", "validation.one_of"},
		{domain.ScreenIdea{Decision: "Eligible"}, "decision", "validation.one_of"},
		{domain.ScreenIdea{Decision: domain.IdeaIneligible}, "reason", "validation.required"},
		{domain.ScreenIdea{Decision: domain.IdeaIneligible, Reason: "  \n"}, "reason", "validation.required"},
		{domain.ScreenIdea{Decision: domain.IdeaMerged}, "merged_into", "validation.required"},
		{domain.ScreenIdea{Decision: domain.IdeaMerged, MergedInto: -3}, "merged_into", "validation.required"},
		{domain.ScreenIdea{Decision: domain.IdeaEligible, Reason: strings.Repeat("因", 2001)}, "reason", "validation.too_long"},
	}
	for _, b := range bad {
		wantField(t, b.in.Validate(), b.field, b.key)
	}
}

func TestNewIdeaValidate(t *testing.T) {
	r := rules(30, 70, domain.DefaultPrizes()...)
	valid := func() domain.NewIdea {
		return domain.NewIdea{Name: "张三", Category: "economy", Title: "发展夜间经济", Problem: "夜间消费场所少。",
			Idea: "设立夜间经济示范街区。", Effect: "带动消费。", Attachments: []int64{1, 2}}
	}
	if err := valid().Validate(r); err != nil {
		t.Fatalf("valid idea refused: %v", err)
	}
	// IdeaTextMax counts characters, not bytes: 5000 Chinese characters
	// (15000 bytes) are fine.
	long := valid()
	long.Problem = strings.Repeat("字", domain.IdeaTextMax)
	long.Idea, long.Effect = long.Problem, long.Problem
	long.Attachments = make([]int64, domain.IdeaAttachmentsMax)
	if err := long.Validate(r); err != nil {
		t.Fatalf("texts at the limit refused: %v", err)
	}
	bad := []struct {
		name       string
		edit       func(*domain.NewIdea)
		field, key string
	}{
		{"no name", func(n *domain.NewIdea) { n.Name = " " }, "name", "validation.required"},
		{"no title", func(n *domain.NewIdea) { n.Title = "" }, "title", "validation.required"},
		{"title too long", func(n *domain.NewIdea) { n.Title = strings.Repeat("题", 201) }, "title", "validation.too_long"},
		{"unknown category", func(n *domain.NewIdea) { n.Category = "sports" }, "category", "validation.one_of"},
		{"no category", func(n *domain.NewIdea) { n.Category = "" }, "category", "validation.one_of"},
		{"no problem", func(n *domain.NewIdea) { n.Problem = "\t" }, "problem", "validation.required"},
		{"no idea", func(n *domain.NewIdea) { n.Idea = "" }, "idea", "validation.required"},
		{"no effect", func(n *domain.NewIdea) { n.Effect = "" }, "effect", "validation.required"},
		{"problem too long", func(n *domain.NewIdea) { n.Problem = strings.Repeat("字", domain.IdeaTextMax+1) }, "problem", "validation.too_long"},
		{"idea too long", func(n *domain.NewIdea) { n.Idea = strings.Repeat("a", domain.IdeaTextMax+1) }, "idea", "validation.too_long"},
		{"effect too long", func(n *domain.NewIdea) { n.Effect = strings.Repeat("效", domain.IdeaTextMax+1) }, "effect", "validation.too_long"},
		{"a NUL in the idea", func(n *domain.NewIdea) { n.Idea = "a\x00b" }, "idea", "validation.control_chars"},
		{"too many files", func(n *domain.NewIdea) { n.Attachments = make([]int64, domain.IdeaAttachmentsMax+1) }, "attachments", "validation.too_many"},
	}
	for _, b := range bad {
		n := valid()
		b.edit(&n)
		err := n.Validate(r)
		if err == nil {
			t.Errorf("%s: accepted", b.name)
			continue
		}
		fs := contestFields(err)
		if !slices.Contains(fs[b.field], b.key) {
			t.Errorf("%s: %v, want %s on %s", b.name, err, b.key, b.field)
		}
		if len(fs) != 1 {
			t.Errorf("%s: errors on %v, want %s only", b.name, fs, b.field)
		}
	}
	// The category must be one of this contest's, not merely a default one.
	own := r
	own.Categories = []domain.Category{{Code: "night", NameZH: "夜经济", NameEN: "Night economy"}}
	wantField(t, valid().Validate(own), "category", "validation.one_of")
	n := valid()
	n.Category = "night"
	if err := n.Validate(own); err != nil {
		t.Errorf("the contest's own category refused: %v", err)
	}
}
