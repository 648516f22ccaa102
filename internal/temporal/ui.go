//go:build !lianxi_ui

package temporal

import (
	"context"
	"errors"
	"log/slog"
)

// WebUIBuiltIn reports whether this binary can serve the Temporal Web UI
// (DevServerOptions.UIPort). The UI embeds about 230 MB of assets, so it is
// only compiled in with `-tags lianxi_ui`; ordinary builds stay small.
func WebUIBuiltIn() bool { return false }

// uiServer is the running Web UI; see ui_embedded.go.
type uiServer struct {
	url  string
	stop func()
}

func startUI(context.Context, string, int, string, *slog.Logger) (*uiServer, error) {
	return nil, errors.New("this binary was built without the Temporal Web UI (rebuild with -tags lianxi_ui, or use UIPort 0)")
}
