package postgres_test

// Benchmarks of the storage queries that grow with the ledger, at 100,000
// tasks. They print figures and never assert timings; each compares itself
// with a baseline measured in the same run, since this machine is shared
// and noisy (see the design notes on performance). Run with
//
//	go run ./cmd/withpg -- go test -run XXX -bench . -benchtime 20x ./internal/postgres/
//
// A time-based -benchtime (say 5s) gives the page benchmarks more requests
// and so a steadier p99; with 20x each sub-benchmark makes 20 requests and
// p99 is their maximum. With LIANXI_BENCH_EXPLAIN=1 in the environment each
// benchmark also prints the plans of the queries it measured, with actual
// times and buffers (see explainQuery).

import (
	"context"
	"errors"
	"fmt"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"lianxi/internal/benchtab"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/postgres/sqlcgen"
	"lianxi/internal/reminder"
)

// baselineSelect reads the rows the sweep reads, with nothing more than an
// index on them needs: the floor the sweep is compared with.
const baselineSelect = "SELECT id, due_at FROM tasks WHERE status IN ('open', 'in_progress') AND due_at < $1"

// sweepSelect is the sweep's query (ListRemindable); sweepOrderedSelect is
// the same as it was before it dropped its ORDER BY, which sorted 75,000
// rows on disk.
const (
	sweepSelect        = "SELECT id, committee_code, due_at FROM tasks WHERE status IN ('open', 'in_progress') AND due_at < $1"
	sweepOrderedSelect = sweepSelect + " ORDER BY due_at, id"
)

// BenchmarkReminderSweepQuery measures the query part of a reminder sweep
// over 100,000 open tasks — Store.PlanReminders reading every open task due
// before the horizon in its transaction, and reminder.Decide with the real
// calendar over them, whose decisions are counted but not stored — against
// the floor of a plain indexed SELECT of the same rows' ids and due times.
// sweep-read is the sweep without deciding, to tell the two costs apart.
// The ratio sweep/baseline (target at most 3) is the sweep's x-baseline
// metric, and a summary line on stdout gives it too.
func BenchmarkReminderSweepQuery(b *testing.B) {
	ctx := context.Background()
	s, qlog := benchStore(b)
	seedBenchTasks(b, s, benchTaskCount, benchNow)
	cal, err := s.Calendar(ctx)
	if err != nil {
		b.Fatal(err)
	}
	ladders := func(string) reminder.Ladder { return reminder.DefaultLadder() }
	horizon := reminder.Horizon(benchNow)

	var baselineMS, sweepMS, readMS float64
	var baselineRows int
	b.Run("baseline-select", func(b *testing.B) {
		type row struct {
			id  int64
			due time.Time
		}
		var rows []row
		n := 0
		for b.Loop() {
			rs, err := s.Pool().Query(ctx, baselineSelect, horizon)
			if err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
			for rs.Next() {
				var r row
				if err := rs.Scan(&r.id, &r.due); err != nil {
					b.Fatal(err)
				}
				rows = append(rows, r)
			}
			if err := rs.Err(); err != nil {
				b.Fatal(err)
			}
			n++
		}
		baselineRows = len(rows)
		baselineMS = reportMS(b, n)
		b.ReportMetric(float64(baselineRows), "rows")
	})

	b.Run("sweep", func(b *testing.B) {
		var read int
		var last []reminder.Decision
		decide := func(due []reminder.Due) []reminder.Decision {
			read = len(due)
			last = reminder.Decide(cal, ladders, benchNow, due)
			return nil // counted afterwards, not stored: the outbox is not what is measured
		}
		n := 0
		for b.Loop() {
			if _, err := s.PlanReminders(ctx, benchNow, decide, 5000); err != nil {
				b.Fatal(err)
			}
			n++
		}
		sweepMS = reportMS(b, n)
		perRule := map[string]int{}
		for _, d := range last {
			perRule[d.Rule]++
		}
		b.ReportMetric(float64(read), "rows")
		b.ReportMetric(float64(len(last)), "decisions")
		if baselineMS > 0 {
			b.ReportMetric(sweepMS/baselineMS, "x-baseline")
			if read != baselineRows {
				b.Errorf("the sweep read %d tasks, the baseline %d", read, baselineRows)
			}
		}
		b.Logf("%d open tasks due before the horizon; decisions by rule: %v", read, perRule)
	})

	b.Run("sweep-read", func(b *testing.B) {
		n := 0
		for b.Loop() {
			if _, err := s.PlanReminders(ctx, benchNow, func([]reminder.Due) []reminder.Decision { return nil }, 5000); err != nil {
				b.Fatal(err)
			}
			n++
		}
		readMS = reportMS(b, n)
		if baselineMS > 0 {
			b.ReportMetric(readMS/baselineMS, "x-baseline")
		}
	})

	var orderedMS, unorderedMS float64
	b.Run("sweep-query-order", func(b *testing.B) {
		// The sweep's query as it is and as it was (the same rows in due
		// order), one after the other so both see the same machine.
		var took [2]time.Duration
		n := 0
		for b.Loop() {
			for i, q := range []string{sweepOrderedSelect, sweepSelect} {
				began := time.Now()
				rs, err := s.Pool().Query(ctx, q, horizon)
				if err != nil {
					b.Fatal(err)
				}
				for rs.Next() {
				}
				if err := rs.Err(); err != nil {
					b.Fatal(err)
				}
				took[i] += time.Since(began)
			}
			n++
		}
		orderedMS, unorderedMS = durMS(took[0])/float64(n), durMS(took[1])/float64(n)
	})
	if orderedMS > 0 {
		benchtab.Emit(benchtab.Row{Section: benchtab.SectionTuning, Name: "reminder sweep's query in no order (was: by due time)", Value: unorderedMS, Unit: "ms",
			Note: "75,000 of 100,000 open tasks' rows; lower is better"}.Against("before", orderedMS, ""))
	}

	explainQuery(b, s, qlog, "", baselineSelect, horizon)
	explainQuery(b, s, qlog, "ListRemindable", "")
	if baselineMS > 0 && sweepMS > 0 {
		benchtab.Emit(benchtab.Row{Section: benchtab.SectionSweep, Name: "sweep: read and decide", Value: sweepMS, Unit: "ms",
			Note: fmt.Sprintf("%d tasks due before the horizon", baselineRows)}.Against("plain SELECT of the same rows", baselineMS, "").RatioAtMost(3))
		benchtab.Emit(benchtab.Row{Section: benchtab.SectionSweep, Name: "sweep: reading only", Value: readMS, Unit: "ms"}.
			Against("plain SELECT of the same rows", baselineMS, ""))
		// On stdout: a parent benchmark's log shows only with -v.
		fmt.Printf("%s: sweep %.1f ms (reading %.1f ms), baseline select %.1f ms: ratio sweep/baseline %.2f (target ≤ 3), read/baseline %.2f\n",
			b.Name(), sweepMS, readMS, baselineMS, sweepMS/baselineMS, readMS/baselineMS)
	}
}

