package httpapi_test

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"lianxi/internal/benchtab"
	"lianxi/internal/domain"
	"lianxi/internal/scenario"
	"lianxi/internal/temporal/devtest"
)

// player signs in the people of the science committee (its office, a
// convener and the liaison of each of its 29 departments) to play cycles
// through the env's API.
func (e *env) player(ctx context.Context) *scenario.Player {
	e.t.Helper()
	e.liaisons("science")
	p, err := scenario.New(ctx, scenario.Config{URL: e.srv.URL, Committee: "science", People: scenario.People{
		Office: "office1", Convener: "convener1", Password: password,
		Liaison: func(d domain.Code) string { return "l-" + d },
	}})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// BenchmarkScienceCycle plays a whole science cycle end to end through the
// HTTP API on the embedded Temporal server: the office starts it, the 29
// departments answer the agenda call, the office compiles, the convener
// approves, the office sends the notice (two departments answer) and
// records three decisions, the three results are reported and accepted,
// and the cycle closes. It reports the wall time per cycle.
func BenchmarkScienceCycle(b *testing.B) {
	ctx := context.Background()
	e := newEnvWith(b, devtest.Start(b))
	p := e.player(ctx)
	n := 0
	for b.Loop() {
		n++
		if _, err := p.Run(ctx, scenario.Plan{Period: domain.Period(fmt.Sprintf("2026-bench-%d", n))}); err != nil {
			b.Fatal(err)
		}
	}
	perCycle := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(perCycle.Seconds(), "s/cycle")
	benchtab.Emit(benchtab.Row{Section: benchtab.SectionCycle, Name: "one cycle end to end through the API", Value: perCycle.Seconds(), Unit: "s",
		Note: fmt.Sprintf("mean of %d", b.N)})
	b.Logf("science cycle, 29 departments, end to end: %v per cycle (%d cycles)", perCycle.Round(time.Millisecond), b.N)
}

// BenchmarkSubmit measures the API call a department makes to answer an
// agenda call (POST /api/v1/tasks/{id}/submit: sign-in check, validation,
// the task's Update, its recording, the cycle told), one at a time and 16
// at once, each department's liaison submitting its own tasks, against the
// engine's floor on the same server: a bare Update on a workflow that only
// answers it, from as many clients at once, each to a workflow of its own.
// A second baseline is the engine work a submit needs, with no application
// code: an Update that closes a workflow which then signals another (as a
// task tells its cycle) and ends. They alternate (submit, bare, engine
// work, bare, submit: half the calls each time) so all see the same
// machine. Targets at 16 at once: at least 0.7 of the bare Update rate,
// p99 under 100 ms.
func BenchmarkSubmit(b *testing.B) {
	n1, n16 := 200, 800
	if testing.Short() {
		n1, n16 = 60, 320
	}
	ctx := context.Background()
	tc := devtest.Start(b)
	e := newEnvWith(b, tc)
	p := e.player(ctx)
	noops := make([]string, 16)
	for i := range noops {
		noops[i] = fmt.Sprintf("bench-noop-%d", i)
	}
	startNoop(b, tc, noops...)
	cycle := 0
	for b.Loop() {
		for _, c := range []struct {
			clients, n int
			name       string
		}{{1, n1, "1 at a time"}, {16, n16, "16 at once"}} {
			tasks := openAgendaTasks(b, p, c.n, &cycle)
			shapedIDs := startShaped(b, tc, fmt.Sprintf("bench-shaped-%d", c.clients), c.n)
			// Opening cycles leaves the server work to finish after
			// answering (visibility records of every task started); what
			// is measured starts when it is done.
			settle(b, tc)
			// Client k submits tasks k, k+16, …; half of them in each round.
			byClient := make([][]domain.Submission, c.clients)
			for i, t := range tasks {
				byClient[i%c.clients] = append(byClient[i%c.clients], t)
			}
			submit := func(second bool) benchtab.Result {
				counts := make([]int, c.clients)
				for k, mine := range byClient {
					counts[k] = len(mine) / 2
					if second {
						counts[k] = len(mine) - len(mine)/2
					}
				}
				res, err := benchtab.LoadEach(counts, func(k, i int) error {
					if second {
						i += len(byClient[k]) / 2
					}
					t := byClient[k][i]
					return p.SubmitAgenda(ctx, t.Department, t.TaskID)
				})
				if err != nil {
					b.Fatal(err)
				}
				return res
			}
			// update sends n Updates named name, clients at once, to the
			// workflow target(k, i) names for client k's i-th call.
			update := func(n int, name string, target func(k, i int) string) benchtab.Result {
				res, err := benchtab.Load(c.clients, n, func(k, i int) error {
					h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: target(k, i), UpdateName: name, Args: []any{i},
						WaitForStage: client.WorkflowUpdateStageCompleted})
					if err == nil {
						err = h.Get(ctx, nil)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				return res
			}
			bare := func() benchtab.Result { return update(c.n/2, "ping", func(k, _ int) string { return noops[k] }) }
			shaped := func(second bool) benchtab.Result {
				ids := shapedIDs[:c.n/2]
				if second {
					ids = shapedIDs[c.n/2:]
				}
				return update(len(ids), "close", func(_, i int) string { return ids[i] })
			}
			stopProfile := profile(b, c.clients)
			var sub, base, shape benchtab.Result
			sub.Add(submit(false))
			base.Add(bare())
			shape.Add(shaped(false))
			shape.Add(shaped(true))
			base.Add(bare())
			sub.Add(submit(true))
			stopProfile()
			checkSubmitted(b, e, tasks)

			row := benchtab.Row{Section: benchtab.SectionSubmit, Name: "submit, " + c.name, Value: sub.Rate(), Unit: "/s",
				Note: fmt.Sprintf("p50 %.1f ms, p99 %.1f ms; bare Update p50 %.1f ms, p99 %.1f ms", sub.P(50), sub.P(99), base.P(50), base.P(99))}.
				Against("bare Update, "+c.name, base.Rate(), "")
			if c.clients == 16 {
				row = row.RatioAtLeast(0.7)
			}
			benchtab.Emit(row)
			benchtab.Emit(benchtab.Row{Section: benchtab.SectionSubmit, Name: "submit, " + c.name + ", against the engine work it needs", Value: sub.Rate(), Unit: "/s",
				Note: fmt.Sprintf("that work: an Update, a signal to another workflow, the workflow closed; p50 %.1f ms, p99 %.1f ms", shape.P(50), shape.P(99))}.
				Against("the same engine work, no application code", shape.Rate(), ""))
			if c.clients == 16 {
				benchtab.Emit(benchtab.Row{Section: benchtab.SectionSubmit, Name: "submit p99, 16 at once", Value: sub.P(99), Unit: "ms"}.
					Against("bare Update p99", base.P(99), "").Below(100))
			}
		}
	}
}

// profile writes a CPU profile of what follows, until the returned func
// is called, to $LIANXI_BENCH_PROFILE-<clients> when that is set: the
// server, the worker and the handlers run in this process, so it shows
// where a submit's time goes.
func profile(b *testing.B, clients int) func() {
	name := os.Getenv("LIANXI_BENCH_PROFILE")
	if name == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s-%d", name, clients))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// settle waits until the server has recorded every workflow started so far
// in its visibility store: the count of running workflows stays the same
// for a second.
func settle(b *testing.B, tc client.Client) {
	b.Helper()
	ctx := context.Background()
	last := int64(-1)
	for range 120 {
		res, err := tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: "ExecutionStatus = 'Running'"})
		if err != nil {
			b.Fatal(err)
		}
		if res.Count == last {
			return
		}
		last = res.Count
		time.Sleep(time.Second)
	}
}

// checkSubmitted fails the benchmark unless every task is recorded as
// submitted, exactly the tasks that were.
func checkSubmitted(b *testing.B, e *env, tasks []domain.Submission) {
	b.Helper()
	ids := make([]int64, len(tasks))
	for i, t := range tasks {
		ids[i] = t.TaskID
	}
	var n int
	if err := e.store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM tasks WHERE id = ANY($1) AND status IN ('submitted', 'accepted') AND submitted_at IS NOT NULL", ids).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n != len(tasks) {
		b.Fatalf("%d of %d tasks recorded as submitted", n, len(tasks))
	}
}

