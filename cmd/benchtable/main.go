// Command benchtable runs Lianxi's benchmarks and prints their figures as one
// table, each next to its baseline from the same run:
//
//	go run ./cmd/withpg -- go run ./cmd/benchtable [-short] [-out bench-results.txt]
//
// (`make bench`). Each step is a `go test -bench` of one package whose
// benchmarks report their rows through package benchtab; the storage floor
// is pgbench's simple-update on the same PostgreSQL, run by this command.
// The table goes to stdout and to -out; everything else the benchmarks
// print goes to the log next to it (-out with .log), so a figure can be
// traced to the run that made it.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"lianxi/internal/benchtab"
	"lianxi/internal/pgcluster"
)

// step is one `go test` run: the benchmarks matching bench in pkg, each
// run benchtime (a count, "Nx"), in full and in -short mode.
type step struct {
	name      string
	pkg       string
	bench     string
	benchtime string
	short     string
	tags      string
}

var steps = []step{
	{name: "engine floor and tuning", pkg: "./internal/temporal", bench: "^BenchmarkEngine", benchtime: "1x", short: "1x"},
	{name: "task submit", pkg: "./internal/httpapi", bench: "^BenchmarkSubmit$", benchtime: "1x", short: "1x"},
	{name: "science cycle", pkg: "./internal/httpapi", bench: "^BenchmarkScienceCycle$", benchtime: "3x", short: "1x"},
	{name: "reminder sweep", pkg: "./internal/postgres", bench: "^BenchmarkReminderSweepQuery$", benchtime: "5x", short: "2x"},
	{name: "inbox and ledger", pkg: "./internal/httpapi", bench: "^BenchmarkInboxLedger$", benchtime: "1x", short: "1x"},
	{name: "ledger statistics tuning", pkg: "./internal/postgres", bench: "^BenchmarkLedgerStatsTuning$", benchtime: "1x", short: "1x"},
	{name: "public vote", pkg: "./internal/httpapi", bench: "^BenchmarkContestVote$", benchtime: "3000x", short: "600x"},
	{name: "memory and start-up", pkg: "./cmd/lianxi", bench: "^BenchmarkDevProcess$", benchtime: "1x", short: "1x"},
}

func main() {
	short := flag.Bool("short", false, "a quick look: smaller data sets and fewer calls")
	out := flag.String("out", "bench-results.txt", "file the table is written to (the benchmarks' own output goes to the same name with .log)")
	only := flag.String("only", "", "run only the steps whose name contains this")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *short, *out, *only); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, short bool, out, only string) error {
	url := os.Getenv(pgcluster.EnvTestURL)
	if url == "" {
		return fmt.Errorf("%s is not set: run me under cmd/withpg (make bench)", pgcluster.EnvTestURL)
	}
	logName := strings.TrimSuffix(out, ".txt") + ".log"
	logf, err := os.Create(logName)
	if err != nil {
		return err
	}
	defer logf.Close()

	began := time.Now()
	var tab benchtab.Table
	var failed []string
	for _, s := range steps {
		if only != "" && !strings.Contains(s.name, only) {
			continue
		}
		t := time.Now()
		fmt.Printf("== %s (%s)\n", s.name, s.pkg)
		if err := s.run(ctx, short, &tab, logf); err != nil {
			failed = append(failed, s.name)
			fmt.Printf("   failed: %v (see %s)\n", err, logName)
		}
		fmt.Printf("   %s\n", time.Since(t).Round(time.Second))
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if only == "" || strings.Contains("storage floor", only) {
		fmt.Println("== storage floor (pgbench simple-update)")
		if err := pgbench(ctx, url, short, &tab, logf); err != nil {
			failed = append(failed, "pgbench")
			fmt.Printf("   failed: %v\n", err)
		}
	}
	derive(&tab)

	mode := "full"
	if short {
		mode = "-short"
	}
	head := fmt.Sprintf("Lianxi benchmarks, %s, %s mode, %s; every ratio is against the baseline measured in the same run\n\n",
		time.Now().Format("2006-01-02 15:04 MST"), mode, time.Since(began).Round(time.Second))
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, w := range []io.Writer{os.Stdout, f} {
		fmt.Fprint(w, "\n"+head)
		if err := tab.Write(w); err != nil {
			return err
		}
		fmt.Fprintf(w, "\n%d targets missed.\n", tab.Misses())
	}
	fmt.Printf("table written to %s, the benchmarks' output to %s\n", out, logName)
	if len(failed) > 0 {
		return fmt.Errorf("steps failed: %s", strings.Join(failed, ", "))
	}
	return nil
}

func (s step) run(ctx context.Context, short bool, tab *benchtab.Table, log io.Writer) error {
	bt := s.benchtime
	args := []string{"test", "-count=1", "-run", "^$", "-bench", s.bench, "-timeout", "30m"}
	if short {
		bt = s.short
		args = append(args, "-short")
	}
	args = append(args, "-benchtime", bt)
	if s.tags != "" {
		args = append(args, "-tags", s.tags)
	}
	args = append(args, s.pkg)
	fmt.Fprintf(log, "\n== go %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stderr = log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	rows := 0
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if r, ok := benchtab.Parse(line); ok {
			tab.Add(r)
			rows++
		}
		fmt.Fprintln(log, line)
	}
	err = cmd.Wait()
	if err == nil && rows == 0 {
		err = errors.New("no figures reported")
	}
	return err
}

// derive adds the rows computed from two others: task submits per second
// as a fraction of pgbench's transactions per second.
func derive(tab *benchtab.Table) {
	sub, ok1 := tab.Find(benchtab.SectionSubmit, "submit, 16 at once")
	pg, ok2 := tab.Find(benchtab.SectionStorage, "pgbench simple-update, 16 clients")
	if ok1 && ok2 {
		tab.Add(benchtab.Row{Section: benchtab.SectionStorage, Name: "task submits as a fraction of it", Value: sub.Value, Unit: sub.Unit}.
			Against("pgbench", pg.Value, pg.Unit))
	}
}
