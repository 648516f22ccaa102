package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"lianxi/internal/sweep"
	"lianxi/internal/temporal"
)

// runServe runs the HTTP server and the cron ticks against an external
// Temporal cluster and PostgreSQL server. Any number may run side by side.
func runServe(ctx context.Context, args []string, _ io.Reader, stdout io.Writer) error {
	fs := newFlags("serve", stdout)
	fs.database()
	fs.http()
	fs.temporalClient()
	fs.logging()
	cfg, err := fs.parse(args)
	if err != nil {
		return err
	}
	log := cfg.logger(os.Stderr)
	store, closeDB, err := database(ctx, cfg, log, urlOnly)
	if err != nil {
		return err
	}
	defer closeDB()
	authSvc, err := newAuth(store, cfg, log)
	if err != nil {
		return err
	}
	reg, tm := newRegistry()
	tc, err := temporal.Dial(ctx, temporal.ClientOptions{HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace, Logger: log, MetricsHandler: tm.Handler()})
	if err != nil {
		return err
	}
	defer tc.Close()
	if err := temporal.EnsureNamespace(ctx, tc, cfg.TemporalNamespace); err != nil {
		return err
	}
	sched := sweep.New(tc, log)
	sched.Start()
	defer sched.Stop()
	srv, err := webServer(cfg, store, authSvc, tc, reg, log)
	if err != nil {
		return err
	}
	ln, err := listen(srv)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Lianxi serving at http://%s\n", ln.Addr())
	return serveUntilDone(ctx, srv, ln)
}

// runWorker runs the Temporal worker against an external cluster.
func runWorker(ctx context.Context, args []string, _ io.Reader, stdout io.Writer) error {
	fs := newFlags("worker", stdout)
	fs.database()
	fs.temporalClient()
	fs.logging()
	fs.cfg.SessionIdle, fs.cfg.SessionAbsolute = 0, 0
	cfg, err := fs.parse(args)
	if err != nil {
		return err
	}
	log := cfg.logger(os.Stderr)
	store, closeDB, err := database(ctx, cfg, log, urlOnly)
	if err != nil {
		return err
	}
	defer closeDB()
	authSvc, err := newAuth(store, cfg, log)
	if err != nil {
		return err
	}
	_, tm := newRegistry()
	tc, err := temporal.Dial(ctx, temporal.ClientOptions{HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace, Logger: log, MetricsHandler: tm.Handler()})
	if err != nil {
		return err
	}
	defer tc.Close()
	if err := temporal.EnsureNamespace(ctx, tc, cfg.TemporalNamespace); err != nil {
		return err
	}
	w := newWorker(tc, authSvc)
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()
	fmt.Fprintf(stdout, "Lianxi worker polling %s on %s\n", cfg.TemporalNamespace, cfg.TemporalAddress)
	<-ctx.Done()
	return nil
}
