package benchtab

import (
	"bytes"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRowsRoundTripAndReplace(t *testing.T) {
	var tab Table
	r := Row{Section: "2 submit", Name: "16 clients", Value: 70, Unit: "/s"}.Against("bare Update", 100, "").RatioAtLeast(0.7)
	for _, line := range []string{
		Prefix + `{"section":"2 submit","name":"16 clients","value":1,"unit":"/s"}`,
		"BenchmarkX-2 \t 1\t 100 ns/op",
		"BenchmarkContestVote/clients-64-2         \t" + Prefix + `{"section":"1 engine floor","name":"update","value":60,"unit":"/s"}`,
	} {
		if row, ok := Parse(line); ok {
			tab.Add(row)
		}
	}
	b, _ := jsonLine(r)
	row, ok := Parse(b)
	if !ok {
		t.Fatalf("did not parse %q", b)
	}
	tab.Add(row)
	if got := tab.Rows(); len(got) != 2 || got[0].Section != "1 engine floor" || got[1].Value != 70 {
		t.Fatalf("rows: %+v", got)
	}
	if got, _ := tab.Find("2 submit", "16 clients"); got.Ratio != 0.7 || got.Met == nil || !*got.Met {
		t.Fatalf("ratio and target: %+v", got)
	}
	miss := Row{Section: "6 vote", Name: "votes", Value: 32, Unit: "/s"}.Against("INSERT", 100, "").RatioAtLeast(0.5)
	tab.Add(miss)
	if tab.Misses() != 1 {
		t.Fatalf("misses: %d", tab.Misses())
	}
	var out bytes.Buffer
	if err := tab.Write(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"70.0 /s", "bare Update: 100 /s", "0.70", "ratio ≥ 0.7  met", "ratio ≥ 0.5  MISSED"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func jsonLine(r Row) (string, error) {
	var buf bytes.Buffer
	old := emitTo
	emitTo = &buf
	defer func() { emitTo = old }()
	Emit(r)
	return buf.String(), nil
}

func TestLoadCallsEachIndexOnceAndStopsAtTheFirstError(t *testing.T) {
	var calls atomic.Int64
	seen := make([]atomic.Int32, 100)
	res, err := Load(16, 100, func(_, i int) error {
		calls.Add(1)
		seen[i].Add(1)
		time.Sleep(time.Millisecond)
		return nil
	})
	if err != nil || res.Ops != 100 || calls.Load() != 100 {
		t.Fatalf("%+v %v, %d calls", res, err, calls.Load())
	}
	for i := range seen {
		if seen[i].Load() != 1 {
			t.Fatalf("index %d called %d times", i, seen[i].Load())
		}
	}
	if res.P(50) < 1 || res.P(99) < res.P(50) || res.Rate() <= 0 {
		t.Fatalf("p50 %v p99 %v rate %v", res.P(50), res.P(99), res.Rate())
	}
	boom := errors.New("boom")
	calls.Store(0)
	if _, err := Load(2, 1000, func(_, i int) error {
		calls.Add(1)
		if i == 3 {
			return boom
		}
		return nil
	}); !errors.Is(err, boom) || calls.Load() >= 1000 {
		t.Fatalf("error %v after %d calls", err, calls.Load())
	}
}
