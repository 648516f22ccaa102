package selection

import (
	"math"
	"strconv"
	"testing"
	"time"

	"lianxi/internal/domain"
)

// bytesource reads a fuzz input a byte at a time, 0 when it runs out.
type bytesource struct {
	data []byte
	i    int
}

func (b *bytesource) byte() byte {
	if b.i >= len(b.data) {
		return 0
	}
	b.i++
	return b.data[b.i-1]
}

// float returns a number that is sometimes hostile: NaN, ±Inf, negative,
// huge, tiny, or an ordinary score.
func (b *bytesource) float() float64 {
	switch v := b.byte(); v {
	case 250:
		return math.NaN()
	case 251:
		return math.Inf(1)
	case 252:
		return math.Inf(-1)
	case 253:
		return math.MaxFloat64
	case 254:
		return math.SmallestNonzeroFloat64
	case 255:
		return -float64(b.byte())
	default:
		return float64(v) / 2
	}
}

func hostile(t *testing.T, x float64, what string) {
	t.Helper()
	if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 || x > 100+1e-9 {
		t.Fatalf("%s = %v", what, x)
	}
}

// FuzzRank builds a programme, entries and reviews from the input and
// checks that Total and Rank neither panic nor yield NaN, infinities or
// scores outside 0–100, and that the ranking is a proper 1..n order of the
// accepted entries.
func FuzzRank(f *testing.F) {
	f.Add([]byte{2, 3, 10, 1, 10, 3, 0, 4, 1, 20, 7, 2, 9, 9})
	f.Add([]byte{3, 250, 0, 251, 5, 253, 10, 5, 2, 250, 251, 252, 253, 254, 255, 7})
	f.Add([]byte{1, 254, 1, 9, 1, 255, 3, 200, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte("0X0000000\xfe12000211")) // a negative scale once gave a negative criterion mean
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &bytesource{data: data}
		p := domain.Programme{Aggregation: domain.AggregateTrimmedMean, TieRule: domain.TieByCriteria}
		if b.byte()%2 == 0 {
			p.Aggregation, p.TieRule = domain.AggregateMean, domain.TieByNomination
		}
		for i := range int(b.byte() % 6) {
			p.Criteria = append(p.Criteria, domain.Criterion{Code: "c" + strconv.Itoa(i%4), Weight: b.float(), Max: int(int8(b.byte()))})
		}
		entries := []domain.Entry{}
		accepted := map[int]bool{}
		for range int(b.byte() % 12) {
			e := domain.Entry{ID: int(b.byte() % 16), At: time.Unix(int64(b.byte()%4), 0), Status: domain.EntryAccepted}
			if b.byte()%5 == 0 {
				e.Status = domain.EntryRejected
			}
			entries = append(entries, e)
			if e.Status == domain.EntryAccepted {
				accepted[e.ID] = true
			}
		}
		reviews := []domain.Review{}
		for i := range int(b.byte() % 40) {
			r := domain.Review{ID: i + 1, Entry: int(b.byte() % 16), Expert: "x", Scores: map[string]float64{}}
			if b.byte()%4 != 0 {
				r.At = time.Unix(100, 0)
			}
			r.Replaced = b.byte()%6 == 0
			for range int(b.byte() % 6) {
				r.Scores["c"+strconv.Itoa(int(b.byte()%5))] = b.float()
			}
			hostile(t, Total(p, r.Scores), "Total")
			reviews = append(reviews, r)
		}
		rs := Rank(p, entries, reviews)
		if len(rs) != len(accepted) {
			t.Fatalf("%d ranked, %d accepted", len(rs), len(accepted))
		}
		seen := map[int]bool{}
		for i, r := range rs {
			if r.Rank != i+1 || !accepted[r.Entry] || seen[r.Entry] {
				t.Fatalf("bad ranking %+v", rs)
			}
			seen[r.Entry] = true
			hostile(t, r.Score, "Score")
			for _, x := range r.Totals {
				hostile(t, x, "a total")
			}
			for _, x := range r.Criteria {
				if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
					t.Fatalf("criterion mean %v", x)
				}
			}
			if i > 0 && r.Reviews > 0 && r.Score > rs[i-1].Score {
				t.Fatalf("out of order %+v", rs)
			}
		}
	})
}