// openAgendaTasks opens science cycles until n agenda tasks are waiting
// for their departments, and returns n of them.
func openAgendaTasks(b *testing.B, p *scenario.Player, n int, cycle *int) []domain.Submission {
	b.Helper()
	var out []domain.Submission
	for len(out) < n {
		*cycle++
		c, err := p.Open(context.Background(), domain.Period(fmt.Sprintf("2026-submit-%d", *cycle)))
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, c.Submissions...)
	}
	return out[:n]
}

// startNoop starts, on a task queue of its own, workflows that answer a
// "ping" Update and do nothing else.
func startNoop(b *testing.B, tc client.Client, ids ...string) {
	b.Helper()
	w := worker.New(tc, benchQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		if err := workflow.SetUpdateHandler(ctx, "ping", func(ctx workflow.Context, n int) (int, error) { return n, nil }); err != nil {
			return err
		}
		return workflow.Await(ctx, func() bool { return false })
	}, workflow.RegisterOptions{Name: "noop"})
	w.RegisterWorkflowWithOptions(shapedTask, workflow.RegisterOptions{Name: "shaped-task"})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		ch := workflow.GetSignalChannel(ctx, "changed")
		for {
			ch.Receive(ctx, nil)
		}
	}, workflow.RegisterOptions{Name: "sink"})
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(w.Stop)
	for _, id := range ids {
		if _, err := tc.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: benchQueue}, "noop"); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), id, "", "benchmark done") })
	}
}

// benchQueue is the task queue of the workflows with no application code.
const benchQueue = "bench-noop"

// shapedTask does the engine's part of a task submitted, with none of the
// application's: it answers one "close" Update, tells the "sink" workflow
// (as a task tells its cycle) and, once the signal is delivered, ends.
func shapedTask(ctx workflow.Context, sink string) error {
	closed := false
	if err := workflow.SetUpdateHandler(ctx, "close", func(ctx workflow.Context, _ int) error { closed = true; return nil }); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return closed }); err != nil {
		return err
	}
	return workflow.SignalExternalWorkflow(ctx, sink, "", "changed", nil).Get(ctx, nil)
}

// startShaped starts n shapedTask workflows telling one sink, and returns
// their ids.
func startShaped(b *testing.B, tc client.Client, prefix string, n int) []string {
	b.Helper()
	ctx := context.Background()
	sink := prefix + "-sink"
	if _, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: sink, TaskQueue: benchQueue}, "sink"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), sink, "", "benchmark done") })
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%d", prefix, i)
		if _, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: benchQueue}, "shaped-task", sink); err != nil {
			b.Fatal(err)
		}
	}
	return ids
}
