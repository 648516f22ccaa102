package workflows_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"lianxi/activities"
	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/httpapi"
	"lianxi/internal/meetings"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/scenario"
	"lianxi/internal/seed"
	"lianxi/internal/tasks"
	"lianxi/internal/temporal/devtest"
	"lianxi/workflows"
)

// TestReplayRecordedHistories replays every history in testdata with the
// workflows as they are now. A change that running cycles and tasks could
// not pick up (a command added, removed or reordered; an update or signal
// handled differently) fails here: make it deterministic (e.g. with
// workflow.GetVersion), or, while nothing runs in production yet,
// record the histories again (see TestRecordHistories).
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories in testdata (%v): record them with TestRecordHistories", err)
	}
	logger := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflow(workflows.MeetingCycle)
			r.RegisterWorkflow(workflows.Task)
			r.RegisterWorkflow(workflows.Selection)
			r.RegisterWorkflow(workflows.Contest)
			r.RegisterWorkflow(workflows.Consultation)
			if err := r.ReplayWorkflowHistoryFromJSONFile(logger, f); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// recordPassword is every recorded person's password.
const recordPassword = "Replay-lotus-2026"

// TestRecordHistories plays a small but complete science cycle through the
// HTTP API on a real embedded Temporal server, with the real activities on
// a fresh database, and writes the histories TestReplayRecordedHistories
// replays. The committee is cut down to four members so the files stay
// small: education never answers the agenda call (its task is withdrawn),
// finance proposes two items, the convener returns the agenda once, finance
// and sci-tech answer the notice, the first decision's result is returned
// once and then accepted, the second accepted, the third carried over.
//
//	LIANXI_RECORD_HISTORIES=1 go run ./cmd/withpg -- go test -count=1 -run TestRecordHistories ./workflows/
func TestRecordHistories(t *testing.T) {
	if os.Getenv("LIANXI_RECORD_HISTORIES") == "" {
		t.Skip("set LIANXI_RECORD_HISTORIES=1 to record the histories in testdata")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tc := devtest.Start(t)
	url := serveScience(t, tc, "education", "sci-tech", "finance", "statistics")
	p, err := scenario.New(ctx, scenario.Config{URL: url, Committee: "science", People: scenario.People{
		Office: "office", Convener: "convener", Password: recordPassword, Liaison: liaison}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Run(ctx, scenario.Plan{Period: "2026H1", Silent: []domain.Code{"education"}, Returns: true, CarryOver: true})
	if err != nil {
		t.Fatal(err)
	}
	var withdrawn int64
	for _, s := range c.Submissions {
		if s.Department == "education" {
			withdrawn = s.TaskID
		}
	}
	for name, id := range map[string]string{
		"meeting-cycle.json":  c.ID,
		"task-withdrawn.json": workflows.TaskID(withdrawn),
		"task-accepted.json":  workflows.TaskID(c.Decisions[0].TaskID),
	} {
		devtest.WriteHistory(ctx, t, tc, id, filepath.Join("testdata", name))
	}
}

func liaison(dept domain.Code) string { return "l-" + dept }

// serveScience runs Lianxi's API and worker on the Temporal client and a
// fresh database whose science committee has only the given members, with
// its office, a convener and a liaison for each member; it returns the
// API's address.
func serveScience(t *testing.T, tc client.Client, members ...domain.Code) string {
	t.Helper()
	ctx := context.Background()
	store := postgres.New(pgtest.NewPool(t))
	committees := seed.Committees()
	for i := range committees {
		if committees[i].Code == "science" {
			committees[i].Members = nil
			for _, m := range members {
				committees[i].Members = append(committees[i].Members, domain.Organisation{Code: m})
			}
		}
	}
	if _, err := store.LoadSeed(ctx, seed.Name, seed.Organisations(), committees); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(store, auth.Options{Sleep: func(context.Context, time.Duration) {}})
	if err != nil {
		t.Fatal(err)
	}
	users := []domain.NewUser{
		{Username: "office", DisplayName: "科技办", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "science"}}},
		{Username: "convener", DisplayName: "召集人", Grants: []domain.Grant{{Role: domain.RoleConvener, Committee: "science"}}},
	}
	for _, m := range members {
		users = append(users, domain.NewUser{Username: liaison(m), DisplayName: m, Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: m}}})
	}
	for _, u := range users {
		u.Password = recordPassword
		if _, err := svc.CreateUser(ctx, auth.System, u, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	taskSvc := tasks.New(store, tc, nil)
	w := worker.New(tc, workflows.TaskQueue, worker.Options{})
	w.RegisterWorkflow(workflows.Task)
	w.RegisterWorkflow(workflows.MeetingCycle)
	w.RegisterActivity(&activities.Activities{Tasks: store})
	w.RegisterActivity(&activities.Processes{Store: store, StartTask: taskSvc.StartWorkflow, Now: time.Now})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	srv := httptest.NewServer(httpapi.Router(httpapi.Deps{Store: store, Auth: svc, Tasks: taskSvc,
		Meetings: meetings.New(store, tc, taskSvc, nil), Registry: prometheus.NewRegistry()}))
	t.Cleanup(srv.Close)
	return srv.URL
}
