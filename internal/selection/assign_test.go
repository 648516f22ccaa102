package selection

import (
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"testing"
	"time"

	"lianxi/internal/domain"
)

// round is one random case for Assign.
type roundCase struct {
	entries   []domain.Entry
	experts   []domain.Expert
	conflicts map[string][]int
	perEntry  int
	existing  []domain.Review
}

var departments = []domain.Code{"sci", "edu", "fin", "health"}

// randomCase builds a pool, entries and earlier reviews from a seed:
// affiliations that collide with the entries' departments, declared
// conflicts, entries in every status, experts listed twice, earlier
// reviews (some replaced, some scored), and pools from empty to ample.
func randomCase(seed int64) roundCase {
	rng := rand.New(rand.NewSource(seed))
	dept := func() domain.Code {
		if rng.Intn(3) == 0 {
			return ""
		}
		return departments[rng.Intn(len(departments))]
	}
	c := roundCase{conflicts: map[string][]int{}, perEntry: 1 + rng.Intn(4)}
	ids := rng.Perm(60)
	for i := range rng.Intn(16) {
		status := domain.EntryAccepted
		if rng.Intn(4) == 0 {
			status = []string{domain.EntrySubmitted, domain.EntryRejected, domain.EntryReturned, domain.EntryWithdrawn}[rng.Intn(4)]
		}
		c.entries = append(c.entries, domain.Entry{ID: ids[i] + 1, Department: dept(), Status: status,
			At: t0.Add(time.Duration(rng.Intn(100)) * time.Hour)})
	}
	for i := range rng.Intn(14) {
		name := fmt.Sprintf("e%02d", i)
		c.experts = append(c.experts, domain.Expert{Username: name, Affiliation: dept()})
		if rng.Intn(12) == 0 { // listed twice, perhaps with another affiliation
			c.experts = append(c.experts, domain.Expert{Username: name, Affiliation: dept()})
		}
		if len(c.entries) > 0 && rng.Intn(3) == 0 {
			for range 1 + rng.Intn(3) {
				c.conflicts[name] = append(c.conflicts[name], c.entries[rng.Intn(len(c.entries))].ID)
			}
		}
	}
	if rng.Intn(5) == 0 {
		c.experts = append(c.experts, domain.Expert{Username: ""}) // ignored
	}
	id := rng.Intn(5)
	if len(c.entries) > 0 && len(c.experts) > 0 {
		for range rng.Intn(12) {
			id += 1 + rng.Intn(3)
			r := domain.Review{ID: id, Entry: c.entries[rng.Intn(len(c.entries))].ID,
				Expert: c.experts[rng.Intn(len(c.experts))].Username, Replaced: rng.Intn(3) == 0}
			if rng.Intn(2) == 0 {
				r.At = t0.Add(200 * time.Hour)
				r.Scores = map[string]float64{"x": 50}
			}
			c.existing = append(c.existing, r)
		}
	}
	return c
}

func (c roundCase) assign(seed int64) ([]domain.Review, error) {
	return Assign(seed, c.entries, c.experts, c.conflicts, c.perEntry, c.existing)
}

// eligibleAll applies recusal to every listing of an expert, written out
// here rather than through Eligible so that the property test checks the
// rule itself.
func (c roundCase) eligibleAll(name string, e domain.Entry) bool {
	if slices.Contains(c.conflicts[name], e.ID) {
		return false
	}
	found := false
	for _, x := range c.experts {
		if x.Username == name {
			found = true
			if x.Affiliation != "" && x.Affiliation == e.Department {
				return false
			}
		}
	}
	return found
}

func (c roundCase) usernames() []string {
	out := []string{}
	for _, x := range c.experts {
		if x.Username != "" && !slices.Contains(out, x.Username) {
			out = append(out, x.Username)
		}
	}
	slices.Sort(out)
	return out
}

// shortfall is what Assign must report, computed independently: the
// lowest accepted entry that lacks eligible experts who never reviewed it.
func (c roundCase) shortfall() (entry, needed, eligible int, short bool) {
	accepted := map[int]domain.Entry{}
	for _, e := range c.entries {
		if _, ok := accepted[e.ID]; !ok && e.Status == domain.EntryAccepted {
			accepted[e.ID] = e
		}
	}
	ids := []int{}
	for id := range accepted {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		active, had := 0, map[string]bool{}
		for _, r := range c.existing {
			if r.Entry == id {
				had[r.Expert] = true
				if !r.Replaced {
					active++
				}
			}
		}
		n := c.perEntry - active
		if n <= 0 {
			continue
		}
		k := 0
		for _, name := range c.usernames() {
			if !had[name] && c.eligibleAll(name, accepted[id]) {
				k++
			}
		}
		if k < n {
			return id, n, k, true
		}
	}
	return 0, 0, 0, false
}

