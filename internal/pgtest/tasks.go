package pgtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"lianxi/internal/seed"
)

// TaskCommittees are the four joint meetings SeedTasks spreads tasks over.
var TaskCommittees = []string{"science", "culture", "management", "product"}

// SeedTasks inserts n open tasks with COPY into a database holding the
// seed's directory, the way a ledger looks after a few years of use:
// spread evenly over the four committees, led by the science meeting's 29
// member departments (30 % with one co-handling department, 10 % with
// two), due from 60 days before now to 60 days after it, a fifth of them in
// progress. Generated from a fixed seed, so every run measures the same
// rows. The tables are vacuumed and analysed afterwards, as autovacuum would
// have done long before a sweep or a page meets such a table. The task ids
// are 1…n; the database must have no tasks yet.
func SeedTasks(tb testing.TB, pool *pgxpool.Pool, n int, now time.Time) {
	tb.Helper()
	ctx := context.Background()
	var depts []string
	for _, c := range seed.Committees() {
		if c.Code == "science" {
			for _, m := range c.Members {
				depts = append(depts, m.Code)
			}
		}
	}
	if len(depts) != 29 {
		tb.Fatalf("science meeting has %d members, want 29", len(depts))
	}

	rng := rand.New(rand.NewPCG(1, 2))
	const span = 120 * 24 * time.Hour
	start := now.Add(-span / 2)
	tasks := make([][]any, n)
	var links [][]any
	for i := range n {
		id := int64(i + 1)
		committee := TaskCommittees[i%len(TaskCommittees)]
		due := start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Minute)
		status := "open"
		if rng.IntN(5) == 0 {
			status = "in_progress"
		}
		lead := depts[rng.IntN(len(depts))]
		tasks[i] = []any{id, "adhoc", "", committee, "adhoc", fmt.Sprintf("督办事项 %d：落实联席会议议定事项", id),
			"请牵头部门会同协办部门按期办结并报送办理情况。", lead, due, "normal", status, "office", due.AddDate(0, 0, -30), due.AddDate(0, 0, -30)}
		links = append(links, []any{id, lead, "lead", due})
		co := 0
		switch r := rng.IntN(10); {
		case r == 0:
			co = 2
		case r <= 3:
			co = 1
		}
		used := map[string]bool{lead: true}
		for len(used) < co+1 {
			d := depts[rng.IntN(len(depts))]
			if !used[d] {
				used[d] = true
				links = append(links, []any{id, d, "co", due})
			}
		}
	}

	began := time.Now()
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"tasks"}, []string{"id", "source_kind", "source_id", "committee_code", "kind", "title",
			"body", "lead_org", "due_at", "priority", "status", "created_by", "created_at", "updated_at"}, pgx.CopyFromRows(tasks)); err != nil {
			return fmt.Errorf("copying tasks: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"task_departments"}, []string{"task_id", "org_code", "role", "due_at"}, pgx.CopyFromRows(links)); err != nil {
			return fmt.Errorf("copying task departments: %w", err)
		}
		_, err := tx.Exec(ctx, "SELECT setval('tasks_id_seq', $1)", int64(n))
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "VACUUM (ANALYZE) tasks, task_departments"); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("seeded %d tasks and %d task departments in %v", n, len(links), time.Since(began).Round(time.Millisecond))
}
