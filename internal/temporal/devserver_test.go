package temporal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdktemporal "go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

const (
	testTaskQueue = "lianxi-temporal-test"
	crashChildEnv = "LIANXI_TEMPORAL_CRASH_CHILD" // "dir port": run as the SIGKILL test's child
)

// TestMain doubles as the child process of TestDevServerSurvivesSIGKILL: a
// separate process is the only honest way to be killed with SIGKILL.
func TestMain(m *testing.M) {
	if arg := os.Getenv(crashChildEnv); arg != "" {
		crashChild(arg) // never returns: the parent kills it
	}
	os.Exit(m.Run())
}

// --- workflows used by the tests and benchmarks ---

func echoWorkflow(_ workflow.Context, name string) (string, error) {
	return "hello " + name, nil
}

// waitWorkflow blocks until it is signalled "go", so it is still running
// when the server goes down.
func waitWorkflow(ctx workflow.Context) (string, error) {
	var v string
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, &v)
	return "got " + v, nil
}

// pingWorkflow answers the "ping" update until signalled "done"; it continues
// as new when its history grows long so long benchmark runs stay cheap.
func pingWorkflow(ctx workflow.Context) error {
	if err := workflow.SetUpdateHandler(ctx, "ping", func(_ workflow.Context, n int) (int, error) {
		return n + 1, nil
	}); err != nil {
		return err
	}
	done := false
	workflow.Go(ctx, func(ctx workflow.Context) {
		workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
		done = true
	})
	if err := workflow.Await(ctx, func() bool {
		return done || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	}); err != nil {
		return err
	}
	if done {
		return nil
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	return workflow.NewContinueAsNewError(ctx, pingWorkflow)
}

// --- helpers ---

func testLogger() *slog.Logger {
	// stderr, not t.Log: server goroutines may still log after a test ends.
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func freePort(t testing.TB) int {
	t.Helper()
	ports, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	return ports[0]
}

func startDev(t testing.TB, dir string, port int) (*DevServer, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t0 := time.Now()
	s, err := StartDevServer(ctx, DevServerOptions{DataDir: dir, Port: port, Namespace: DefaultNamespace, Logger: testLogger()})
	if err != nil {
		t.Fatalf("StartDevServer: %v", err)
	}
	took := time.Since(t0)
	t.Cleanup(func() { _ = s.Stop() })
	return s, took
}

// dial returns a client and an idempotent close func, also run at cleanup.
func dial(t testing.TB, hostPort, namespace string) (client.Client, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Dial(ctx, ClientOptions{HostPort: hostPort, Namespace: namespace, Logger: testLogger(), Identity: "lianxi-temporal-test"})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	closeOnce := sync.OnceFunc(c.Close)
	t.Cleanup(closeOnce)
	return c, closeOnce
}

// startWorker runs a worker for the test workflows and returns an
// idempotent stop func, also run at cleanup.
func startWorker(t testing.TB, c client.Client) func() {
	t.Helper()
	w := worker.New(c, testTaskQueue, worker.Options{})
	w.RegisterWorkflow(echoWorkflow)
	w.RegisterWorkflow(waitWorkflow)
	w.RegisterWorkflow(pingWorkflow)
	if err := w.Start(); err != nil {
		t.Fatalf("worker start: %v", err)
	}
	stop := sync.OnceFunc(w.Stop)
	t.Cleanup(stop)
	return stop
}

func describe(t testing.TB, c client.Client, id string) enumspb.WorkflowExecutionStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		t.Fatalf("describe %s: %v", id, err)
	}
	return d.GetWorkflowExecutionInfo().GetStatus()
}

func listSearchAttributes(t testing.TB, c client.Client, namespace string) map[string]enumspb.IndexedValueType {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		t.Fatalf("ListSearchAttributes: %v", err)
	}
	return resp.GetCustomAttributes()
}

func checkSearchAttributes(t testing.TB, c client.Client, namespace string) {
	t.Helper()
	got := listSearchAttributes(t, c, namespace)
	for name, typ := range SearchAttributes() {
		if got[name] != typ {
			t.Errorf("namespace %s: search attribute %s = %v, want %v", namespace, name, got[name], typ)
		}
	}
}

