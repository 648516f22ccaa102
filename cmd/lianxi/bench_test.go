package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"lianxi/internal/benchtab"
)

// BenchmarkDevProcess measures `lianxi dev` as a person runs it: from start
// to ready on a new data directory (a PostgreSQL cluster created, the
// Temporal store set up, the seed loaded) and again on the same directory,
// holding open work; and the process's resident memory with 1,035 open
// science cycles and their 30,015 open agenda tasks (104 and 3,016 with
// -short), every one a running workflow. The process holds the embedded
// Temporal server, the worker and the web server; PostgreSQL runs in
// processes of its own and is not counted. Targets: under 300 MB, under
// 10 s to ready. Before that, three smaller installations (70 cycles)
// run one after the other compare lianxi dev's garbage-collection target
// and the worker's workflow cache with Go's and the SDK's defaults.
func BenchmarkDevProcess(b *testing.B) {
	cycles := 1035
	if testing.Short() {
		cycles = 104
	}
	for b.Loop() {
		var small [3]float64
		for i, env := range []string{"", "GOGC=100", "LIANXI_WORKFLOW_CACHE=10000"} {
			var extra []string
			if env != "" {
				extra = []string{env}
			}
			p := startDevWith(b, dataDir(b), extra)
			open := openCycles(b, p, 70)
			small[i], _ = memory(b, p.cmd.Process.Pid)
			b.Logf("%q: %.0f MB with %d tasks open", env, small[i], open)
			p.stop()
		}
		benchtab.Emit(benchtab.Row{Section: benchtab.SectionTuning, Name: fmt.Sprintf("lianxi dev GC target %d %% (Go's default 100 %%)", devGCPercent),
			Value: small[0], Unit: "MB", Note: "resident memory with 70 cycles, 2,030 tasks open"}.Against("default", small[1], ""))
		benchtab.Emit(benchtab.Row{Section: benchtab.SectionTuning, Name: fmt.Sprintf("worker's workflow cache %d (the SDK's default 10,000)", defaultWorkflowCache),
			Value: small[0], Unit: "MB", Note: "resident memory with 70 cycles, 2,030 tasks open"}.Against("default", small[2], ""))

		dir := dataDir(b)
		t0 := time.Now()
		p := startDev(b, dir)
		first := time.Since(t0)
		benchtab.Emit(benchtab.Row{Section: benchtab.SectionProcess, Name: "lianxi dev, start to ready, new data directory", Value: first.Seconds(), Unit: "s"}.Below(10))
		open := openCycles(b, p, cycles)
		rss, peak := memory(b, p.cmd.Process.Pid)
		note := fmt.Sprintf("%d cycles, %d tasks open; peak %.0f MB; Go heap in use %.0f MB, goroutines %.0f", cycles, open, peak,
			p.metric("go_memstats_heap_inuse_bytes")/(1<<20), p.metric("go_goroutines"))
		benchtab.Emit(benchtab.Row{Section: benchtab.SectionProcess, Name: "lianxi dev resident memory (server, worker, web)", Value: rss, Unit: "MB", Note: note}.Below(300))

		p.stop()
		t0 = time.Now()
		startDev(b, dir)
		again := time.Since(t0)
		benchtab.Emit(benchtab.Row{Section: benchtab.SectionProcess, Name: "lianxi dev, start to ready, same directory", Value: again.Seconds(), Unit: "s",
			Note: fmt.Sprintf("%d workflows running", cycles+open)}.Below(10))
	}
}

// openCycles starts n science cycles, 8 at a time, waits until their 29
// agenda tasks each are open, then lets the process settle (the server's
// queues drained, the caches as full as they get) and returns how many
// tasks are open.
func openCycles(b *testing.B, p *devProcess, n int) int {
	b.Helper()
	admin := p.client()
	const pw = "Bench-pass-2026"
	p.send(admin, "POST", "/api/v1/users", `{"username":"bench.office","password":"`+pw+`","display_name":"科技办","roles":[{"role":"office","committee":"science"}]}`, http.StatusCreated)
	office := p.login("bench.office", pw)
	began := time.Now()
	if _, err := benchtab.Load(8, n, func(_, i int) error {
		return post(office, p.base+"/api/v1/committees/science/cycles", fmt.Sprintf(`{"period":"2026-load-%d"}`, i), http.StatusCreated)
	}); err != nil {
		b.Fatal(err)
	}
	want, open := n*29, 0
	for deadline := time.Now().Add(10 * time.Minute); open < want; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d agenda tasks open after 10 minutes", open, want)
		}
		var l struct {
			Totals struct {
				Open int `json:"open"`
			} `json:"totals"`
		}
		p.getJSON(admin, "/api/v1/ledger", &l)
		open = l.Totals.Open
	}
	b.Logf("%d cycles and %d tasks opened in %v", n, open, time.Since(began).Round(time.Second))
	time.Sleep(5 * time.Second)
	return open
}

// post sends a JSON body and wants the status.
func post(c *http.Client, url, body string, want int) error {
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST %s: %d, want %d: %s", url, resp.StatusCode, want, b)
	}
	return nil
}

// memory reads a process's resident memory and its peak, in MB.
func memory(b *testing.B, pid int) (rss, peak float64) {
	b.Helper()
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		if err != nil {
			b.Fatal(err)
		}
		if k == "VmRSS" {
			rss = kb / 1024
		} else {
			peak = kb / 1024
		}
	}
	return rss, peak
}

// metric reads a gauge from the process's /metrics (open to loopback).
func (p *devProcess) metric(name string) float64 {
	p.t.Helper()
	resp, err := http.Get(p.base + "/metrics")
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				p.t.Fatal(err)
			}
			return f
		}
	}
	p.t.Fatalf("no %s in /metrics", name)
	return 0
}
