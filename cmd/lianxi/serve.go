package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

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
	fs.schedule()
	fs.notifications() // the contests' one-time codes go out by e-mail and SMS
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
	sched, err := sweep.New(tc, log, sweep.Options{ReminderSchedule: cfg.ReminderSchedule})
	if err != nil {
		return err
	}
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
	fs.notifications()
	fs.workerOptions()
	fs.logging()
	fs.StringVar(&fs.cfg.MetricsAddr, "metrics-addr", env("LIANXI_METRICS_ADDR", ""), "address serving /metrics and /healthz; empty: off (env LIANXI_METRICS_ADDR)")
	cfg, err := fs.parse(args)
	if err != nil {
		return err
	}
	log := cfg.logger(os.Stderr)
	sizeWorkflowCache(cfg)
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
	if cfg.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
		srv := &http.Server{Addr: cfg.MetricsAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		ln, err := listen(srv)
		if err != nil {
			return err
		}
		go func() { _ = serveUntilDone(ctx, srv, ln) }()
	}
	w, err := newWorker(tc, cfg, store, authSvc)
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()
	fmt.Fprintf(stdout, "Lianxi worker polling %s on %s\n", cfg.TemporalNamespace, cfg.TemporalAddress)
	<-ctx.Done()
	return nil
}

// runProbe fetches a URL and succeeds on 200: the container health check,
// since the runtime image has no curl.
func runProbe(ctx context.Context, args []string, _ io.Reader, stdout io.Writer) error {
	if len(args) != 1 {
		fmt.Fprintln(stdout, "usage: lianxi probe URL")
		return errUsage
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, args[0], nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", args[0], resp.Status)
	}
	return nil
}
