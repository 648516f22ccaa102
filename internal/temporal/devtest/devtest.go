// Package devtest starts a real embedded Temporal server for a test: a fresh
// one per call, on a free port, in its own folder, stopped when the test
// ends. Tests of workflows against storage use it so that workflow ids from a
// fresh database never meet another test's workflows.
package devtest

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"

	lxtemporal "lianxi/internal/temporal"
)

// Start starts a server with the "lianxi" namespace and returns a client
// connected to it.
func Start(t testing.TB) client.Client {
	t.Helper()
	dir, err := os.MkdirTemp("", "lianxi-temporal-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A free port may be taken by another process between our look and
	// the server's bind (tests of several packages run at once): look
	// again and retry.
	var srv *lxtemporal.DevServer
	for attempt := 1; ; attempt++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		sub := filepath.Join(dir, strconv.Itoa(attempt))
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		srv, err = lxtemporal.StartDevServer(ctx, lxtemporal.DevServerOptions{DataDir: sub, Port: port, Namespace: "lianxi"})
		if err == nil {
			break
		}
		if attempt == 5 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { srv.Stop() })
	c, err := lxtemporal.Dial(ctx, lxtemporal.ClientOptions{HostPort: srv.FrontendHostPort(), Namespace: "lianxi"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// WriteHistory waits for a workflow to end and writes its whole history as
// JSON, the format client.HistoryFromJSON and the replayer read: the
// recorded histories that tests replay so a change that breaks running
// workflows fails.
func WriteHistory(ctx context.Context, t testing.TB, tc client.Client, id, file string) {
	t.Helper()
	if err := tc.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	var h historypb.History
	it := tc.GetWorkflowHistory(ctx, id, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: " "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d events, %d bytes", file, len(h.Events), len(b))
}
