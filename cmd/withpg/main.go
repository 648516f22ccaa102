// Command withpg runs a command against a throwaway PostgreSQL cluster:
//
//	go run ./cmd/withpg -- go test ./...
//
// It starts a cluster (fast and not crash-safe: fsync off) in a new
// temporary directory, runs the command with LIANXI_TEST_DATABASE_URL set to
// the cluster's maintenance database "postgres" (so tests may CREATE
// DATABASE; see internal/pgtest), passes SIGINT and SIGTERM on to it, then
// stops the cluster, removes the directory and exits with the command's exit
// status. One server for a whole `go test ./...` lets test packages share
// one migrated template instead of each starting its own server.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"sync"
	"syscall"

	"lianxi/internal/pgcluster"
)

// tempPrefix names our cluster homes in the temporary directory.
const tempPrefix = "lianxi-withpg-"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process exit, so that tests can call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, "usage: withpg [--] COMMAND [ARG...]\n\nRuns COMMAND with "+pgcluster.EnvTestURL+" pointing at a throwaway PostgreSQL cluster.")
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	// Caught from now on, so that a Ctrl-C during startup still ends in
	// cleanup rather than leaving the directory behind.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	// Directories of earlier runs that were killed (SIGKILL leaves no
	// chance to clean up) go first.
	pgcluster.SweepTemp(tempPrefix)
	dir, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		fmt.Fprintln(stderr, "withpg:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// As root the server runs as the postgres user, which must be able to
	// enter the directory; MkdirTemp makes it 0700.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(stderr, "withpg:", err)
		return 1
	}

	// One watcher for the whole run: before the command has started a
	// signal aborts the startup, afterwards it is passed on. The mutex
	// makes sure a signal is never lost between the two.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu          sync.Mutex
		child       *os.Process
		interrupted os.Signal
	)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case sig := <-sigs:
				mu.Lock()
				if child != nil {
					// From a terminal the command, in our process group,
					// gets Ctrl-C itself as well; a signal sent to us alone
					// (kill, a CI runner) reaches it only this way.
					child.Signal(sig)
				} else if interrupted == nil {
					interrupted = sig
					cancel()
				}
				mu.Unlock()
			case <-done:
				return
			}
		}
	}()

	cluster, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Database: "postgres", Throwaway: true, Log: log})
	if err != nil {
		mu.Lock()
		defer mu.Unlock()
		if interrupted != nil {
			return 128 + int(interrupted.(syscall.Signal))
		}
		fmt.Fprintln(stderr, "withpg:", err)
		return 1
	}
	defer func() {
		if err := cluster.Stop(); err != nil {
			fmt.Fprintln(stderr, "withpg:", err)
		}
	}()

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.Env = append(os.Environ(), pgcluster.EnvTestURL+"="+cluster.URLFor("postgres"))
	// The command gets SIGTERM if we die: without us its database is gone
	// too. The parent-death signal follows the thread that started the
	// child, so that thread must live as long as the child does.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	mu.Lock()
	if interrupted != nil {
		mu.Unlock()
		return 128 + int(interrupted.(syscall.Signal))
	}
	err = cmd.Start()
	if err == nil {
		child = cmd.Process
	}
	mu.Unlock()
	if err != nil {
		fmt.Fprintln(stderr, "withpg:", err)
		if errors.Is(err, exec.ErrNotFound) {
			return 127 // as a shell does
		}
		return 126
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()) // as a shell reports it
		}
		return exit.ExitCode()
	default:
		fmt.Fprintln(stderr, "withpg:", err)
		return 1
	}
}
