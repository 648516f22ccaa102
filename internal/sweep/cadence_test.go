package sweep_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"lianxi/activities"
	"lianxi/internal/auth"
	"lianxi/internal/cadence"
	"lianxi/internal/domain"
	"lianxi/internal/meetings"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
	"lianxi/internal/sweep"
	"lianxi/internal/tasks"
	"lianxi/internal/temporal/devtest"
	"lianxi/workflows"
)

// cadenceFixture runs the cadence, the meeting cycles it starts and their
// tasks on the embedded Temporal server over a fresh database.
type cadenceFixture struct {
	store *postgres.Store
	tc    client.Client
}

func setupCadence(t *testing.T) *cadenceFixture {
	t.Helper()
	ctx := context.Background()
	store := postgres.New(pgtest.NewPool(t))
	if _, err := store.LoadSeed(ctx, seed.Name, seed.Organisations(), seed.Committees()); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(store, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []domain.NewUser{
		{Username: "mgmt.office", DisplayName: "改革办", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "management"}}},
		{Username: "mgmt.office2", DisplayName: "改革办二", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "management"}}},
		{Username: "sci.office", DisplayName: "科技办", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "science"}}},
	} {
		u.Password = "Lotus-city-2026"
		if _, err := svc.CreateUser(ctx, auth.System, u, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	tc := devtest.Start(t)
	taskSvc := tasks.New(store, tc, nil)
	w := worker.New(tc, workflows.TaskQueue, worker.Options{})
	w.RegisterWorkflow(workflows.Task)
	w.RegisterWorkflow(workflows.MeetingCycle)
	w.RegisterWorkflow(workflows.Cadence)
	w.RegisterActivity(&activities.Activities{Tasks: store, Now: time.Now})
	w.RegisterActivity(&activities.Processes{Store: store, StartTask: taskSvc.StartWorkflow, Now: time.Now})
	w.RegisterActivity(&activities.Cadence{Store: store, StartCycle: meetings.New(store, tc, taskSvc, nil).StartByCadence, Now: time.Now})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return &cadenceFixture{store: store, tc: tc}
}

// tickAt makes two schedulers, as two replicas would, tick the cadence at
// the same moment, then waits for the day's run.
func (f *cadenceFixture) tickAt(t *testing.T, at time.Time) workflows.CadenceResult {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var wg sync.WaitGroup
	for range 2 {
		s, err := sweep.New(f.tc, log, sweep.Options{})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); s.Cadence(context.Background(), at) }()
	}
	wg.Wait()
	var res workflows.CadenceResult
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := f.tc.GetWorkflow(ctx, workflows.CadenceID(at), "").Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *cadenceFixture) notifications(t *testing.T, username string) []domain.Notification {
	t.Helper()
	u, _, err := f.store.GetUserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	ns, _, err := f.store.Notifications(context.Background(), u.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestCadenceStartsDueCyclesOnceAndWarnsTheOfficeOnce(t *testing.T) {
	f := setupCadence(t)
	ctx := context.Background()
	// Management meets as needed, at least once a year; culture's second
	// half was started before the run.
	if err := f.store.SetCadence(ctx, "management", cadence.Settings{Cadence: domain.CadenceAsNeeded, MinPerYear: 1, AgendaLeadDays: 20},
		domain.AuditRecord{Actor: "mgmt.office", Action: "cadence.set", Result: domain.AuditOK}); err != nil {
		t.Fatal(err)
	}
	if ok, err := meetings.New(f.store, f.tc, tasks.New(f.store, f.tc, nil), nil).StartByCadence(ctx, "culture",
		domain.NewCycle{Period: "2026H2", PlannedMonth: "2026-12"}); err != nil || !ok {
		t.Fatal(ok, err)
	}

	// Friday 27 November 2026, 08:30: the second half's agenda call opened
	// on 3 November (20 working days before 1 December), and the
	// management warning on 6 November.
	res := f.tickAt(t, day(2026, 11, 27, 8).Add(30*time.Minute))
	if !slices.Equal(res.Started, []string{"science:2026H2"}) || len(res.AlreadyStarted) != 0 || !slices.Equal(res.Warned, []string{"management"}) {
		t.Fatalf("run %+v", res)
	}
	c, err := f.store.GetCycle(ctx, domain.CycleID("science", "2026H2"))
	if err != nil {
		t.Fatal(err)
	}
	if c.StartedBy != workflows.SystemActor || c.PlannedMonth != "2026-12" || len(c.Submissions) != 29 {
		t.Fatalf("science cycle %+v", c)
	}
	if _, err := f.tc.DescribeWorkflowExecution(ctx, c.ID, ""); err != nil {
		t.Fatalf("no workflow for %s: %v", c.ID, err)
	}
	// Product (as needed) has no cycle; management was only warned.
	for _, id := range []string{domain.CycleID("product", "2026H2"), domain.CycleID("management", "2026H2"), domain.CycleID("science", "2026H1")} {
		if _, err := f.store.GetCycle(ctx, id); domain.KindOf(err) != domain.KindNotFound {
			t.Errorf("%s: %v", id, err)
		}
	}
	for _, u := range []string{"mgmt.office", "mgmt.office2"} {
		ns := f.notifications(t, u)
		if len(ns) != 1 || ns[0].Subject != "【会议提醒】市管理创新工作联席会议 2026 年会议次数尚未达到要求" || ns[0].Link != "/committees/management" {
			t.Fatalf("%s: %+v", u, ns)
		}
	}
	if ns := f.notifications(t, "sci.office"); slices.ContainsFunc(ns, func(n domain.Notification) bool { return n.Link == "/committees/science" }) {
		t.Fatalf("science warned: %+v", ns)
	}

	// The same day again (a restart): the run is not repeated. The next
	// day: nothing new starts, and the office is not told twice.
	if again := f.tickAt(t, day(2026, 11, 27, 20)); !slices.Equal(again.Started, res.Started) {
		t.Fatalf("second run of the day: %+v", again)
	}
	next := f.tickAt(t, day(2026, 11, 28, 8).Add(30*time.Minute))
	if len(next.Started)+len(next.AlreadyStarted) != 0 || !slices.Equal(next.Warned, []string{"management"}) {
		t.Fatalf("next day %+v", next)
	}
	if ns := f.notifications(t, "mgmt.office"); len(ns) != 1 {
		t.Fatalf("warned %d times", len(ns))
	}
}