// eventually retries f until it returns nil or the deadline passes.
func eventually(t testing.TB, d time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not true after %v: %v", d, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// --- tests ---

func TestSearchAttributesFresh(t *testing.T) {
	a, b := SearchAttributes(), SearchAttributes()
	delete(a, SACommittee)
	if _, ok := b[SACommittee]; !ok || len(b) != 6 {
		t.Fatalf("SearchAttributes must return a fresh map of 6, got %v", b)
	}
}

func TestDevServerLifecycle(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	s, took := startDev(t, dir, freePort(t))
	t.Logf("StartDevServer on a fresh dir: %v", took)
	checkWAL(t, filepath.Join(dir, dbFileName))

	// A second server on the same data dir is refused before it builds anything.
	if _, err := StartDevServer(ctx, DevServerOptions{DataDir: dir, Port: freePort(t), Logger: testLogger()}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second server on the same dir: err = %v, want 'in use'", err)
	}

	c, closeClient := dial(t, s.FrontendHostPort(), DefaultNamespace)
	stopWorker := startWorker(t, c)
	checkSearchAttributes(t, c, DefaultNamespace)

	// A workflow to completion, with every custom search attribute set.
	due := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        "echo-1",
		TaskQueue: testTaskQueue,
		TypedSearchAttributes: sdktemporal.NewSearchAttributes(
			sdktemporal.NewSearchAttributeKeyKeyword(SACommittee).ValueSet("urban-renewal"),
			sdktemporal.NewSearchAttributeKeyKeyword(SAPeriod).ValueSet("2026-Q4"),
			sdktemporal.NewSearchAttributeKeyKeyword(SAKind).ValueSet("joint-meeting"),
			sdktemporal.NewSearchAttributeKeyKeywordList(SADepartments).ValueSet([]string{"housing", "transport"}),
			sdktemporal.NewSearchAttributeKeyKeyword(SAPhase).ValueSet("agenda"),
			sdktemporal.NewSearchAttributeKeyTime(SADueAt).ValueSet(due),
		),
	}, echoWorkflow, "lianxi")
	if err != nil {
		t.Fatalf("start echo: %v", err)
	}
	var out string
	if err := run.Get(ctx, &out); err != nil || out != "hello lianxi" {
		t.Fatalf("echo result = %q, %v", out, err)
	}
	// The attributes are queryable, list-valued and datetime ones included.
	query := fmt.Sprintf(`%s = "urban-renewal" AND %s = "transport" AND %s < "2027-01-01T00:00:00Z"`, SACommittee, SADepartments, SADueAt)
	eventually(t, 30*time.Second, func() error {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if err != nil {
			return err
		}
		if len(resp.GetExecutions()) != 1 || resp.GetExecutions()[0].GetExecution().GetWorkflowId() != "echo-1" {
			return fmt.Errorf("query %q found %d executions", query, len(resp.GetExecutions()))
		}
		return nil
	})

	// Updates and update-with-start work (the app drives meetings with them).
	startOp := c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: "ping-1", TaskQueue: testTaskQueue, WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, pingWorkflow)
	uh, err := c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: startOp,
		UpdateOptions:          client.UpdateWorkflowOptions{UpdateName: "ping", Args: []any{41}, WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	if err != nil {
		t.Fatalf("update-with-start: %v", err)
	}
	var n int
	if err := uh.Get(ctx, &n); err != nil || n != 42 {
		t.Fatalf("update-with-start result = %d, %v", n, err)
	}
	if err := c.SignalWorkflow(ctx, "ping-1", "", "done", nil); err != nil {
		t.Fatal(err)
	}

	// A workflow left running across the restart.
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "wait-1", TaskQueue: testTaskQueue}, waitWorkflow); err != nil {
		t.Fatalf("start wait: %v", err)
	}
	waitFirstTask(t, c, "wait-1")

	// Drop an attribute, as if the file came from an older Lianxi: the
	// restart must add it back.
	if _, err := c.OperatorService().RemoveSearchAttributes(ctx, &operatorservice.RemoveSearchAttributesRequest{
		Namespace: DefaultNamespace, SearchAttributes: []string{SAPhase},
	}); err != nil {
		t.Fatalf("remove search attribute: %v", err)
	}
	if _, ok := listSearchAttributes(t, c, DefaultNamespace)[SAPhase]; ok {
		t.Fatalf("%s still registered after removal", SAPhase)
	}

	stopWorker()
	closeClient()
	t0 := time.Now()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("Stop: %v", time.Since(t0))
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	// Restart on the same dir (and another port: nothing in the file pins it).
	s2, took := startDev(t, dir, freePort(t))
	t.Logf("StartDevServer on a reused dir: %v", took)
	c2, _ := dial(t, s2.FrontendHostPort(), DefaultNamespace)
	startWorker(t, c2)
	checkSearchAttributes(t, c2, DefaultNamespace)
	if st := describe(t, c2, "echo-1"); st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Fatalf("echo-1 after restart: %v", st)
	}
	if st := describe(t, c2, "ping-1"); st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Fatalf("ping-1 after restart: %v", st)
	}
	if err := c2.GetWorkflow(ctx, "echo-1", "").Get(ctx, &out); err != nil || out != "hello lianxi" {
		t.Fatalf("echo-1 result after restart = %q, %v", out, err)
	}
	finishWait(t, c2, "wait-1")
}

func TestDevServerBusyPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	port := l.Addr().(*net.TCPAddr).Port

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t0 := time.Now()
	s, err := StartDevServer(ctx, DevServerOptions{DataDir: t.TempDir(), Port: port, Logger: testLogger()})
	took := time.Since(t0)
	if err == nil {
		_ = s.Stop()
		t.Fatal("StartDevServer on a busy port succeeded")
	}
	t.Logf("busy port error after %v: %v", took, err)
	if !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Errorf("error %q does not name port %d", err, port)
	}
	if took > 2*time.Second {
		t.Errorf("busy port detected after %v, want fast failure", took)
	}
}

func TestEnsureNamespaceIdempotent(t *testing.T) {
	s, _ := startDev(t, t.TempDir(), freePort(t))
	c, _ := dial(t, s.FrontendHostPort(), DefaultNamespace)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	const ns = "lianxi-external"
	for i := range 2 {
		t0 := time.Now()
		if err := EnsureNamespace(ctx, c, ns); err != nil {
			t.Fatalf("EnsureNamespace #%d: %v", i+1, err)
		}
		t.Logf("EnsureNamespace #%d: %v", i+1, time.Since(t0))
	}
	d, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got != NamespaceRetention {
		t.Errorf("retention = %v, want %v", got, NamespaceRetention)
	}
	checkSearchAttributes(t, c, ns)
	// The dev server's own namespace is already complete: also a no-op.
	if err := EnsureNamespace(ctx, c, DefaultNamespace); err != nil {
		t.Fatalf("EnsureNamespace on the dev namespace: %v", err)
	}
	// Its retention was set in the store, before the server ran.
	d, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: DefaultNamespace})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration(); got != NamespaceRetention {
		t.Errorf("dev namespace retention = %v, want %v", got, NamespaceRetention)
	}
}

func TestDevServerSurvivesSIGKILL(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir+" "+strconv.Itoa(port))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "READY" {
				ready <- nil
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- errors.New("child exited before READY")
	}()
	select {
	case err := <-ready:
		if err != nil {
			_ = cmd.Process.Kill()
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("child not ready after 2m")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	// Same dir, same port, right away.
	s, took := startDev(t, dir, port)
	t.Logf("StartDevServer after SIGKILL: %v", took)
	c, _ := dial(t, s.FrontendHostPort(), DefaultNamespace)
	if st := describe(t, c, "crash-echo"); st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
		t.Fatalf("crash-echo after SIGKILL: %v", st)
	}
	startWorker(t, c)
	finishWait(t, c, "crash-wait")
}

