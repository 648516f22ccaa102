package temporal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// ClientOptions are what the app varies when it dials Temporal; everything
// else (logging level, health wait) is fixed by Dial.
type ClientOptions struct {
	HostPort  string // e.g. "127.0.0.1:7233"
	Namespace string
	// Logger receives the SDK's logs at WARN and above; nil means slog.Default().
	Logger *slog.Logger
	// MetricsHandler may be nil (no SDK metrics).
	MetricsHandler client.MetricsHandler
	// Identity defaults to the SDK's pid@hostname.
	Identity string
}

// Dial connects an SDK client (go.temporal.io/sdk/client) with the app's
// options: slog-backed logger at WARN, the given metrics handler (may be nil),
// and waits (bounded by ctx) until the frontend answers CheckHealth.
//
// Waiting matters because `lianxi dev` starts workers right after the
// embedded server, and `lianxi worker` is often started next to a cluster that
// is still coming up (compose, Kubernetes): failing at once would turn a
// start-up race into a crash loop.
func Dial(ctx context.Context, opts ClientOptions) (client.Client, error) {
	if opts.HostPort == "" {
		return nil, errors.New("dial temporal: empty HostPort")
	}
	copts := client.Options{
		HostPort:  opts.HostPort,
		Namespace: opts.Namespace,
		Logger:    sdklog.NewStructuredLogger(withMinLevel(opts.Logger, slog.LevelWarn)),
		Identity:  opts.Identity,
	}
	if opts.MetricsHandler != nil {
		copts.MetricsHandler = opts.MetricsHandler
	}

	var lastErr error
	backoff := 50 * time.Millisecond
	for {
		c, err := dialOnce(ctx, copts)
		if err == nil {
			return c, nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("dial temporal at %s: %w (last error: %v)", opts.HostPort, ctx.Err(), lastErr)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}

// dialOnce makes one attempt, each bounded so that a hung frontend cannot use
// up the caller's whole deadline in a single try.
func dialOnce(ctx context.Context, copts client.Options) (client.Client, error) {
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := client.DialContext(actx, copts)
	if err != nil {
		return nil, err
	}
	if _, err := c.CheckHealth(actx, &client.CheckHealthRequest{}); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