// check verifies one successful draw against the rules, replaying it pick
// by pick: every new review is an eligible expert from the pool, new to the
// entry, with the fewest active reviews among those who could have been
// picked at that moment; every accepted entry ends with exactly perEntry
// active reviews (or keeps what it had when that was enough); IDs continue
// after the highest existing one.
func (c roundCase) check(t *testing.T, got []domain.Review) {
	t.Helper()
	entries := map[int]domain.Entry{}
	for _, e := range c.entries {
		if _, ok := entries[e.ID]; !ok {
			entries[e.ID] = e
		}
	}
	load := map[string]int{}
	had := map[int]map[string]bool{}
	active := map[int]int{}
	maxID := 0
	for _, r := range c.existing {
		maxID = max(maxID, r.ID)
		if had[r.Entry] == nil {
			had[r.Entry] = map[string]bool{}
		}
		had[r.Entry][r.Expert] = true
		if !r.Replaced {
			load[r.Expert]++
			active[r.Entry]++
		}
	}
	names := c.usernames()
	for i, r := range got {
		e, ok := entries[r.Entry]
		if !ok || e.Status != domain.EntryAccepted {
			t.Fatalf("review %+v for an entry that is not accepted", r)
		}
		if r.ID != maxID+1+i {
			t.Fatalf("review %d has ID %d, want %d", i, r.ID, maxID+1+i)
		}
		if !reflect.DeepEqual(r, domain.Review{ID: r.ID, Entry: r.Entry, Expert: r.Expert}) {
			t.Fatalf("new review carries more than its entry and expert: %+v", r)
		}
		if !slices.Contains(names, r.Expert) {
			t.Fatalf("%q is not in the pool", r.Expert)
		}
		if !c.eligibleAll(r.Expert, e) {
			t.Fatalf("recusal broken: %q on entry %d (department %q, conflicts %v, pool %v)",
				r.Expert, e.ID, e.Department, c.conflicts[r.Expert], c.experts)
		}
		if had[r.Entry][r.Expert] {
			t.Fatalf("%q twice on entry %d", r.Expert, r.Entry)
		}
		least := -1
		for _, n := range names {
			if !had[r.Entry][n] && c.eligibleAll(n, e) && (least < 0 || load[n] < least) {
				least = load[n]
			}
		}
		if load[r.Expert] != least {
			t.Fatalf("%q has %d reviews but an eligible expert had %d", r.Expert, load[r.Expert], least)
		}
		if had[r.Entry] == nil {
			had[r.Entry] = map[string]bool{}
		}
		had[r.Entry][r.Expert] = true
		load[r.Expert]++
		active[r.Entry]++
	}
	for id, e := range entries {
		if e.Status == domain.EntryAccepted && active[id] < c.perEntry {
			t.Fatalf("entry %d has %d active reviews, want %d", id, active[id], c.perEntry)
		}
	}
	// Entries that had enough get nothing: their count is unchanged.
	before := map[int]int{}
	for _, r := range c.existing {
		if !r.Replaced {
			before[r.Entry]++
		}
	}
	for id, n := range active {
		if before[id] >= c.perEntry && n != before[id] {
			t.Fatalf("entry %d had %d active reviews and got more", id, before[id])
		}
		if before[id] < c.perEntry && entries[id].Status == domain.EntryAccepted && n != c.perEntry {
			t.Fatalf("entry %d has %d active reviews, want exactly %d", id, n, c.perEntry)
		}
	}
}

func TestAssignProperties(t *testing.T) {
	ok, failed := 0, 0
	for seed := range int64(3000) {
		c := randomCase(seed)
		got, err := c.assign(seed)
		id, needed, eligible, short := c.shortfall()
		if short {
			failed++
			de := domain.AsError(err)
			if de == nil || de.Kind != domain.KindConflict || de.Key != "error.not_enough_experts" {
				t.Fatalf("case %d: want not_enough_experts, got %v", seed, err)
			}
			if want := map[string]any{"entry": id, "needed": needed, "eligible": eligible}; !reflect.DeepEqual(de.Params, want) {
				t.Fatalf("case %d: params %v, want %v", seed, de.Params, want)
			}
			if got != nil {
				t.Fatalf("case %d: partial result %v with the error", seed, got)
			}
			continue
		}
		if err != nil {
			t.Fatalf("case %d: %v", seed, err)
		}
		ok++
		c.check(t, got)

		// Same inputs, same draw; and the order of the slices given does
		// not matter (storage may list them in any order).
		again, _ := c.assign(seed)
		if !reflect.DeepEqual(got, again) {
			t.Fatalf("case %d: two draws with one seed differ", seed)
		}
		rng := rand.New(rand.NewSource(-seed))
		p := c
		p.entries, p.existing = slices.Clone(c.entries), slices.Clone(c.existing)
		rng.Shuffle(len(p.entries), func(i, j int) { p.entries[i], p.entries[j] = p.entries[j], p.entries[i] })
		rng.Shuffle(len(p.existing), func(i, j int) { p.existing[i], p.existing[j] = p.existing[j], p.existing[i] })
		// Experts: shuffle, but keep each name's listings in their order
		// (only their set matters, but keep the test simple).
		p.experts = slices.Clone(c.experts)
		rng.Shuffle(len(p.experts), func(i, j int) { p.experts[i], p.experts[j] = p.experts[j], p.experts[i] })
		if shuffled, err := p.assign(seed); err != nil || !reflect.DeepEqual(got, shuffled) {
			t.Fatalf("case %d: input order changed the draw: %v", seed, err)
		}
	}
	// The generator must exercise both outcomes.
	if ok < 500 || failed < 500 {
		t.Fatalf("only %d successful and %d failing cases", ok, failed)
	}
}

