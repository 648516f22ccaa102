package contests_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"lianxi/internal/contests"
	"lianxi/internal/domain"
)

func idea(id int64, status, title, problem, proposal string) domain.Idea {
	return domain.Idea{ID: id, Year: 2026, Status: status, Category: "economy", Title: title, Problem: problem, Proposal: proposal,
		Effect: "效果与相似度无关。"}
}

// nightEconomy is an idea; rewordings of it follow.
var nightEconomy = idea(1, domain.IdeaEligible, "发展夜间经济，点亮城市烟火气",
	"城市夜间消费场所少，夜间公共交通不便，市民晚上无处可去。",
	"在老城区设立夜间经济示范街区，延长地铁和公交运营时间至午夜，鼓励商户延时经营。")

func ideasOn(t *testing.T, ss []contests.Similar) []int64 {
	t.Helper()
	out := make([]int64, len(ss))
	for i, s := range ss {
		out[i] = s.Idea
	}
	return out
}

func scoreOf(ss []contests.Similar, id int64) (float64, bool) {
	for _, s := range ss {
		if s.Idea == id {
			return s.Score, true
		}
	}
	return 0, false
}

// checkShape checks what holds of every result: no idea flags itself, the
// scores are between the threshold and 1 with two decimals, the closest
// come first (ties by id), at most five, and a pair is flagged both ways
// with one score unless the cap of five cut it.
func checkShape(t *testing.T, d map[int64][]contests.Similar) {
	t.Helper()
	for id, ss := range d {
		if len(ss) == 0 || len(ss) > 5 {
			t.Errorf("idea %d: %d similar ideas", id, len(ss))
		}
		for i, s := range ss {
			if s.Idea == id {
				t.Errorf("idea %d flags itself", id)
			}
			// The score is cut to two decimals, so it may show 0.01 under
			// the threshold it passed.
			if s.Score < contests.DuplicateThreshold-0.01 || s.Score > 1 || math.Abs(s.Score*100-math.Round(s.Score*100)) > 1e-9 {
				t.Errorf("idea %d: score %v", id, s.Score)
			}
			if i > 0 && (ss[i-1].Score < s.Score || ss[i-1].Score == s.Score && ss[i-1].Idea > s.Idea) {
				t.Errorf("idea %d: not the closest first: %+v", id, ss)
			}
			back, ok := scoreOf(d[s.Idea], id)
			if !ok && len(d[s.Idea]) < 5 {
				t.Errorf("idea %d flags %d, not the other way", id, s.Idea)
			}
			if ok && back != s.Score {
				t.Errorf("ideas %d and %d: %v one way, %v the other", id, s.Idea, s.Score, back)
			}
		}
	}
}

