package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"lianxi/activities"
	"lianxi/internal/auth"
	"lianxi/internal/consultations"
	"lianxi/internal/contests"
	"lianxi/internal/httpapi"
	"lianxi/internal/masterpieces"
	"lianxi/internal/meetings"
	"lianxi/internal/metrics"
	"lianxi/internal/notify/email"
	"lianxi/internal/notify/webhook"
	"lianxi/internal/onetime"
	"lianxi/internal/pgcluster"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
	"lianxi/internal/selections"
	"lianxi/internal/tasks"
	"lianxi/internal/webui"
	"lianxi/workflows"
)

// clusterDir is where lianxi dev keeps its private PostgreSQL cluster.
func clusterDir(dataDir string) string { return filepath.Join(dataDir, "postgres") }

// dbMode says how a command finds its database when no URL is given.
type dbMode int

const (
	urlOnly      dbMode = iota // serve, worker: DATABASE_URL is required
	shareCluster               // admin commands: a running lianxi dev's cluster, or the data directory's cluster started for the command
	ownCluster                 // dev: start the data directory's cluster, creating it when new
	migrateOnly                // migrate: like shareCluster, and it migrates a DATABASE_URL too
)

// databaseURL returns the database URL of a command: the configured one,
// or the data directory's private cluster's (started or attached to as mode
// says), with what releases it.
func databaseURL(ctx context.Context, cfg *Config, log *slog.Logger, mode dbMode) (string, func(), error) {
	url, stopCluster := cfg.DatabaseURL, func() {}
	if url == "" {
		if mode == urlOnly {
			return "", nil, errors.New("no database: set DATABASE_URL (or --database-url)")
		}
		dir, err := filepath.Abs(clusterDir(cfg.DataDir))
		if err != nil {
			return "", nil, err
		}
		var cl *pgcluster.Cluster
		switch mode {
		case ownCluster:
			cl, err = pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Log: log})
			if errors.Is(err, pgcluster.ErrAlreadyRunning) {
				return "", nil, fmt.Errorf("another lianxi is already running on %s: stop it, or use another --data-dir", cfg.DataDir)
			}
		default:
			cl, err = pgcluster.Attach(ctx, dir, "lianxi")
			if errors.Is(err, pgcluster.ErrNotRunning) {
				if _, statErr := os.Stat(filepath.Join(dir, "data")); statErr != nil {
					return "", nil, fmt.Errorf("no database: set DATABASE_URL, or give the --data-dir of a lianxi dev installation (%s has none)", cfg.DataDir)
				}
				cl, err = pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Log: log})
			}
		}
		if err != nil {
			return "", nil, err
		}
		url, stopCluster = cl.URL(), func() { _ = cl.Stop() }
	}
	return url, stopCluster, nil
}

// database returns the store for a command, migrated and seeded. With a URL
// it connects there; otherwise it uses the private cluster of the data
// directory as mode says. The returned function releases what was opened.
func database(ctx context.Context, cfg *Config, log *slog.Logger, mode dbMode) (*postgres.Store, func(), error) {
	url, stopCluster, err := databaseURL(ctx, cfg, log, mode)
	if err != nil {
		return nil, nil, err
	}
	// Servers migrate and seed at start; administrative commands never
	// change the schema as a side effect, except on a lianxi dev data
	// directory, whose cluster is theirs as much as dev's.
	migrate := mode != shareCluster || cfg.DatabaseURL == ""
	if migrate {
		err = postgres.Migrate(ctx, url)
	} else {
		err = postgres.CheckSchema(ctx, url)
	}
	if err != nil {
		stopCluster()
		return nil, nil, err
	}
	store, err := postgres.Open(ctx, url, postgres.PoolOptions{MaxConns: int32(cfg.DBMaxConns)})
	if err != nil {
		stopCluster()
		return nil, nil, err
	}
	if migrate {
		if _, err := store.LoadSeed(ctx, seed.Name, seed.Organisations(), seed.Committees()); err != nil {
			store.Close()
			stopCluster()
			return nil, nil, fmt.Errorf("seed: %w", err)
		}
		if _, err := store.LoadProgrammes(ctx, seed.Programmes()); err != nil {
			store.Close()
			stopCluster()
			return nil, nil, fmt.Errorf("seed programmes: %w", err)
		}
		if _, err := store.LoadArchivedConsultation(ctx, seed.Consultation()); err != nil {
			store.Close()
			stopCluster()
			return nil, nil, fmt.Errorf("seed consultation: %w", err)
		}
	}
	return store, func() { store.Close(); stopCluster() }, nil
}

func newAuth(store *postgres.Store, cfg *Config, log *slog.Logger) (*auth.Service, error) {
	return auth.New(store, auth.Options{IdleTimeout: cfg.SessionIdle, AbsoluteTimeout: cfg.SessionAbsolute, SecureCookies: cfg.SecureCookies, Log: log})
}

// newRegistry returns the Prometheus registry with the process collectors
// and the Temporal SDK collector.
func newRegistry() (*prometheus.Registry, *metrics.Temporal) {
	reg := prometheus.NewRegistry()
	tm := metrics.NewTemporal()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), tm)
	return reg, tm
}

// defaultWorkflowCache is the worker's default sticky cache: the SDK's
// 10,000 held about 48 KB per cached workflow, several hundred MB once a
// year's tasks are open (BenchmarkDevProcess); a workflow not cached
// replays its history, a few dozen events for a task, when it next moves.
const defaultWorkflowCache = 500