func TestAssignBalancesLoadWhenEveryoneIsEligible(t *testing.T) {
	for seed := range int64(1000) {
		rng := rand.New(rand.NewSource(seed))
		experts := []domain.Expert{}
		for i := range 1 + rng.Intn(20) {
			experts = append(experts, domain.Expert{Username: fmt.Sprintf("x%02d", i)})
		}
		entries := []domain.Entry{}
		for i := range rng.Intn(40) {
			entries = append(entries, entry(i+1, rng.Intn(10)))
		}
		perEntry := 1 + rng.Intn(len(experts))
		got, err := Assign(seed, entries, experts, nil, perEntry, nil)
		if err != nil {
			t.Fatalf("case %d: %v", seed, err)
		}
		if len(got) != perEntry*len(entries) {
			t.Fatalf("case %d: %d reviews, want %d", seed, len(got), perEntry*len(entries))
		}
		load := map[string]int{}
		for _, e := range experts {
			load[e.Username] = 0
		}
		for _, r := range got {
			load[r.Expert]++
		}
		lo, hi := len(got), 0
		for _, n := range load {
			lo, hi = min(lo, n), max(hi, n)
		}
		if hi-lo > 1 {
			t.Fatalf("case %d: loads %v range from %d to %d", seed, load, lo, hi)
		}
	}
}

func TestAssignFavoursTheLeastLoaded(t *testing.T) {
	experts := []domain.Expert{{Username: "busy"}, {Username: "free"}, {Username: "idle"}}
	existing := []domain.Review{
		{ID: 1, Entry: 1, Expert: "busy"}, {ID: 2, Entry: 2, Expert: "busy"},
		{ID: 3, Entry: 1, Expert: "free", Replaced: true}, // no load, but free may not take entry 1 again
	}
	entries := []domain.Entry{entry(1, 0), entry(2, 1), entry(3, 2)}
	for seed := range int64(50) {
		got, err := Assign(seed, entries, experts, nil, 1, existing)
		if err != nil {
			t.Fatal(err)
		}
		// Entries 1 and 2 have their reviewer; entry 3 gets free or idle.
		if len(got) != 1 || got[0].Entry != 3 || got[0].Expert == "busy" || got[0].ID != 4 {
			t.Fatalf("seed %d: %+v", seed, got)
		}
	}
	for seed := range int64(50) {
		got, err := Assign(seed, entries, experts, nil, 2, existing)
		if err != nil {
			t.Fatal(err)
		}
		// Entry 1 may only get idle (busy and free had it); the others
		// get whoever is least loaded at their turn.
		byEntry := map[int][]string{}
		for _, r := range got {
			byEntry[r.Entry] = append(byEntry[r.Entry], r.Expert)
		}
		if !slices.Equal(byEntry[1], []string{"idle"}) || len(byEntry[2]) != 1 || len(byEntry[3]) != 2 {
			t.Fatalf("seed %d: %v", seed, byEntry)
		}
	}
}

func TestAssignDrawDependsOnTheSeed(t *testing.T) {
	experts := []domain.Expert{}
	for i := range 12 {
		experts = append(experts, domain.Expert{Username: fmt.Sprintf("x%02d", i)})
	}
	entries := []domain.Entry{}
	for i := range 10 {
		entries = append(entries, entry(i+1, i))
	}
	draws := map[string]bool{}
	for seed := range int64(20) {
		got, err := Assign(seed, entries, experts, nil, 3, nil)
		if err != nil {
			t.Fatal(err)
		}
		draws[fmt.Sprint(got)] = true
	}
	if len(draws) < 15 {
		t.Fatalf("only %d distinct draws from 20 seeds", len(draws))
	}
}