func TestDuplicatesFlagsRewording(t *testing.T) {
	ideas := []domain.Idea{
		nightEconomy,
		// The same proposal, its sentences shuffled and reworded.
		idea(2, domain.IdeaSubmitted, "点亮城市烟火气：发展夜间经济",
			"市民晚上无处可去，因为城市夜间消费场所少、夜间公共交通不便。",
			"鼓励商户延时经营；在老城区设立夜间经济示范街区；把地铁和公交运营时间延长至午夜。"),
		// Other topics.
		idea(3, domain.IdeaEligible, "推进垃圾分类进小区", "居民分类投放意识不强，混装混运现象突出。",
			"每个小区配备督导员，定时定点投放，对分类到位的家庭给予积分奖励。"),
		idea(4, domain.IdeaSubmitted, "建设社区嵌入式养老服务站", "老年人口增多，居家养老缺少照护和助餐服务。",
			"利用闲置用房建设嵌入式养老服务站，提供日间照料、助餐和康复护理。"),
		idea(5, domain.IdeaEligible, "Smart parking for the old town", "Drivers circle for 20 minutes to find a space.",
			"Sensors in every bay and an app that shows the free ones."),
		// Word for word the first idea, but out of the running.
		func() domain.Idea {
			i := nightEconomy
			i.ID, i.Status, i.Reason = 6, domain.IdeaIneligible, "重复"
			return i
		}(),
		func() domain.Idea {
			i := nightEconomy
			i.ID, i.Status, i.MergedInto = 7, domain.IdeaMerged, 1
			return i
		}(),
		// The first idea again, its punctuation dropped and spaced out:
		// only letters and digits count.
		idea(8, domain.IdeaSubmitted, "发展 夜间经济 点亮 城市烟火气",
			"城市夜间消费场所少 夜间公共交通不便 市民晚上无处可去",
			"在老城区设立夜间经济示范街区 延长地铁和公交运营时间至午夜 鼓励商户延时经营"),
	}
	d := contests.Duplicates(ideas)
	checkShape(t, d)

	s, ok := scoreOf(d[1], 2)
	if !ok || s < contests.DuplicateThreshold {
		t.Fatalf("the rewording is not flagged: %+v", d[1])
	}
	if back, _ := scoreOf(d[2], 1); back != s {
		t.Errorf("not symmetric: %v and %v", s, back)
	}
	if s, _ := scoreOf(d[1], 8); s != 1 {
		t.Errorf("the same text without punctuation scores %v, want 1 (flagged: %+v)", s, d[1])
	}
	if got := ideasOn(t, d[1]); !slices.Equal(got, []int64{8, 2}) {
		t.Errorf("idea 1 flags %v, want [8 2]: the closest first", got)
	}
	for _, id := range []int64{3, 4, 5, 6, 7} {
		if len(d[id]) > 0 {
			t.Errorf("idea %d is flagged: %+v", id, d[id])
		}
	}
	for id, ss := range d {
		for _, x := range ss {
			if x.Idea >= 3 && x.Idea <= 7 {
				t.Errorf("idea %d flags %d", id, x.Idea)
			}
		}
	}
}

func TestDuplicatesCase(t *testing.T) {
	// Letters are compared case folded.
	a := idea(1, domain.IdeaEligible, "Night Economy in the Old Town", "Few places open after dark", "Open a night market street on Fridays")
	b := idea(2, domain.IdeaEligible, "NIGHT ECONOMY IN THE OLD TOWN", "few places open after dark", "open a night market street on fridays")
	d := contests.Duplicates([]domain.Idea{a, b})
	if s, _ := scoreOf(d[1], 2); s != 1 {
		t.Errorf("case changes the score: %+v", d)
	}
}

func TestDuplicatesBestFirstAtMostFive(t *testing.T) {
	// Seven ideas close to idea 1 at falling similarity: each adds more of
	// its own to the first idea's text than the one before.
	tails := []string{"", "同时开设周末夜市", "同时开设周末夜市，发放夜间消费券", "同时开设周末夜市，发放夜间消费券，举办灯光节",
		"同时开设周末夜市，发放夜间消费券，举办灯光节和街头音乐会", "同时开设周末夜市，发放夜间消费券，举办灯光节和街头音乐会，并设立治安巡逻",
		"同时开设周末夜市，发放夜间消费券，举办灯光节和街头音乐会，并设立治安巡逻和便民服务点"}
	ideas := []domain.Idea{nightEconomy}
	for i, tail := range tails {
		x := nightEconomy
		x.ID, x.Status = int64(20+i), domain.IdeaSubmitted
		x.Proposal += tail
		ideas = append(ideas, x)
	}
	// In an order that is neither the ids' nor the scores'.
	slices.Reverse(ideas)
	d := contests.Duplicates(ideas)
	checkShape(t, d)

	got := d[1]
	if len(got) != 5 {
		t.Fatalf("idea 1 flags %d ideas, want the five closest: %+v", len(got), got)
	}
	if got[0].Idea != 20 || got[0].Score != 1 {
		t.Errorf("the exact copy is not first: %+v", got)
	}
	// Every idea left off is no closer than the last one kept. A pair's
	// score does not depend on the other ideas: compare the pair alone.
	last := got[len(got)-1].Score
	kept := ideasOn(t, got)
	for _, x := range ideas {
		if x.ID == 1 || slices.Contains(kept, x.ID) {
			continue
		}
		s, ok := scoreOf(contests.Duplicates([]domain.Idea{nightEconomy, x})[1], x.ID)
		if !ok {
			t.Fatalf("idea %d is not like idea 1 at all", x.ID)
		}
		if s > last {
			t.Errorf("idea %d (%v) left off for one at %v: %+v", x.ID, s, last, got)
		}
	}
	// The shorter the tail, the closer.
	if !slices.Equal(kept, []int64{20, 21, 22, 23, 24}) {
		t.Errorf("idea 1 flags %v, want [20 21 22 23 24]", kept)
	}
}

