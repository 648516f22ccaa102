package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/benchtab"
	"lianxi/internal/domain"
	"lianxi/internal/pgtest"
	"lianxi/internal/temporal/devtest"
)

// pageBaseline is the floor the pages are compared with: one page of a
// department's tasks, ids and due times only, by a plain indexed SELECT.
const pageBaseline = `SELECT t.id, t.due_at FROM tasks t JOIN task_departments d ON d.task_id = t.id
	WHERE d.org_code = $1 ORDER BY t.due_at, t.id LIMIT 50`

// BenchmarkInboxLedger measures, at 100,000 tasks and 16 clients at once
// (fewer calls with -short), each signed in as a person of their own: the inbox
// of 16 departments' liaisons (GET /api/v1/tasks, the first page of 50),
// the ledger's statistics for the four committee offices (GET
// /api/v1/ledger) and the office's first ledger page (GET /api/v1/tasks).
// Each is compared with a page of the same size read by a plain indexed
// SELECT through pgx from as many clients. Target: p99 under 100 ms.
func BenchmarkInboxLedger(b *testing.B) {
	tasks, calls := 100_000, 1600
	if testing.Short() {
		calls = 320
	}
	ctx := context.Background()
	e := newEnvWith(b, devtest.Start(b))
	pgtest.SeedTasks(b, e.store.Pool(), tasks, time.Now())

	c, err := e.store.GetCommittee(ctx, "science")
	if err != nil {
		b.Fatal(err)
	}
	var liaisons []*http.Client
	var depts []string
	for _, m := range c.Members[:16] {
		name := "inbox-" + m.Code
		if _, err := e.auth.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: m.NameZH, Password: password,
			Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: m.Code}}}, auth.Meta{}); err != nil {
			b.Fatal(err)
		}
		liaisons = append(liaisons, e.client(name))
		depts = append(depts, m.Code)
	}
	var offices []*http.Client
	for _, committee := range pgtest.TaskCommittees {
		name := "ledger-" + committee
		if _, err := e.auth.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: committee, Password: password,
			Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: committee}}}, auth.Meta{}); err != nil {
			b.Fatal(err)
		}
		offices = append(offices, e.client(name))
	}

	get := func(clients []*http.Client, path string) func(k, i int) error {
		return func(k, _ int) error {
			resp, err := clients[k%len(clients)].Get(e.srv.URL + path)
			if err != nil {
				return err
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && (resp.StatusCode != http.StatusOK || n < 100) {
				err = fmt.Errorf("GET %s: %d, %d bytes", path, resp.StatusCode, n)
			}
			return err
		}
	}
	pool := e.store.Pool()
	baseline := func(k, _ int) error {
		rows, err := pool.Query(ctx, pageBaseline, depts[k])
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n != 50 {
			return fmt.Errorf("baseline page of %d rows", n)
		}
		return nil
	}
	run := func(op func(k, i int) error) benchtab.Result {
		if _, err := benchtab.Load(16, 16, op); err != nil { // warm: every client's connection open
			b.Fatal(err)
		}
		r, err := benchtab.Load(16, calls, op)
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	for b.Loop() {
		for _, p := range []struct {
			name string
			op   func(k, i int) error
		}{
			{"inbox, 16 departments' liaisons", get(liaisons, "/api/v1/tasks?limit=50")},
			{"ledger statistics, 4 offices", get(offices, "/api/v1/ledger")},
			{"ledger first page, 4 offices", get(offices, "/api/v1/tasks?limit=50")},
		} {
			base := run(baseline)
			r := run(p.op)
			benchtab.Emit(benchtab.Row{Section: benchtab.SectionPages, Name: p.name + ", p99", Value: r.P(99), Unit: "ms",
				Note: fmt.Sprintf("p50 %.1f ms, %.0f req/s; %d tasks", r.P(50), r.Rate(), tasks)}.
				Against("plain indexed SELECT of a page, p99", base.P(99), "").Below(100))
		}
	}
}
