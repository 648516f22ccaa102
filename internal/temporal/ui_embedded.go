//go:build lianxi_ui

package temporal

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// WebUIBuiltIn reports whether this binary can serve the Temporal Web UI
// (DevServerOptions.UIPort): true, it was built with -tags lianxi_ui.
func WebUIBuiltIn() bool { return true }

// uiServer is the running Web UI.
type uiServer struct {
	url  string
	stop func()
}

// startUI serves the Temporal Web UI on 127.0.0.1:port and returns once it
// answers its health check, bounded by ctx.
//
// The ui-server exits the process (echo's Logger.Fatal) when it cannot
// listen, and its listener is not injectable: StartDevServer checks the port
// first, which leaves only a narrow race.
func startUI(ctx context.Context, frontendHostPort string, port int, namespace string, logger *slog.Logger) (ui *uiServer, err error) {
	cfg := &uiconfig.Config{
		Host:                devHost,
		Port:                port,
		TemporalGRPCAddress: frontendHostPort,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		// Plain http on loopback: a Secure cookie would never be sent back.
		CORS:     uiconfig.CORS{CookieInsecure: true},
		HideLogs: true,
		// No internet on the machines `lianxi dev` runs on, and no need.
		NotifyOnNewVersion: false,
	}
	var srv *uiserver.Server
	func() {
		// NewServer panics on a bad config rather than returning an error.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("create UI server: %v", r)
			}
		}()
		srv = uiserver.NewServer(uiserveroptions.WithConfigProvider(cfg))
	}()
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- srv.Start() }()

	hostPort := net.JoinHostPort(devHost, strconv.Itoa(port))
	url := "http://" + hostPort
	for {
		if err := uiHealthy(ctx, url); err == nil {
			break
		}
		select {
		case err := <-done:
			return nil, fmt.Errorf("UI server stopped at start: %v", err)
		case <-ctx.Done():
			srv.Stop()
			return nil, fmt.Errorf("UI server did not answer on %s: %w", url, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	logger.Debug("Temporal Web UI ready", "url", url)
	return &uiServer{url: url, stop: srv.Stop}, nil
}

func uiHealthy(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz: %s", resp.Status)
	}
	return nil
}