// sizeWorkflowCache sets the process's sticky cache of workflows. It must
// run before any worker starts, the embedded server's own included: the
// cache is made once, at the size set when the first worker asks for it.
func sizeWorkflowCache(cfg *Config) {
	if cfg.WorkflowCache > 0 {
		worker.SetStickyWorkflowCacheSize(cfg.WorkflowCache)
	}
}

// newWorker registers every workflow and activity on the task queue.
func newWorker(c client.Client, cfg *Config, store *postgres.Store, authSvc *auth.Service) (worker.Worker, error) {
	notifier := &activities.Notifier{Store: store, Webhook: webhook.New(10 * time.Second), PublicURL: publicURL(cfg), Now: time.Now}
	if cfg.SMTP.Host != "" {
		s, err := email.New(cfg.SMTP)
		if err != nil {
			return nil, err
		}
		notifier.Email = s
	}
	w := worker.New(c, workflows.TaskQueue, worker.Options{})
	w.RegisterWorkflow(workflows.Housekeeping)
	w.RegisterWorkflow(workflows.Task)
	w.RegisterWorkflow(workflows.Reminders)
	w.RegisterWorkflow(workflows.MeetingCycle)
	w.RegisterWorkflow(workflows.Selection)
	w.RegisterWorkflow(workflows.Contest)
	w.RegisterWorkflow(workflows.Masterpieces)
	w.RegisterWorkflow(workflows.Consultation)
	w.RegisterActivity(&activities.Contests{Store: store})
	w.RegisterActivity(&activities.Consultations{Store: store})
	w.RegisterActivity(&activities.Activities{Sessions: authSvc, Keys: store, Tasks: store, Now: time.Now})
	w.RegisterActivity(notifier)
	w.RegisterActivity(&activities.Processes{Store: store, Experts: store.Experts, StartTask: tasks.New(store, c, nil).StartWorkflow, Now: time.Now})
	w.RegisterWorkflow(workflows.Cadence)
	w.RegisterActivity(&activities.Cadence{Store: store, StartCycle: meetings.New(store, c, tasks.New(store, c, nil), nil).StartByCadence, Now: time.Now})
	return w, nil
}

// codeSender delivers the one-time codes of the contests and the
// consultations: by e-mail when an
// SMTP server is configured, by SMS through the gateway's webhook when one
// is, and to the log under lianxi dev for what neither reaches.
func codeSender(cfg *Config, log *slog.Logger) (onetime.Codes, error) {
	codes := onetime.Codes{SMSURL: cfg.SMSWebhookURL, SMSSecret: cfg.SMSWebhookSecret}
	if cfg.SMTP.Host != "" {
		s, err := email.New(cfg.SMTP)
		if err != nil {
			return codes, err
		}
		codes.Email = s
	}
	if cfg.SMSWebhookURL != "" {
		codes.SMS = webhook.New(10 * time.Second)
	}
	if cfg.DevCodes {
		codes.DevLog = log
	}
	return codes, nil
}

// publicURL is where links in notifications point.
func publicURL(cfg *Config) string {
	if cfg.PublicURL != "" {
		return strings.TrimRight(cfg.PublicURL, "/")
	}
	return "http://" + cfg.HTTPAddr
}

// webServer builds the HTTP server: API, pages, health and metrics.
func webServer(cfg *Config, store *postgres.Store, authSvc *auth.Service, tc client.Client, reg *prometheus.Registry, log *slog.Logger) (*http.Server, error) {
	taskSvc := tasks.New(store, tc, nil)
	meetingSvc := meetings.New(store, tc, taskSvc, nil)
	selectionSvc := selections.New(store, store, tc, taskSvc, nil)
	codes, err := codeSender(cfg, log)
	if err != nil {
		return nil, err
	}
	contestSvc := contests.New(store, tc, taskSvc, codes, contests.Config{}, nil)
	masterpieceSvc := masterpieces.New(store, tc, taskSvc, nil)
	consultationSvc := consultations.New(store, tc, taskSvc, codes, consultations.Config{}, nil)
	pages, err := webui.New(webui.Deps{Auth: authSvc, Directory: store, Tasks: taskSvc, Ledger: store, Calendar: store, Notes: store,
		Contests:      contestSvc,
		Masterpieces:  masterpieceSvc,
		Consultations: consultationSvc,
		Meetings:      meetingSvc, Programmes: store, Selections: selectionSvc, Log: log})
	if err != nil {
		return nil, err
	}
	h := httpapi.Router(httpapi.Deps{
		Store: store, Auth: authSvc, Tasks: taskSvc, Meetings: meetingSvc, Selections: selectionSvc, Contests: contestSvc, Masterpieces: masterpieceSvc, Consultations: consultationSvc, Registry: reg, Log: log, Version: version,
		Pages: pages.Routes, PageNotFound: pages.NotFound,
		Ready: []httpapi.Check{
			{Name: "postgres", Check: store.Ping},
			{Name: "temporal", Check: func(ctx context.Context) error {
				_, err := tc.CheckHealth(ctx, &client.CheckHealthRequest{})
				return err
			}},
		},
	})
	return &http.Server{
		Addr: cfg.HTTPAddr, Handler: h,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}, nil
}

// listen binds the server's address before anything reports ready, so a
// busy port fails the start with a clear message.
func listen(srv *http.Server) (net.Listener, error) {
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return nil, fmt.Errorf("http: cannot listen on %s (is another lianxi running? use --http-addr): %w", srv.Addr, err)
	}
	return ln, nil
}

// serveUntilDone serves until ctx ends, then shuts the server down
// gracefully.
func serveUntilDone(ctx context.Context, srv *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
