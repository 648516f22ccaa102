package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/sweep"
	"lianxi/internal/temporal"
)

// runDev runs everything in one process: a private PostgreSQL (unless
// DATABASE_URL is set), the embedded Temporal server, the worker, the cron
// ticks and the HTTP server. It stops them all, in reverse order, on SIGINT
// or SIGTERM.
func runDev(ctx context.Context, args []string, _ io.Reader, stdout io.Writer) error {
	fs := newFlags("dev", stdout)
	fs.dataDir()
	fs.database()
	fs.http()
	fs.temporalDev()
	fs.schedule()
	fs.notifications()
	fs.workerOptions()
	fs.logging()
	cfg, err := fs.parse(args)
	if err != nil {
		return err
	}
	cfg.DevCodes = true
	sizeWorkflowCache(cfg)
	if os.Getenv("GOGC") == "" {
		// One process holds the server, the worker and the web server
		// here: collect at half the live heap's growth instead of Go's
		// 100 %, which held a third more memory with a year's tasks open
		// (BenchmarkDevProcess, "tuning").
		debug.SetGCPercent(devGCPercent)
	}
	log := cfg.logger(os.Stderr)
	if cfg.DataDir, err = filepath.Abs(cfg.DataDir); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}

	store, closeDB, err := database(ctx, cfg, log, ownCluster)
	if err != nil {
		return err
	}
	defer closeDB()
	authSvc, err := newAuth(store, cfg, log)
	if err != nil {
		return err
	}
	adminNote, err := ensureDevAdmin(ctx, authSvc, cfg.DataDir)
	if err != nil {
		return err
	}

	dev, err := temporal.StartDevServer(ctx, temporal.DevServerOptions{
		DataDir: filepath.Join(cfg.DataDir, "temporal"), Port: cfg.TemporalPort, UIPort: cfg.TemporalUIPort,
		Namespace: cfg.TemporalNamespace, Logger: log,
	})
	if err != nil {
		return err
	}
	defer dev.Stop()
	reg, tm := newRegistry()
	tc, err := temporal.Dial(ctx, temporal.ClientOptions{HostPort: dev.FrontendHostPort(), Namespace: cfg.TemporalNamespace, Logger: log, MetricsHandler: tm.Handler()})
	if err != nil {
		return err
	}
	defer tc.Close()

	w, err := newWorker(tc, cfg, store, authSvc)
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	defer w.Stop()
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
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "Lianxi is running at %s\n  sign in as admin: %s\n  Temporal frontend: %s (namespace %s)\n", url, adminNote, dev.FrontendHostPort(), cfg.TemporalNamespace)
	if u := dev.UIURL(); u != "" {
		fmt.Fprintf(stdout, "  Temporal Web UI: %s\n", u)
	}
	fmt.Fprintln(stdout, "Press Ctrl-C to stop.")
	err = serveUntilDone(ctx, srv, ln)
	log.Info("stopping")
	return err
}

// devGCPercent is lianxi dev's garbage-collection target, unless GOGC says
// otherwise.
const devGCPercent = 50

// ensureDevAdmin creates the admin account of a development installation
// once: with LIANXI_DEV_ADMIN_PASSWORD when set, else a random password kept
// in the data directory (mode 0600) so a later start can say where it is. A
// restart never changes the password.
func ensureDevAdmin(ctx context.Context, a *auth.Service, dataDir string) (string, error) {
	file := filepath.Join(dataDir, "admin-password")
	password, fromEnv := os.LookupEnv("LIANXI_DEV_ADMIN_PASSWORD")
	if !fromEnv || password == "" {
		password = randomPassword()
		fromEnv = false
	}
	created, err := a.EnsureUser(ctx, domain.NewUser{Username: "admin", Password: password, DisplayName: "Administrator",
		Grants: []domain.Grant{{Role: domain.RoleAdmin}}})
	if err != nil {
		if de := domain.AsError(err); de != nil && de.Kind == domain.KindInvalid {
			return "", fmt.Errorf("LIANXI_DEV_ADMIN_PASSWORD is not accepted: %w", userMessage(err))
		}
		return "", err
	}
	switch {
	case created && fromEnv:
		return "admin / the password in LIANXI_DEV_ADMIN_PASSWORD", nil
	case created:
		if err := os.WriteFile(file, []byte(password+"\n"), 0o600); err != nil {
			return "", err
		}
		return "admin / " + password + "  (also saved in " + file + ")", nil
	}
	if b, err := os.ReadFile(file); err == nil {
		return "admin / " + strings.TrimSpace(string(b)) + "  (from " + file + ")", nil
	}
	return "admin (existing account; password unchanged)", nil
}

// randomPassword returns 26 random base32 characters (130 bits); the
// suffix guarantees the two kinds of character the policy asks for.
func randomPassword() string { return rand.Text() + "-7" }
