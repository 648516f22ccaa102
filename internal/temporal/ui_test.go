//go:build !lianxi_ui

package temporal

import (
	"context"
	"strings"
	"testing"
)

// Without the UI compiled in, asking for it fails at once, before anything
// is started or created.
func TestDevServerUIPortWithoutUI(t *testing.T) {
	if WebUIBuiltIn() {
		t.Fatal("WebUIBuiltIn without -tags lianxi_ui")
	}
	_, err := StartDevServer(context.Background(), DevServerOptions{DataDir: t.TempDir(), Port: freePort(t), UIPort: freePort(t)})
	if err == nil || !strings.Contains(err.Error(), "lianxi_ui") {
		t.Fatalf("err = %v, want a hint at -tags lianxi_ui", err)
	}
}
