// Package devtest starts a real embedded Temporal server for a test: a fresh
// one per call, on a free port, in its own folder, stopped when the test
// ends. Tests of workflows against storage use it so that workflow ids from a
// fresh database never meet another test's workflows.
package devtest

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := lxtemporal.StartDevServer(ctx, lxtemporal.DevServerOptions{DataDir: dir, Port: port, Namespace: "lianxi"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	c, err := lxtemporal.Dial(ctx, lxtemporal.ClientOptions{HostPort: srv.FrontendHostPort(), Namespace: "lianxi"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}
