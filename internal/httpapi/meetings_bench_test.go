package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

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
	b.Logf("science cycle, 29 departments, end to end: %v per cycle (%d cycles)", perCycle.Round(time.Millisecond), b.N)
}

// BenchmarkSubmitAgendaTask times the API call a department makes to answer
// an agenda call (POST /api/v1/tasks/{id}/submit: sign-in check, the
// task's Update, its recording, the cycle told) against a bare Temporal
// Update on a workflow that only answers it, on the same server, calls
// interleaved so both see the same load. It reports p50 and p99 of both and
// their ratios.
func BenchmarkSubmitAgendaTask(b *testing.B) {
	const calls = 200
	ctx := context.Background()
	tc := devtest.Start(b)
	e := newEnvWith(b, tc)
	p := e.player(ctx)
	const noopID = "bench-noop"
	startNoop(b, tc, noopID)
	cycle := 0
	for b.Loop() {
		var submit, bare []time.Duration
		for _, t := range openAgendaTasks(b, p, calls, &cycle) {
			start := time.Now()
			if err := p.SubmitAgenda(ctx, t.Department, t.TaskID); err != nil {
				b.Fatal(err)
			}
			submit = append(submit, time.Since(start))
			start = time.Now()
			h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: noopID, UpdateName: "ping", Args: []any{len(bare)},
				WaitForStage: client.WorkflowUpdateStageCompleted})
			if err == nil {
				err = h.Get(ctx, nil)
			}
			if err != nil {
				b.Fatal(err)
			}
			bare = append(bare, time.Since(start))
		}
		report(b, "submit", submit)
		report(b, "update", bare)
		b.ReportMetric(percentile(submit, 50).Seconds()/percentile(bare, 50).Seconds(), "p50-ratio")
		b.ReportMetric(percentile(submit, 99).Seconds()/percentile(bare, 99).Seconds(), "p99-ratio")
		b.Logf("%d calls each: submit p50 %v p99 %v; bare update p50 %v p99 %v; ratio p50 %.2f p99 %.2f", calls,
			percentile(submit, 50), percentile(submit, 99), percentile(bare, 50), percentile(bare, 99),
			percentile(submit, 50).Seconds()/percentile(bare, 50).Seconds(), percentile(submit, 99).Seconds()/percentile(bare, 99).Seconds())
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

// startNoop starts, on a task queue of its own, a workflow that answers a
// "ping" Update and does nothing else.
func startNoop(b *testing.B, tc client.Client, id string) {
	b.Helper()
	const queue = "bench-noop"
	w := worker.New(tc, queue, worker.Options{})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
		if err := workflow.SetUpdateHandler(ctx, "ping", func(ctx workflow.Context, n int) (int, error) { return n, nil }); err != nil {
			return err
		}
		return workflow.Await(ctx, func() bool { return false })
	}, workflow.RegisterOptions{Name: "noop"})
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(w.Stop)
	if _, err := tc.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: queue}, "noop"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = tc.TerminateWorkflow(context.Background(), id, "", "benchmark done") })
}

// percentile returns the p-th percentile (nearest rank) of ds.
func percentile(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(i-1, 0)]
}

func report(b *testing.B, name string, ds []time.Duration) {
	b.ReportMetric(float64(percentile(ds, 50).Microseconds())/1000, name+"-p50-ms")
	b.ReportMetric(float64(percentile(ds, 99).Microseconds())/1000, name+"-p99-ms")
}
