package temporal

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
)

// BenchmarkStartToResult measures one trivial workflow from StartWorkflow to
// its result on the dev server: the floor under every meeting step that
// starts a workflow and waits for it.
func BenchmarkStartToResult(b *testing.B) {
	s, _ := startDev(b, b.TempDir(), freePort(b))
	c, _ := dial(b, s.FrontendHostPort(), DefaultNamespace)
	startWorker(b, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()

	i := 0
	for b.Loop() {
		i++
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: fmt.Sprintf("bench-echo-%d", i), TaskQueue: testTaskQueue,
		}, echoWorkflow, "bench")
		if err != nil {
			b.Fatal(err)
		}
		if err := run.Get(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateRoundTrip measures one Update (sent, handled by the worker,
// result back) on a running workflow: the cost of each user action on a
// meeting, which the app models as an Update.
func BenchmarkUpdateRoundTrip(b *testing.B) {
	s, _ := startDev(b, b.TempDir(), freePort(b))
	c, _ := dial(b, s.FrontendHostPort(), DefaultNamespace)
	startWorker(b, c)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()

	const id = "bench-ping"
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: testTaskQueue}, pingWorkflow); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: "ping", Args: []any{i}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			b.Fatal(err)
		}
		var n int
		if err := h.Get(ctx, &n); err != nil || n != i+1 {
			b.Fatalf("update %d: got %d, %v", i, n, err)
		}
	}
	b.StopTimer()
	if err := c.SignalWorkflow(ctx, id, "", "done", nil); err != nil {
		b.Fatal(err)
	}
}