func TestDuplicatesTiesByID(t *testing.T) {
	// Six copies of one idea: all score 1; each keeps the five lowest ids
	// but its own.
	var ideas []domain.Idea
	for _, id := range []int64{7, 3, 5, 1, 6, 4, 2} {
		x := nightEconomy
		x.ID = id
		ideas = append(ideas, x)
	}
	d := contests.Duplicates(ideas)
	checkShape(t, d)
	want := map[int64][]int64{1: {2, 3, 4, 5, 6}, 2: {1, 3, 4, 5, 6}, 7: {1, 2, 3, 4, 5}, 6: {1, 2, 3, 4, 5}}
	for id, w := range want {
		if got := ideasOn(t, d[id]); !slices.Equal(got, w) {
			t.Errorf("idea %d flags %v, want %v", id, got, w)
		}
		for _, s := range d[id] {
			if s.Score != 1 {
				t.Errorf("idea %d: %+v", id, s)
			}
		}
	}
}

func TestDuplicatesNothingToCompare(t *testing.T) {
	if d := contests.Duplicates(nil); len(d) != 0 {
		t.Errorf("%+v", d)
	}
	// Empty and one-character texts have no character pairs: never alike.
	d := contests.Duplicates([]domain.Idea{idea(1, domain.IdeaEligible, "", "", ""), idea(2, domain.IdeaEligible, "", "", ""),
		idea(3, domain.IdeaEligible, "夜", "", ""), idea(4, domain.IdeaEligible, "夜", "", "")})
	if len(d) != 0 {
		t.Errorf("empty ideas flagged: %+v", d)
	}
	d = contests.Duplicates([]domain.Idea{nightEconomy})
	if len(d) != 0 {
		t.Errorf("a lone idea flagged: %+v", d)
	}
}

// distinct returns n characters no two alike (CJK ideographs in a row), so
// that n characters make n-1 character pairs, none shared by accident.
func distinct(from, n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteRune(rune(0x4E00 + from + i))
	}
	return b.String()
}

func TestDuplicatesScore(t *testing.T) {
	// Idea 1: 30 characters, 29 pairs. Idea 2: the same 30 characters and
	// 21 more: 29 + 21 = 50 pairs, 29 in common. Jaccard: 29 / (29 + 50 −
	// 29) = 29/50 = 0.58.
	a := idea(1, domain.IdeaEligible, distinct(0, 30), "", "")
	b := idea(2, domain.IdeaEligible, distinct(0, 51), "", "")
	// Idea 3: 30 characters, of which the first 20 are idea 1's: 19 pairs
	// in common of 29 + 29 → 19/39 = 0.487… → 0.48.
	c := idea(3, domain.IdeaEligible, distinct(0, 20)+distinct(500, 10), "", "")
	// Idea 4: 10 of idea 1's characters then 20 others: 9/(29+29−9) =
	// 9/49 = 0.18: not flagged.
	e := idea(4, domain.IdeaEligible, distinct(0, 10)+distinct(1000, 20), "", "")
	d := contests.Duplicates([]domain.Idea{a, b, c, e})
	if s, ok := scoreOf(d[1], 3); !ok || s != 0.48 {
		t.Errorf("ideas 1 and 3: %v %v, want 0.48", s, ok)
	}
	if _, ok := scoreOf(d[1], 4); ok || len(d[4]) > 0 {
		t.Errorf("idea 4 (0.18) flagged: %+v", d)
	}
	s, ok := scoreOf(d[1], 2)
	if !ok {
		t.Fatalf("ideas 1 and 2 (0.58) not flagged: %+v", d)
	}
	if s != 0.58 {
		t.Errorf("29 pairs in common of 50 score %v, want 0.58 (57.99999999999999 must not truncate to 57)", s)
	}
}