// BenchmarkTaskListPage measures a page of 50 tasks of the inbox and ledger
// (Store.ListTasks) at 100,000 tasks, for a committee office's viewer and a
// department's, on the first page and on a deep one reached by the keyset
// cursor, and the ledger's per-department statistics (Store.LedgerStats)
// for the same viewers, each with 16 clients at once. Every request's
// latency is recorded and p50, p99 and the maximum are reported (target:
// p99 under 100 ms); ns/op is wall time over requests, so its inverse is
// the throughput.
func BenchmarkTaskListPage(b *testing.B) {
	s, qlog := benchStore(b)
	seedBenchTasks(b, s, benchTaskCount, benchNow)
	b.Logf("pool of %d connections (the application's default)", s.Pool().Config().MaxConns)

	const clients, pageSize = 16, 50
	f := postgres.TaskFilter{Now: benchNow}
	office := postgres.Viewer{Committees: []string{"science"}, Departments: []string{}}
	dept := postgres.Viewer{Committees: []string{}, Departments: []string{"finance"}}
	officeDeep := deepCursor(b, s, "SELECT due_at, id FROM tasks WHERE committee_code = $1 ORDER BY due_at, id", "science")
	deptDeep := deepCursor(b, s, `SELECT t.due_at, t.id FROM tasks t
		WHERE EXISTS (SELECT 1 FROM task_departments d WHERE d.task_id = t.id AND d.org_code = $1) ORDER BY t.due_at, t.id`, "finance")

	page := func(v postgres.Viewer, after postgres.TaskCursor) func(context.Context) error {
		return func(ctx context.Context) error {
			ts, err := s.ListTasks(ctx, f, v, after, pageSize)
			if err == nil && len(ts) != pageSize {
				err = fmt.Errorf("a page of %d tasks, want %d", len(ts), pageSize)
			}
			return err
		}
	}
	stats := func(v postgres.Viewer) func(context.Context) error {
		return func(ctx context.Context) error {
			ds, err := s.LedgerStats(ctx, f, v)
			if err == nil && len(ds) == 0 {
				err = errors.New("no statistics")
			}
			return err
		}
	}
	for _, c := range []struct {
		name    string
		op      func(context.Context) error
		queries []string // the sqlc queries op runs, for LIANXI_BENCH_EXPLAIN
	}{
		{"office-first", page(office, postgres.TaskCursor{}), []string{"ListTasks", "ListTaskDepartments"}},
		{"office-deep", page(office, officeDeep), []string{"ListTasks"}},
		{"department-first", page(dept, postgres.TaskCursor{}), []string{"ListTasks", "ListTaskDepartments"}},
		{"department-deep", page(dept, deptDeep), []string{"ListTasks"}},
		{"stats-office", stats(office), []string{"LedgerStats"}},
		{"stats-department", stats(dept), []string{"LedgerStats"}},
	} {
		qlog.forget()
		if b.Run(c.name, func(b *testing.B) { parallelLatency(b, clients, c.op) }) {
			for _, q := range c.queries {
				explainQuery(b, s, qlog, q, "")
			}
		}
	}
}

