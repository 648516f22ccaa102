package main

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"lianxi/internal/notify/email"
	"lianxi/internal/sweep"
)

// Config is everything a subcommand may need, built once from flags with
// environment fallbacks and passed down.
type Config struct {
	DataDir           string
	HTTPAddr          string
	DatabaseURL       string
	TemporalAddress   string
	TemporalNamespace string
	TemporalPort      int
	TemporalUIPort    int
	LogLevel          string
	MetricsAddr       string
	DBMaxConns        int
	SessionIdle       time.Duration
	SessionAbsolute   time.Duration
	SecureCookies     bool
	ReminderSchedule  string
	PublicURL         string
	SMTP              email.Config
	// SMSWebhookURL is the SMS gateway that carries the contests' one-time
	// codes to mobile numbers (?to=<number> is added), signed with
	// SMSWebhookSecret.
	SMSWebhookURL    string
	SMSWebhookSecret string
	// WorkflowCache is how many workflows the worker keeps in memory
	// between their events (the SDK's sticky cache).
	WorkflowCache int
	// DevCodes writes one-time codes no channel can carry to the log
	// (lianxi dev only).
	DevCodes bool
}

// flagSet declares the flags of a subcommand; each flag reads its default
// from an environment variable so containers can configure by environment.
type flagSet struct {
	*flag.FlagSet
	cfg *Config
}

func newFlags(name string, stdout io.Writer) *flagSet {
	fs := flag.NewFlagSet("lianxi "+name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	return &flagSet{FlagSet: fs, cfg: &Config{}}
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(env(key, "")); err == nil {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(env(key, "")); err == nil {
		return v
	}
	return def
}

func (f *flagSet) dataDir() {
	f.StringVar(&f.cfg.DataDir, "data-dir", env("LIANXI_DATA_DIR", "./data"), "data directory of lianxi dev (env LIANXI_DATA_DIR)")
}

func (f *flagSet) database() {
	f.StringVar(&f.cfg.DatabaseURL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL; empty with dev: a private cluster in the data directory (env DATABASE_URL)")
	f.IntVar(&f.cfg.DBMaxConns, "db-max-conns", envInt("LIANXI_DB_MAX_CONNS", 0), "connection pool size; 0: pgx default (env LIANXI_DB_MAX_CONNS)")
}

func (f *flagSet) http() {
	f.StringVar(&f.cfg.HTTPAddr, "http-addr", env("LIANXI_HTTP_ADDR", "127.0.0.1:8080"), "HTTP listen address (env LIANXI_HTTP_ADDR)")
	f.DurationVar(&f.cfg.SessionIdle, "session-idle", envDuration("LIANXI_SESSION_IDLE", 30*time.Minute), "idle timeout of a session (env LIANXI_SESSION_IDLE)")
	f.DurationVar(&f.cfg.SessionAbsolute, "session-absolute", envDuration("LIANXI_SESSION_ABSOLUTE", 12*time.Hour), "absolute lifetime of a session (env LIANXI_SESSION_ABSOLUTE)")
	f.BoolVar(&f.cfg.SecureCookies, "secure-cookies", env("LIANXI_SECURE_COOKIES", "") == "true", "users reach Lianxi over HTTPS through a proxy: Secure, __Host- cookies (env LIANXI_SECURE_COOKIES=true)")
}

func (f *flagSet) temporalClient() {
	f.StringVar(&f.cfg.TemporalAddress, "temporal-address", env("TEMPORAL_ADDRESS", "127.0.0.1:7233"), "Temporal frontend host:port (env TEMPORAL_ADDRESS)")
	f.StringVar(&f.cfg.TemporalNamespace, "temporal-namespace", env("TEMPORAL_NAMESPACE", "lianxi"), "Temporal namespace (env TEMPORAL_NAMESPACE)")
}

func (f *flagSet) temporalDev() {
	f.IntVar(&f.cfg.TemporalPort, "temporal-port", envInt("LIANXI_TEMPORAL_PORT", 7233), "port of the embedded Temporal frontend (env LIANXI_TEMPORAL_PORT)")
	f.IntVar(&f.cfg.TemporalUIPort, "temporal-ui-port", envInt("LIANXI_TEMPORAL_UI_PORT", 0), "port of the Temporal Web UI; 0: off (env LIANXI_TEMPORAL_UI_PORT)")
	f.cfg.TemporalNamespace = "lianxi"
}

// schedule declares the cron ticks' settings (dev, serve).
func (f *flagSet) schedule() {
	f.StringVar(&f.cfg.ReminderSchedule, "reminder-schedule", env("LIANXI_REMINDER_SCHEDULE", sweep.DefaultReminderSchedule), "cron schedule of the reminder sweep, Asia/Shanghai time (env LIANXI_REMINDER_SCHEDULE)")
}

// notifications declares how the worker delivers notifications (dev,
// worker). The SMTP password is read from the environment only, so it never
// shows in a process list.
func (f *flagSet) notifications() {
	f.StringVar(&f.cfg.PublicURL, "public-url", env("LIANXI_PUBLIC_URL", ""), "address people open Lianxi at, for links in notifications; default http://<http-addr> (env LIANXI_PUBLIC_URL)")
	f.StringVar(&f.cfg.SMTP.Host, "smtp-host", env("LIANXI_SMTP_HOST", ""), "SMTP server for e-mail notifications; empty: no e-mail (env LIANXI_SMTP_HOST)")
	f.IntVar(&f.cfg.SMTP.Port, "smtp-port", envInt("LIANXI_SMTP_PORT", 0), "SMTP port; 0: by TLS mode (env LIANXI_SMTP_PORT)")
	f.StringVar(&f.cfg.SMTP.Username, "smtp-username", env("LIANXI_SMTP_USERNAME", ""), "SMTP user; the password comes from LIANXI_SMTP_PASSWORD (env LIANXI_SMTP_USERNAME)")
	f.StringVar(&f.cfg.SMTP.From, "smtp-from", env("LIANXI_SMTP_FROM", ""), "sender address of notifications (env LIANXI_SMTP_FROM)")
	f.StringVar(&f.cfg.SMTP.TLS, "smtp-tls", env("LIANXI_SMTP_TLS", "starttls"), "none, starttls or tls (env LIANXI_SMTP_TLS)")
	f.cfg.SMTP.Password = env("LIANXI_SMTP_PASSWORD", "")
	f.StringVar(&f.cfg.SMSWebhookURL, "sms-webhook-url", env("LIANXI_SMS_WEBHOOK_URL", ""), "SMS gateway webhook for one-time codes to mobile numbers; empty: e-mail codes only (env LIANXI_SMS_WEBHOOK_URL)")
	f.cfg.SMSWebhookSecret = env("LIANXI_SMS_WEBHOOK_SECRET", "")
}

// workerOptions declares the worker's settings (dev, worker).
func (f *flagSet) workerOptions() {
	f.IntVar(&f.cfg.WorkflowCache, "workflow-cache", envInt("LIANXI_WORKFLOW_CACHE", defaultWorkflowCache),
		"workflows the worker keeps in memory between their events; others are replayed from their history when they next move (env LIANXI_WORKFLOW_CACHE)")
}

func (f *flagSet) logging() {
	f.StringVar(&f.cfg.LogLevel, "log-level", env("LIANXI_LOG_LEVEL", "info"), "debug, info, warn or error (env LIANXI_LOG_LEVEL)")
}

// parse parses args and checks that no positional argument is left over
// unless the command takes some.
func (f *flagSet) parse(args []string) (*Config, error) {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		}
		return nil, errUsage
	}
	return f.cfg, nil
}

func (c *Config) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(c.LogLevel))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
