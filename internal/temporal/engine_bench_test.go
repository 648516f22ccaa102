package temporal

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/dynamicconfig"

	"lianxi/internal/benchtab"
)

// engineOps are the calls each figure is made of.
type engineOps struct{ update1, update16, start1, start16 int }

func engineCounts(b *testing.B) engineOps {
	if testing.Short() {
		return engineOps{update1: 100, update16: 320, start1: 50, start16: 160}
	}
	return engineOps{update1: 400, update16: 1600, start1: 200, start16: 800}
}

// engine is one embedded server with a worker for the test workflows.
type engine struct {
	b    *testing.B
	c    client.Client
	id   atomic.Int64
	stop func() // stops the worker, the client and the server; also run at cleanup
}

func newEngine(b *testing.B, opts DevServerOptions) *engine {
	b.Helper()
	opts.DataDir, opts.Port, opts.Namespace, opts.Logger = b.TempDir(), freePort(b), DefaultNamespace, testLogger()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := StartDevServer(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	c, closeClient := dial(b, s.FrontendHostPort(), DefaultNamespace)
	stopWorker := startWorker(b, c)
	e := &engine{b: b, c: c, stop: sync.OnceFunc(func() { stopWorker(); closeClient(); _ = s.Stop() })}
	b.Cleanup(e.stop)
	// Warm up: the worker's first poll and the first workflow's caches.
	e.starts(1, 3)
	return e
}

// updates sends n "ping" Updates from clients goroutines at once, each to a
// workflow of its own, and waits for every result.
func (e *engine) updates(clients, n int) benchtab.Result {
	e.b.Helper()
	ctx := context.Background()
	ids := make([]string, clients)
	for c := range ids {
		ids[c] = "bench-ping-" + strconv.FormatInt(e.id.Add(1), 10)
		if _, err := e.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[c], TaskQueue: testTaskQueue}, pingWorkflow); err != nil {
			e.b.Fatal(err)
		}
	}
	defer func() {
		for _, id := range ids {
			_ = e.c.SignalWorkflow(ctx, id, "", "done", nil)
		}
	}()
	return e.must(benchtab.Load(clients, n, func(c, i int) error {
		h, err := e.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: ids[c], UpdateName: "ping", Args: []any{i},
			WaitForStage: client.WorkflowUpdateStageCompleted})
		if err != nil {
			return err
		}
		var got int
		if err := h.Get(ctx, &got); err != nil {
			return err
		}
		if got != i+1 {
			return fmt.Errorf("ping %d answered %d", i, got)
		}
		return nil
	}))
}

// starts runs n trivial workflows from start to result, clients at once.
func (e *engine) starts(clients, n int) benchtab.Result {
	e.b.Helper()
	ctx := context.Background()
	return e.must(benchtab.Load(clients, n, func(_, i int) error {
		run, err := e.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "bench-echo-" + strconv.FormatInt(e.id.Add(1), 10), TaskQueue: testTaskQueue},
			echoWorkflow, "bench")
		if err != nil {
			return err
		}
		var out string
		if err := run.Get(ctx, &out); err != nil {
			return err
		}
		if out != "hello bench" {
			return fmt.Errorf("echo answered %q", out)
		}
		return nil
	}))
}

func (e *engine) must(r benchtab.Result, err error) benchtab.Result {
	e.b.Helper()
	if err != nil {
		e.b.Fatal(err)
	}
	return r
}

func rateRow(section, name string, r benchtab.Result) benchtab.Row {
	return benchtab.Row{Section: section, Name: name, Value: r.Rate(), Unit: "/s",
		Note: fmt.Sprintf("p50 %.1f ms, p99 %.1f ms", r.P(50), r.P(99))}
}

// BenchmarkEngineFloor measures the embedded server as Lianxi configures
// it, with no application code: an Update round trip on a workflow that
// only answers it, and a trivial workflow from start to result, one at a
// time and 16 at once. These are the floors the application's figures are
// compared with.
func BenchmarkEngineFloor(b *testing.B) {
	n := engineCounts(b)
	e := newEngine(b, DevServerOptions{})
	for b.Loop() {
		u1 := e.updates(1, n.update1)
		u16 := e.updates(16, n.update16)
		s1 := e.starts(1, n.start1)
		s16 := e.starts(16, n.start16)
		for _, r := range []benchtab.Row{
			rateRow(benchtab.SectionFloor, "bare Update round trip, 1 at a time", u1),
			rateRow(benchtab.SectionFloor, "bare Update round trip, 16 at once", u16),
			rateRow(benchtab.SectionFloor, "trivial workflow start to result, 1 at a time", s1),
			rateRow(benchtab.SectionFloor, "trivial workflow start to result, 16 at once", s16),
		} {
			benchtab.Emit(r)
		}
	}
}

// BenchmarkEngineTuning compares each setting Lianxi changes on the
// embedded server with the server's (or SQLite's) default, on two servers
// run one after the other in the same benchmark, on the figure the setting
// is for. The ratio is ours over the default's rate.
func BenchmarkEngineTuning(b *testing.B) {
	n := engineCounts(b)
	for _, c := range []struct {
		name    string
		def     DevServerOptions // the default, restored on top of our configuration
		measure func(*engine) benchtab.Result
		what    string
	}{
		{
			name: "task-queue partitions 1 (default 4)",
			def: DevServerOptions{DynamicConfig: map[string]any{
				dynamicconfig.MatchingNumTaskqueueReadPartitions.Key().String():  4,
				dynamicconfig.MatchingNumTaskqueueWritePartitions.Key().String(): 4,
			}},
			measure: func(e *engine) benchtab.Result { return e.starts(16, n.start16) },
			what:    "workflows start to result, 16 at once",
		},
		{
			name: "history queue reads 1000/s (default 20/s per shard)",
			def: DevServerOptions{DynamicConfig: map[string]any{
				dynamicconfig.TransferProcessorMaxPollRPS.Key().String():   20,
				dynamicconfig.TimerProcessorMaxPollRPS.Key().String():      20,
				dynamicconfig.VisibilityProcessorMaxPollRPS.Key().String(): 20,
				dynamicconfig.OutboundProcessorMaxPollRPS.Key().String():   20,
			}},
			measure: func(e *engine) benchtab.Result { return e.starts(1, n.start1) },
			what:    "workflows start to result, 1 at a time",
		},
		{
			name:    "SQLite WAL, synchronous NORMAL (default rollback journal, FULL)",
			def:     DevServerOptions{sqlite: map[string]string{"journal_mode": "delete", "synchronous": "full"}},
			measure: func(e *engine) benchtab.Result { return e.updates(1, n.update1) },
			what:    "Update round trips, 1 at a time",
		},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				measure := func(opts DevServerOptions) benchtab.Result {
					e := newEngine(b, opts)
					defer e.stop()
					return c.measure(e)
				}
				ours, def := measure(DevServerOptions{}), measure(c.def)
				benchtab.Emit(benchtab.Row{Section: benchtab.SectionTuning, Name: c.name, Value: ours.Rate(), Unit: "/s",
					Note: c.what}.Against("default", def.Rate(), ""))
			}
		})
	}
}
