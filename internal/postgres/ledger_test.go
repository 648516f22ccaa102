package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
)

// ledgerNow is the instant the ledger tests judge "overdue" at: a Monday
// morning in Xiangtan.
var ledgerNow = time.Date(2026, 5, 11, 10, 0, 0, 0, calendar.Location)

// addTask stores a task straight through the store, without a workflow (the
// start callback does nothing): the ledger reads rows, not workflows.
func addTask(t testing.TB, s *postgres.Store, committee, title, lead string, co []string, due time.Time) int64 {
	t.Helper()
	task := domain.Task{Source: domain.TaskSource{Kind: "adhoc", Committee: committee}, Kind: domain.KindAdHoc, Title: title,
		Lead: lead, Co: co, Form: []domain.FormField{}, DueAt: due, Priority: domain.PriorityNormal, Status: domain.TaskOpen,
		CreatedBy: "office", CreatedAt: due.AddDate(0, 0, -14)}
	id, err := s.CreateTask(context.Background(), task, domain.AuditRecord{Actor: "office", Action: "task.create", Result: domain.AuditOK},
		func(domain.Task) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// moveTask records a transition as the task's workflow would.
func moveTask(t testing.TB, s *postgres.Store, id int64, status domain.TaskStatus, due, submitted time.Time) {
	t.Helper()
	at := ledgerNow.Add(-time.Hour)
	if !submitted.IsZero() {
		at = submitted
	}
	c := domain.TaskChange{Key: fmt.Sprintf("test:%d:%s", id, status), TaskID: id, Status: status, DueAt: due, DueChanged: true, SubmittedAt: submitted, At: at,
		Event: domain.TaskEvent{At: at, Actor: "someone", Kind: string(status)},
		Audit: domain.AuditRecord{Actor: "someone", Action: "task." + string(status), Object: fmt.Sprintf("task:%d", id), Result: domain.AuditOK}}
	if status.Closed() {
		c.ClosedAt = at
	}
	if err := s.RecordTaskChange(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

// ledgerFixture stores tasks of known standing and returns their ids by
// name.
func ledgerFixture(t *testing.T, s *postgres.Store) map[string]int64 {
	day := 24 * time.Hour
	past, future := ledgerNow.Add(-3*day), ledgerNow.Add(3*day)
	ids := map[string]int64{}
	add := func(name, committee, lead string, co []string, due time.Time) int64 {
		ids[name] = addTask(t, s, committee, name, lead, co, due)
		return ids[name]
	}
	// Finance leads six science tasks.
	id := add("accepted on time", "science", "finance", nil, past)
	moveTask(t, s, id, domain.TaskSubmitted, past, past.Add(-day))
	moveTask(t, s, id, domain.TaskAccepted, past, past.Add(-day))
	id = add("accepted late", "science", "finance", []string{"tax"}, past)
	moveTask(t, s, id, domain.TaskSubmitted, past, past.Add(day))
	moveTask(t, s, id, domain.TaskAccepted, past, past.Add(day))
	add("open overdue", "science", "finance", nil, past)
	add("open in time", "science", "finance", nil, future)
	id = add("submitted after due", "science", "finance", nil, past)
	moveTask(t, s, id, domain.TaskSubmitted, past, ledgerNow.Add(-time.Hour))
	id = add("cancelled", "science", "finance", nil, past)
	moveTask(t, s, id, domain.TaskCancelled, past, time.Time{})
	// Tax leads two, one with finance co-handling; one extended and then
	// submitted after the first due time but before the extended one.
	id = add("in progress overdue", "science", "tax", []string{"finance"}, past)
	moveTask(t, s, id, domain.TaskInProgress, past, time.Time{})
	id = add("accepted after extension", "science", "tax", nil, past)
	moveTask(t, s, id, domain.TaskSubmitted, past.Add(5*day), past.Add(day))
	moveTask(t, s, id, domain.TaskAccepted, past.Add(5*day), past.Add(day))
	// Land leads one of the culture committee.
	add("culture overdue", "culture", "land", nil, past)
	return ids
}

func statsByDept(rows []postgres.DepartmentStats) map[string]postgres.DepartmentStats {
	m := map[string]postgres.DepartmentStats{}
	for _, r := range rows {
		m[r.Department] = r
	}
	return m
}

func TestLedgerStatsCountsWhatTheListShows(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	ledgerFixture(t, s)
	all := postgres.Viewer{All: true}
	now := postgres.TaskFilter{Now: ledgerNow}

	rows, err := s.LedgerStats(ctx, now, all)
	if err != nil {
		t.Fatal(err)
	}
	// Departments in the directory's order: finance, land, tax.
	if len(rows) != 3 || rows[0].Department != "finance" || rows[1].Department != "land" || rows[2].Department != "tax" {
		t.Fatalf("rows %+v", rows)
	}
	want := map[string]postgres.DepartmentStats{
		"finance": {Total: 6, Open: 2, Submitted: 1, Accepted: 2, OnTime: 1, Cancelled: 1, Overdue: 1},
		"tax":     {Total: 2, InProgress: 1, Accepted: 1, OnTime: 1, Overdue: 1},
		"land":    {Total: 1, Open: 1, Overdue: 1},
	}
	for _, r := range rows {
		w := want[r.Department]
		got := r
		got.Department, got.NameZH, got.NameEN, got.MergedInto = "", "", "", ""
		if got != w {
			t.Errorf("%s: %+v, want %+v", r.Department, got, w)
		}
	}
	fin := rows[0]
	if fin.NameZH != "市财政局" || fin.Name("en") != "Finance Bureau" || fin.Assigned() != 5 {
		t.Errorf("finance %+v assigned %d", fin, fin.Assigned())
	}
	if rate, ok := fin.OnTimeRate(); !ok || rate != 50 {
		t.Errorf("finance on time %v %v", rate, ok)
	}
	if _, ok := rows[1].OnTimeRate(); ok {
		t.Error("land has done nothing, yet has an on-time rate")
	}

	// What each viewer may see.
	for _, c := range []struct {
		name   string
		viewer postgres.Viewer
		want   map[string]int // department → total
	}{
		{"finance liaison", postgres.Viewer{Departments: []string{"finance"}}, map[string]int{"finance": 6, "tax": 1}},
		{"science office", postgres.Viewer{Committees: []string{"science"}}, map[string]int{"finance": 6, "tax": 2}},
		{"culture office", postgres.Viewer{Committees: []string{"culture"}}, map[string]int{"land": 1}},
		{"nobody", postgres.Viewer{}, map[string]int{}},
	} {
		rows, err := s.LedgerStats(ctx, now, c.viewer)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, r := range rows {
			got[r.Department] = r.Total
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s sees %v, want %v", c.name, got, c.want)
		}
	}

	// Filters, and the statistics always add up to the list beside them.
	for _, f := range []postgres.TaskFilter{
		{},
		{Department: "tax"},
		{Committee: "culture"},
		{Status: domain.TaskAccepted},
		{Overdue: true},
		{Text: "overdue"},
		{DueFrom: ledgerNow},
		{DueTo: ledgerNow},
		{SourceKind: "adhoc"},
		{SourceKind: "meeting"},
	} {
		f.Now = ledgerNow
		for _, v := range []postgres.Viewer{all, {Departments: []string{"finance"}}, {Committees: []string{"science"}}} {
			rows, err := s.LedgerStats(ctx, f, v)
			if err != nil {
				t.Fatal(err)
			}
			var total postgres.DepartmentStats
			for _, r := range rows {
				total.Add(r)
			}
			listed, err := s.ListTasks(ctx, f, v, postgres.TaskCursor{}, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if total.Total != len(listed) {
				t.Errorf("filter %+v viewer %+v: statistics count %d tasks, the list %d", f, v, total.Total, len(listed))
			}
		}
	}
	rows, _ = s.LedgerStats(ctx, postgres.TaskFilter{Now: ledgerNow, Overdue: true}, all)
	if m := statsByDept(rows); m["finance"].Total != 1 || m["tax"].Total != 1 || m["land"].Total != 1 {
		t.Errorf("overdue only: %+v", rows)
	}

	// A renamed department shows under its new name on its old tasks.
	if _, err := s.RenameOrganisation(ctx, domain.Rename{Code: "land", NameZH: "市自然资源和规划局", NameEN: "Natural Resources and Planning Bureau"},
		domain.AuditRecord{Actor: "admin", Action: "organisation.rename", Object: "organisation:land", Result: domain.AuditOK}); err != nil {
		t.Fatal(err)
	}
	rows, _ = s.LedgerStats(ctx, now, all)
	if m := statsByDept(rows); m["land"].NameZH != "市自然资源和规划局" {
		t.Errorf("after the rename: %+v", m["land"])
	}
}

// BenchmarkLedger100k measures the ledger over 100,000 tasks against the
// floor of reading that many rows at all (count(*) over the table), in the
// same run, so the figure to look at is the ratio. Run it with
//
//	go run ./cmd/withpg -- go test -run '^$' -bench Ledger100k ./internal/postgres/
func BenchmarkLedger100k(b *testing.B) {
	ctx := context.Background()
	s := postgres.New(pgtest.NewPool(b))
	if _, err := s.LoadSeed(ctx, seed.Name, seed.Organisations(), seed.Committees()); err != nil {
		b.Fatal(err)
	}
	var depts []string
	for _, o := range seed.Organisations() {
		if o.Kind == domain.OrgDepartment {
			depts = append(depts, o.Code)
		}
	}
	pool := s.Pool()
	// 100,000 tasks over four committees and every department, due across
	// about a year and a half around now, in every status; a third have a
	// co-handling department.
	for _, q := range []string{
		`INSERT INTO tasks (source_kind, committee_code, kind, title, lead_org, due_at, status, submitted_at, created_by)
		 SELECT 'adhoc', (ARRAY['science','culture','management','product'])[1 + i % 4], 'adhoc', '任务 ' || i,
		        ($1::text[])[1 + (i * 11) % cardinality($1::text[])],
		        now() - interval '300 days' + (i % 500) * interval '1 day',
		        (ARRAY['open','in_progress','submitted','accepted','cancelled'])[1 + (i * 13) % 5],
		        now() - interval '300 days' + (i % 500) * interval '1 day' + ((i % 7) - 3) * interval '1 day', 'bench'
		 FROM generate_series(1, 100000) i`,
		`INSERT INTO task_departments (task_id, org_code, role, due_at) SELECT id, lead_org, 'lead', due_at FROM tasks`,
		`INSERT INTO task_departments (task_id, org_code, role, due_at)
		 SELECT id, ($1::text[])[1 + (id * 13) % cardinality($1::text[])], 'co', due_at FROM tasks
		 WHERE id % 3 = 0 AND lead_org <> ($1::text[])[1 + (id * 13) % cardinality($1::text[])]`,
		`ANALYZE tasks`, `ANALYZE task_departments`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{depts}
		}
		if _, err := pool.Exec(ctx, q, args...); err != nil {
			b.Fatal(err)
		}
	}
	now := postgres.TaskFilter{Now: time.Now()}
	viewers := map[string]postgres.Viewer{
		"admin":      {All: true},
		"office":     {Committees: []string{"science"}},
		"department": {Departments: []string{"finance"}},
	}
	b.Run("floor-count", func(b *testing.B) {
		for b.Loop() {
			var n int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM tasks`).Scan(&n); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, name := range []string{"admin", "office", "department"} {
		b.Run("stats-"+name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.LedgerStats(ctx, now, viewers[name]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("stats-department-filter", func(b *testing.B) {
		f := now
		f.Department = "tax"
		for b.Loop() {
			if _, err := s.LedgerStats(ctx, f, viewers["admin"]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stats-overdue-office", func(b *testing.B) {
		f := now
		f.Overdue = true
		for b.Loop() {
			if _, err := s.LedgerStats(ctx, f, viewers["office"]); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, name := range []string{"office", "department"} {
		b.Run("first-page-"+name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.ListTasks(ctx, now, viewers[name], postgres.TaskCursor{}, 50); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestLedgerStatsAtOnce: many readers at once, for three different views,
// each get the statistics of their own view, the same as one reader alone
// gets: readers of one view share a computation, never another view's.
func TestLedgerStatsAtOnce(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	ledgerFixture(t, s)
	now := postgres.TaskFilter{Now: ledgerNow}
	views := []struct {
		f postgres.TaskFilter
		v postgres.Viewer
	}{
		{now, postgres.Viewer{All: true}},
		{now, postgres.Viewer{Committees: []string{}, Departments: []string{"tax"}}},
		{postgres.TaskFilter{Now: ledgerNow, Overdue: true}, postgres.Viewer{All: true}},
	}
	alone := make([][]postgres.DepartmentStats, len(views))
	for i, w := range views {
		var err error
		if alone[i], err = s.LedgerStats(ctx, w.f, w.v); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(alone[0]) == fmt.Sprint(alone[1]) || fmt.Sprint(alone[0]) == fmt.Sprint(alone[2]) {
		t.Fatalf("the views should differ: %v / %v / %v", alone[0], alone[1], alone[2])
	}
	errs := make(chan error, 60)
	for n := range 60 {
		go func() {
			w := views[n%len(views)]
			got, err := s.LedgerStats(ctx, w.f, w.v)
			if err == nil && fmt.Sprint(got) != fmt.Sprint(alone[n%len(views)]) {
				err = fmt.Errorf("view %d at once: %v, alone %v", n%len(views), got, alone[n%len(views)])
			}
			errs <- err
		}()
	}
	for range 60 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