// crashChild runs a dev server, completes one workflow, leaves another
// running, says READY and waits to be killed.
func crashChild(arg string) {
	dir, portStr, _ := strings.Cut(arg, " ")
	port, _ := strconv.Atoi(portStr)
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	s, err := StartDevServer(ctx, DevServerOptions{DataDir: dir, Port: port, Logger: testLogger()})
	if err != nil {
		fail(err)
	}
	c, err := Dial(ctx, ClientOptions{HostPort: s.FrontendHostPort(), Namespace: DefaultNamespace, Logger: testLogger()})
	if err != nil {
		fail(err)
	}
	w := worker.New(c, testTaskQueue, worker.Options{})
	w.RegisterWorkflow(echoWorkflow)
	w.RegisterWorkflow(waitWorkflow)
	if err := w.Start(); err != nil {
		fail(err)
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "crash-echo", TaskQueue: testTaskQueue}, echoWorkflow, "x")
	if err != nil {
		fail(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		fail(err)
	}
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "crash-wait", TaskQueue: testTaskQueue}, waitWorkflow); err != nil {
		fail(err)
	}
	for {
		d, err := c.DescribeWorkflowExecution(ctx, "crash-wait", "")
		if err != nil {
			fail(err)
		}
		if d.GetPendingWorkflowTask() == nil && d.GetWorkflowExecutionInfo().GetHistoryLength() >= 4 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Println("READY")
	select {}
}

// waitFirstTask waits until a workflow's first task has completed, so that
// it sits in history waiting for its signal.
func waitFirstTask(t testing.TB, c client.Client, id string) {
	t.Helper()
	eventually(t, 30*time.Second, func() error {
		d, err := c.DescribeWorkflowExecution(context.Background(), id, "")
		if err != nil {
			return err
		}
		if d.GetPendingWorkflowTask() != nil || d.GetWorkflowExecutionInfo().GetHistoryLength() < 4 {
			return fmt.Errorf("%s: first workflow task not completed yet", id)
		}
		return nil
	})
}

// finishWait signals a waitWorkflow that was started before a restart and
// checks that it completes (a worker must be running).
func finishWait(t testing.TB, c client.Client, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if st := describe(t, c, id); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("%s after restart: %v, want RUNNING", id, st)
	}
	if err := c.SignalWorkflow(ctx, id, "", "go", "restart"); err != nil {
		t.Fatalf("signal %s: %v", id, err)
	}
	var out string
	if err := c.GetWorkflow(ctx, id, "").Get(ctx, &out); err != nil || out != "got restart" {
		t.Fatalf("%s result = %q, %v", id, out, err)
	}
}

// checkWAL reads the SQLite header: bytes 18 and 19 are 2 in WAL mode, which
// proves the journal_mode pragma reached the driver.
func checkWAL(t testing.TB, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	hdr := make([]byte, 20)
	if _, err := io.ReadFull(f, hdr); err != nil {
		t.Fatal(err)
	}
	if string(hdr[:16]) != "SQLite format 3\x00" || hdr[18] != 2 || hdr[19] != 2 {
		t.Fatalf("%s is not an SQLite file in WAL mode (header % x)", path, hdr)
	}
}

// A process killed during the very first start leaves half a schema (and the
// marker); a database removed by hand may leave its -wal behind. Both must
// give a working server, not a confusing SQL error.
func TestDevServerRecoversInterruptedSetup(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, dbFileName)
	for p, content := range map[string]string{
		db:                     "half a schema",
		db + setupMarkerSuffix: "",
		db + "-wal":            "stale write-ahead log",
	} {
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, took := startDev(t, dir, freePort(t))
	t.Logf("StartDevServer after an interrupted setup: %v", took)
	if ok, _ := fileExists(db + setupMarkerSuffix); ok {
		t.Error("setup marker still there after a successful start")
	}
	checkWAL(t, db)
	c, _ := dial(t, s.FrontendHostPort(), DefaultNamespace)
	checkSearchAttributes(t, c, DefaultNamespace)
}

// The server calls Fatal where it cannot go on (e.g. a listener that cannot
// bind); in-process that must become an error from StartDevServer rather
// than a process exit.
func TestServerLoggerFatalIsRecovered(t *testing.T) {
	l := newServerLogger(slog.New(slog.NewTextHandler(io.Discard, nil))) // the ERROR line is expected
	err := callRecovering(func() error {
		l.With().Fatal("Failed to start gRPC listener")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "Failed to start gRPC listener") {
		t.Fatalf("err = %v", err)
	}
}
