package temporal

import (
	"context"
	"log/slog"
	"sync/atomic"

	srvlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// minLevelHandler drops records below a minimum level before they reach the
// wrapped handler. The app's logger is usually at INFO or DEBUG, while the
// Temporal server and SDK are chatty at those levels (membership, shard and
// poller lifecycle), so both are filtered to WARN unless asked otherwise.
type minLevelHandler struct {
	min  slog.Leveler
	next slog.Handler
}

func withMinLevel(l *slog.Logger, min slog.Leveler) *slog.Logger {
	if l == nil {
		l = slog.Default()
	}
	if min == nil {
		min = slog.LevelWarn
	}
	return slog.New(&minLevelHandler{min: min, next: l.Handler()})
}

func (h *minLevelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min.Level() && h.next.Enabled(ctx, level)
}

func (h *minLevelHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.next.Handle(ctx, r)
}

func (h *minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &minLevelHandler{min: h.min, next: h.next.WithAttrs(attrs)}
}

func (h *minLevelHandler) WithGroup(name string) slog.Handler {
	return &minLevelHandler{min: h.min, next: h.next.WithGroup(name)}
}

// serverLogger maps the Temporal server's log.Logger (zap-style tags) onto
// slog, so `lianxi dev` writes one log stream in one format.
type serverLogger struct {
	l *slog.Logger
	// quiet is set when the dev server stops. From then on only errors pass:
	// services shutting down one after the other warn about pollers and
	// dials failing against the ones already gone, and the server leaves a
	// few internal gRPC connections that keep redialling after Stop. All of
	// it is expected, none of it is actionable.
	quiet *atomic.Bool
}

func newServerLogger(l *slog.Logger) serverLogger {
	return serverLogger{l: l, quiet: new(atomic.Bool)}
}

var (
	_ srvlog.Logger     = serverLogger{}
	_ srvlog.WithLogger = serverLogger{}
)

func (s serverLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if level < slog.LevelError && s.quiet.Load() {
		return
	}
	if !s.l.Enabled(ctx, level) {
		return // the common case at WARN: skip converting the tags
	}
	s.l.LogAttrs(ctx, level, msg, tagsToAttrs(tags)...)
}

func tagsToAttrs(tags []tag.Tag) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		if t == nil {
			continue
		}
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	return attrs
}

func (s serverLogger) Debug(msg string, tags ...tag.Tag) { s.log(slog.LevelDebug, msg, tags) }
func (s serverLogger) Info(msg string, tags ...tag.Tag)  { s.log(slog.LevelInfo, msg, tags) }
func (s serverLogger) Warn(msg string, tags ...tag.Tag)  { s.log(slog.LevelWarn, msg, tags) }
func (s serverLogger) Error(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

// DPanic panics only in the server's development builds; here it is an error.
func (s serverLogger) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

// Panic keeps the contract of the server's zap logger (callers do not expect
// it to return).
func (s serverLogger) Panic(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError, msg, tags)
	panic(serverFatal{msg: msg, attrs: tagsToAttrs(tags)})
}

// Fatal exits the process under zap. An embedded dev server must not kill
// `lianxi dev` from inside a library, and callers (e.g. the gRPC listener
// setup) do not expect Fatal to return, so it panics with serverFatal:
// StartDevServer recovers it during start-up and turns it into an error.
func (s serverLogger) Fatal(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError, msg, tags)
	panic(serverFatal{msg: msg, attrs: tagsToAttrs(tags)})
}

func (s serverLogger) With(tags ...tag.Tag) srvlog.Logger {
	if len(tags) == 0 {
		return s
	}
	args := make([]any, 0, len(tags))
	for _, a := range tagsToAttrs(tags) {
		args = append(args, a)
	}
	return serverLogger{l: s.l.With(args...), quiet: s.quiet}
}

// serverFatal is the panic value of serverLogger.Fatal and Panic.
type serverFatal struct {
	msg   string
	attrs []slog.Attr
}

func (f serverFatal) Error() string {
	s := "temporal server: " + f.msg
	for _, a := range f.attrs {
		s += " " + a.String()
	}
	return s
}
