package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"lianxi/internal/calendar"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
)

// benchNow is the instant the benchmarks run at: a Monday morning in
// Xiangtan, in a year the holiday library knows, so that the working-day
// arithmetic of the reminder windows is the same on every run.
var benchNow = time.Date(2026, 5, 11, 10, 0, 0, 0, calendar.Location)

// benchTaskCount is the ledger size the benchmarks measure at.
const benchTaskCount = 100_000

// benchStore returns a store on a fresh database holding the seed's
// directory (organisations and committees) and no tasks, with a pool
// configured as the application's by default. With LIANXI_BENCH_EXPLAIN
// set, the pool also remembers the last call of each sqlc query (see
// explainQuery); otherwise the log is nil and nothing is traced.
func benchStore(b testing.TB) (*postgres.Store, *queryLog) {
	b.Helper()
	cfg, err := pgxpool.ParseConfig(pgtest.NewDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	var log *queryLog
	if os.Getenv("LIANXI_BENCH_EXPLAIN") != "" {
		log = &queryLog{last: map[string]loggedQuery{}}
		cfg.ConnConfig.Tracer = log
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close) // before NewDatabase's cleanup drops the database
	s := postgres.New(pool)
	if _, err := s.LoadSeed(context.Background(), seed.Name, seed.Organisations(), seed.Committees()); err != nil {
		b.Fatal(err)
	}
	return s, log
}

// queryLog is a pgx tracer remembering the SQL and arguments of the last
// call of each sqlc query, by name, so that a benchmark can explain exactly
// the statement it measured.
type queryLog struct {
	mu   sync.Mutex
	last map[string]loggedQuery
}

type loggedQuery struct {
	sql  string
	args []any
}

func (l *queryLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if rest, ok := strings.CutPrefix(d.SQL, "-- name: "); ok {
		name, _, _ := strings.Cut(rest, " ")
		l.mu.Lock()
		l.last[name] = loggedQuery{sql: d.SQL, args: d.Args}
		l.mu.Unlock()
	}
	return ctx
}

// forget clears the log (nil: does nothing), so that what is explained next
// was called after.
func (l *queryLog) forget() {
	if l != nil {
		l.mu.Lock()
		clear(l.last)
		l.mu.Unlock()
	}
}

func (l *queryLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// explainQuery prints the plans, with actual times and buffers, of the
// last call of the sqlc query name (when log is nil, nothing), or of sql
// with args when name is empty. It runs the statement six times on a
// connection of its own, as the pool's connections do, which cache it: the
// first execution shows the plan made for the arguments (a custom plan),
// the sixth the one PostgreSQL keeps from then on, a generic plan (with $n
// in its conditions) when one looked no more costly. The plans come from
// auto_explain, so the server must let the connection load it.
func explainQuery(b testing.TB, s *postgres.Store, log *queryLog, name, sql string, args ...any) {
	b.Helper()
	if log == nil {
		return
	}
	ctx := context.Background()
	if name != "" {
		log.mu.Lock()
		q, ok := log.last[name]
		log.mu.Unlock()
		if !ok {
			b.Logf("explain: %s was not called", name)
			return
		}
		sql, args = q.sql, q.args
	}
	label := name
	if label == "" {
		label = strings.Join(strings.Fields(sql), " ")
	}
	cfg := s.Pool().Config().ConnConfig.Copy()
	cfg.Tracer = nil
	var plans []string
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		if strings.HasPrefix(n.Message, "duration:") {
			plans = append(plans, strings.Replace(n.Message, "Query Text: "+sql+"\n", "", 1))
		}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, set := range []string{"LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0", "SET auto_explain.log_analyze = on",
		"SET auto_explain.log_buffers = on", "SET auto_explain.log_level = notice"} {
		if _, err := conn.Exec(ctx, set); err != nil {
			b.Logf("explain: %s: %v", set, err)
			return
		}
	}
	for range 6 {
		rows, err := conn.Query(ctx, sql, args...)
		if err != nil {
			b.Fatal(err)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
	}
	if len(plans) != 6 {
		b.Logf("explain: %d plans of %s, want 6", len(plans), label)
		return
	}
	// On stdout: it was asked for, and a parent benchmark's log shows only
	// with -v.
	fmt.Printf("%s: %s\n--- first execution: %s\n--- sixth execution: %s\n\n", b.Name(), label, plans[0], plans[5])
}

// seedBenchTasks inserts n open tasks (pgtest.SeedTasks).
func seedBenchTasks(b testing.TB, s *postgres.Store, n int, now time.Time) {
	b.Helper()
	pgtest.SeedTasks(b, s.Pool(), n, now)
}