// deepCursor returns the keyset cursor four fifths of the way down a
// viewer's list, which query (ordered by due_at, id, with the viewer's
// committee or department as $1) selects.
func deepCursor(b *testing.B, s *postgres.Store, query, arg string) postgres.TaskCursor {
	b.Helper()
	var c postgres.TaskCursor
	err := s.Pool().QueryRow(context.Background(), query+" OFFSET (SELECT count(*) * 4 / 5 FROM ("+query+") c) LIMIT 1",
		arg).Scan(&c.DueAt, &c.ID)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// parallelLatency runs op from clients goroutines at once, b.N times in
// all, and reports the latency percentiles of the calls. One call per
// client before the timer starts opens the pool's connections and prepares
// the statements, as a running server would have.
func parallelLatency(b *testing.B, clients int, op func(context.Context) error) {
	ctx := context.Background()
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((clients + procs - 1) / procs)
	var warm sync.WaitGroup
	for range clients {
		warm.Go(func() {
			if err := op(ctx); err != nil {
				b.Error(err)
			}
		})
	}
	warm.Wait()
	if b.Failed() {
		b.FailNow()
	}

	var mu sync.Mutex
	all := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			began := time.Now()
			if err := op(ctx); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(began))
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(durMS(nearestRank(all, 50)), "p50-ms")
	b.ReportMetric(durMS(nearestRank(all, 99)), "p99-ms")
	b.ReportMetric(durMS(all[len(all)-1]), "max-ms")
	b.ReportMetric(float64((clients+procs-1)/procs*procs), "clients")
}

// nearestRank returns the nearest-rank p-th percentile of sorted durations.
func nearestRank(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i, 1)-1]
}

func durMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// reportMS reports and returns the mean time of the n iterations of a
// b.Loop benchmark in milliseconds.
func reportMS(b *testing.B, n int) float64 {
	if n == 0 {
		return 0
	}
	v := durMS(b.Elapsed()) / float64(n)
	b.ReportMetric(v, "ms/op")
	return v
}

// BenchmarkLedgerStatsTuning compares the ledger's statistics as the store
// computes them now — readers of the same view at the same moment sharing
// one computation, each with a plan made for its parameters — with how
// they were computed before: every reader its own query, on the generic
// plan PostgreSQL settles on after five runs. 16 clients read the four
// committee offices' statistics at 100,000 tasks; the figure is p99.
func BenchmarkLedgerStatsTuning(b *testing.B) {
	s, _ := benchStore(b)
	seedBenchTasks(b, s, benchTaskCount, benchNow)
	f := postgres.TaskFilter{Now: benchNow}
	offices := make([]postgres.Viewer, len(pgtest.TaskCommittees))
	for i, c := range pgtest.TaskCommittees {
		offices[i] = postgres.Viewer{Committees: []string{c}, Departments: []string{}}
	}
	calls := 800
	if testing.Short() {
		calls = 200
	}
	before := func(ctx context.Context, v postgres.Viewer) error {
		return pgx.BeginTxFunc(ctx, s.Pool(), pgx.TxOptions{}, func(tx pgx.Tx) error {
			q := sqlcgen.New(tx)
			if err := q.SerialPlans(ctx); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "SET LOCAL plan_cache_mode = force_generic_plan"); err != nil {
				return err
			}
			rows, err := q.LedgerStats(ctx, sqlcgen.LedgerStatsParams{Now: pgtype.Timestamptz{Time: f.Now, Valid: true}, Committees: v.Committees, Departments: v.Departments})
			if err == nil && len(rows) == 0 {
				err = errors.New("no statistics")
			}
			return err
		})
	}
	after := func(ctx context.Context, v postgres.Viewer) error {
		ds, err := s.LedgerStats(ctx, f, v)
		if err == nil && len(ds) == 0 {
			err = errors.New("no statistics")
		}
		return err
	}
	run := func(op func(context.Context, postgres.Viewer) error) benchtab.Result {
		r, err := benchtab.Load(16, calls, func(k, _ int) error { return op(context.Background(), offices[k%len(offices)]) })
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	for b.Loop() {
		run(before) // warm: plans cached, pages read
		old := run(before)
		now := run(after)
		benchtab.Emit(benchtab.Row{Section: benchtab.SectionTuning, Name: "ledger statistics shared and planned per view (was: each reader, generic plan)",
			Value: now.P(99), Unit: "ms", Note: fmt.Sprintf("p99, 16 clients, 4 offices, 100,000 tasks; %.0f against %.0f req/s", now.Rate(), old.Rate())}.
			Against("before", old.P(99), ""))
	}
}
