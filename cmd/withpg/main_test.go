package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/pgcluster"
)

// childEnv makes the test binary play the command that withpg runs. Its
// value is a file where the child reports that it is ready.
const childEnv = "WITHPG_TEST_CHILD"

func TestMain(m *testing.M) {
	if file := os.Getenv(childEnv); file != "" {
		os.Exit(child(file))
	}
	os.Exit(m.Run())
}

// child checks that it can create a database through the URL it was given,
// reports the socket directory, and exits 7 once it receives SIGTERM.
func child(file string) int {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	dbURL := os.Getenv(pgcluster.EnvTestURL)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE made_by_child"); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 4
	}
	conn.Close(ctx)
	u, _ := url.Parse(dbURL)
	fmt.Println("hello from the child")
	if err := os.WriteFile(file, []byte(u.Query().Get("host")), 0o600); err != nil {
		return 5
	}
	select {
	case <-term:
		return 7
	case <-time.After(time.Minute):
		return 6
	}
}

// TestRun runs a command under withpg: the command reaches the cluster's
// maintenance database, its output passes through, a SIGTERM sent to withpg
// reaches it, its exit status comes back, and the cluster's directory is gone
// afterwards.
func TestRun(t *testing.T) {
	if _, err := pgcluster.FindBinaries(); err != nil {
		t.Skip(err)
	}
	ready := filepath.Join(t.TempDir(), "ready")
	t.Setenv(childEnv, ready)
	var stdout, stderr bytes.Buffer
	code := make(chan int, 1)
	go func() { code <- run([]string{"--", os.Args[0]}, nil, &stdout, &stderr) }()

	var socketDir string
	deadline := time.Now().Add(2 * time.Minute)
	for socketDir == "" {
		select {
		case c := <-code:
			t.Fatalf("withpg exited %d before the child was ready; stderr:\n%s", c, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the child never became ready")
		}
		data, _ := os.ReadFile(ready)
		socketDir = string(data)
	}
	// run has SIGTERM caught by now, so this does not end the test binary.
	syscall.Kill(os.Getpid(), syscall.SIGTERM)

	select {
	case c := <-code:
		if c != 7 {
			t.Errorf("exit code %d, want the child's 7; stderr:\n%s", c, stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("withpg did not return")
	}
	if !strings.Contains(stdout.String(), "hello from the child") {
		t.Errorf("child output did not pass through: %q", stdout.String())
	}
	if _, err := os.Stat(filepath.Dir(socketDir)); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s still there (%v)", filepath.Dir(socketDir), err)
	}
}

func TestUsage(t *testing.T) {
	var stderr bytes.Buffer
	if code := run([]string{"--"}, nil, &stderr, &stderr); code != 2 || !strings.Contains(stderr.String(), "usage") {
		t.Errorf("no command: exit %d, %q", code, stderr.String())
	}
}