// TestAssignGolden pins one draw. A running round replays its workflow
// history; if this draw changes, rounds in flight would draw differently
// on replay, so a change here must be deliberate (and versioned in the
// workflow).
func TestAssignGolden(t *testing.T) {
	experts := []domain.Expert{
		{Username: "chen", Affiliation: "sci"}, {Username: "li", Affiliation: "edu"},
		{Username: "wang"}, {Username: "zhang", Affiliation: "fin"}, {Username: "zhao"},
	}
	entries := []domain.Entry{withDept(entry(1, 0), "sci"), withDept(entry(2, 1), "edu"), entry(3, 2), withDept(entry(4, 3), "fin")}
	got, err := Assign(20250301, entries, experts, map[string][]int{"wang": {3}}, 2, []domain.Review{{ID: 7, Entry: 3, Expert: "li"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.Review{
		{ID: 8, Entry: 1, Expert: "zhang"}, {ID: 9, Entry: 1, Expert: "wang"},
		{ID: 10, Entry: 4, Expert: "chen"}, {ID: 11, Entry: 4, Expert: "zhao"},
		{ID: 12, Entry: 3, Expert: "chen"},
		{ID: 13, Entry: 2, Expert: "zhang"}, {ID: 14, Entry: 2, Expert: "wang"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("the draw changed:\n got %+v\nwant %+v", got, want)
	}
}

func TestAssignNotEnoughExperts(t *testing.T) {
	experts := []domain.Expert{{Username: "a", Affiliation: "sci"}, {Username: "b"}, {Username: "c"}}
	for _, c := range []struct {
		name      string
		entries   []domain.Entry
		conflicts map[string][]int
		perEntry  int
		existing  []domain.Review
		params    map[string]any
	}{
		{"pool smaller than perEntry", []domain.Entry{entry(1, 0)}, nil, 4, nil,
			map[string]any{"entry": 1, "needed": 4, "eligible": 3}},
		{"recusal leaves too few", []domain.Entry{entry(1, 0), withDept(entry(5, 1), "sci")}, nil, 3, nil,
			map[string]any{"entry": 5, "needed": 3, "eligible": 2}},
		{"declared conflicts leave too few", []domain.Entry{entry(1, 0), entry(2, 1)}, map[string][]int{"b": {2}}, 3, nil,
			map[string]any{"entry": 2, "needed": 3, "eligible": 2}},
		{"earlier reviewers do not count as eligible", []domain.Entry{entry(1, 0)}, nil, 3,
			[]domain.Review{{ID: 1, Entry: 1, Expert: "a", Replaced: true}, {ID: 2, Entry: 1, Expert: "b"}},
			map[string]any{"entry": 1, "needed": 2, "eligible": 1}},
		{"the lowest ID is named", []domain.Entry{withDept(entry(9, 0), "sci"), withDept(entry(4, 1), "sci")}, nil, 3, nil,
			map[string]any{"entry": 4, "needed": 3, "eligible": 2}},
		{"empty pool", []domain.Entry{entry(1, 0)}, nil, 1, nil,
			map[string]any{"entry": 1, "needed": 1, "eligible": 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pool := experts
			if c.name == "empty pool" {
				pool = nil
			}
			for seed := range int64(10) {
				got, err := Assign(seed, c.entries, pool, c.conflicts, c.perEntry, c.existing)
				de := domain.AsError(err)
				if got != nil || de == nil || de.Kind != domain.KindConflict || de.Key != "error.not_enough_experts" ||
					!reflect.DeepEqual(de.Params, c.params) {
					t.Fatalf("got %v, %v; want no reviews and %v", got, err, c.params)
				}
			}
		})
	}
}

func TestAssignNothingToDo(t *testing.T) {
	experts := []domain.Expert{{Username: "a"}, {Username: "b"}}
	entries := []domain.Entry{entry(1, 0), withStatus(entry(2, 1), domain.EntrySubmitted)}
	existing := []domain.Review{{ID: 1, Entry: 1, Expert: "a"}, {ID: 2, Entry: 1, Expert: "b"}}
	for _, c := range []struct {
		name     string
		perEntry int
		existing []domain.Review
	}{
		{"entries already covered", 2, existing},
		{"more than enough", 1, existing},
		{"perEntry 0", 0, nil},
		{"negative perEntry", -1, nil},
	} {
		got, err := Assign(1, entries, experts, nil, c.perEntry, c.existing)
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("%s: got %v, %v", c.name, got, err)
		}
	}
	if got, err := Assign(1, nil, nil, nil, 3, nil); err != nil || len(got) != 0 {
		t.Fatalf("no entries: %v, %v", got, err)
	}
}
