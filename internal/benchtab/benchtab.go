// Package benchtab gathers the figures of `make bench` into one table.
//
// A benchmark anywhere in the module reports a figure with Emit: one line on
// stdout, Prefix followed by the row as JSON. cmd/benchtable runs the
// benchmarks, collects those lines (a later row replaces an earlier one of
// the same section and name, so a benchmark run again by the testing
// package reports once) and writes the table with Write. Every figure that
// has a baseline carries it, measured in the same run, and their ratio.
package benchtab

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
)

// Prefix starts every row's line on stdout.
const Prefix = "benchtab: "

// Row is one figure of the table.
type Row struct {
	Section string  `json:"section"` // "1 engine floor": the table is ordered by section, then by arrival
	Name    string  `json:"name"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"`
	// Baseline names what the figure is compared with; Base is its value
	// in the same run, in BaseUnit (Unit when empty).
	Baseline string  `json:"baseline,omitempty"`
	Base     float64 `json:"base,omitempty"`
	BaseUnit string  `json:"base_unit,omitempty"`
	// Ratio is Value/Base unless the emitter set another (for a latency
	// compared with a rate, say).
	Ratio  float64 `json:"ratio,omitempty"`
	Target string  `json:"target,omitempty"` // "ratio ≥ 0.7", "< 100 ms"
	Met    *bool   `json:"met,omitempty"`    // whether Target is met; nil when there is none
	Note   string  `json:"note,omitempty"`
}

// Against sets the baseline and the ratio Value/Base.
func (r Row) Against(name string, base float64, unit string) Row {
	r.Baseline, r.Base, r.BaseUnit = name, base, unit
	if base != 0 {
		r.Ratio = r.Value / base
	}
	return r
}

// RatioAtLeast sets the target "ratio ≥ x" and whether it is met.
func (r Row) RatioAtLeast(x float64) Row {
	return r.target(fmt.Sprintf("ratio ≥ %g", x), r.Ratio >= x)
}

// RatioAtMost sets the target "ratio ≤ x" and whether it is met.
func (r Row) RatioAtMost(x float64) Row {
	return r.target(fmt.Sprintf("ratio ≤ %g", x), r.Ratio <= x)
}

// Below sets the target "< x Unit" on the value and whether it is met.
func (r Row) Below(x float64) Row { return r.target(fmt.Sprintf("< %g %s", x, r.Unit), r.Value < x) }

func (r Row) target(t string, met bool) Row {
	r.Target, r.Met = t, &met
	return r
}

var (
	mu     sync.Mutex
	emitTo io.Writer = os.Stdout
)

// Emit writes the row on stdout for cmd/benchtable.
func Emit(r Row) {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // a Row always marshals
	}
	mu.Lock()
	defer mu.Unlock()
	fmt.Fprintf(emitTo, "%s%s\n", Prefix, b)
}

// Parse reads a row from a line written by Emit. The row may follow other
// text on the line: the testing package prints a benchmark's name, without
// a newline, before the benchmark runs.
func Parse(line string) (Row, bool) {
	i := strings.Index(line, Prefix)
	if i < 0 {
		return Row{}, false
	}
	rest := strings.TrimSpace(line[i+len(Prefix):])
	var r Row
	if err := json.Unmarshal([]byte(rest), &r); err != nil {
		return Row{}, false
	}
	return r, true
}

// Table holds rows in the order they came, a later row of the same section
// and name replacing the earlier one in its place.
type Table struct {
	rows []Row
	at   map[string]int
}

// Add puts r in the table.
func (t *Table) Add(r Row) {
	if t.at == nil {
		t.at = map[string]int{}
	}
	k := r.Section + "\x00" + r.Name
	if i, ok := t.at[k]; ok {
		t.rows[i] = r
		return
	}
	t.at[k] = len(t.rows)
	t.rows = append(t.rows, r)
}

// Find returns the row of that section and name.
func (t *Table) Find(section, name string) (Row, bool) {
	i, ok := t.at[section+"\x00"+name]
	if !ok {
		return Row{}, false
	}
	return t.rows[i], true
}

// Rows returns the rows by section, in arrival order within one.
func (t *Table) Rows() []Row {
	var sections []string
	by := map[string][]Row{}
	for _, r := range t.rows {
		if _, ok := by[r.Section]; !ok {
			sections = append(sections, r.Section)
		}
		by[r.Section] = append(by[r.Section], r)
	}
	slices.Sort(sections)
	var out []Row
	for _, s := range sections {
		out = append(out, by[s]...)
	}
	return out
}

// Misses counts the rows whose target is not met.
func (t *Table) Misses() int {
	n := 0
	for _, r := range t.rows {
		if r.Met != nil && !*r.Met {
			n++
		}
	}
	return n
}

// Write writes the table as aligned text: section, figure, value,
// baseline, ratio, target and whether it is met, and the note.
func (t *Table) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "section\tfigure\tvalue\tbaseline (same run)\tratio\ttarget\tnote")
	section := ""
	for _, r := range t.Rows() {
		s := ""
		if r.Section != section {
			section, s = r.Section, r.Section
		}
		base := ""
		if r.Baseline != "" {
			unit := r.BaseUnit
			if unit == "" {
				unit = r.Unit
			}
			base = r.Baseline + ": " + Format(r.Base, unit)
		}
		ratio := ""
		if r.Ratio != 0 {
			ratio = fmt.Sprintf("%.2f", r.Ratio)
		}
		target := r.Target
		if r.Met != nil {
			if *r.Met {
				target += "  met"
			} else {
				target += "  MISSED"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s, r.Name, Format(r.Value, r.Unit), base, ratio, target, r.Note)
	}
	return tw.Flush()
}

// Format writes a figure with a precision that suits its size.
func Format(v float64, unit string) string {
	var s string
	switch a := abs(v); {
	case a >= 100:
		s = fmt.Sprintf("%.0f", v)
	case a >= 10:
		s = fmt.Sprintf("%.1f", v)
	default:
		s = fmt.Sprintf("%.2f", v)
	}
	if unit == "" {
		return s
	}
	return s + " " + unit
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// The sections of the table, in the order of the issue that asked for it.
const (
	SectionFloor   = "1 engine floor (embedded server)"
	SectionSubmit  = "2 task submit (HTTP API)"
	SectionCycle   = "3 science cycle, 29 departments"
	SectionSweep   = "4 reminder sweep, 100,000 open tasks"
	SectionPages   = "5 inbox and ledger, 100,000 tasks, 16 clients"
	SectionVote    = "6 public vote"
	SectionStorage = "7 storage floor"
	SectionProcess = "8 memory and start-up"
	SectionTuning  = "9 tuning: our setting against the default, same run"
)
