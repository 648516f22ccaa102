//go:build lianxi_ui

package temporal

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// The Web UI is served and reaches the frontend: its page loads and its API
// lists the dev namespace.
func TestDevServerWebUI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t0 := time.Now()
	s, err := StartDevServer(ctx, DevServerOptions{DataDir: t.TempDir(), Port: freePort(t), UIPort: freePort(t), Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	t.Logf("StartDevServer with UI on a fresh dir: %v; UI at %s", time.Since(t0), s.UIURL())
	if s.UIURL() == "" {
		t.Fatal("no UI URL")
	}
	if path := os.Getenv("LIANXI_UI_URL_FILE"); path != "" { // lets a person or a browser look at it
		_ = os.WriteFile(path, []byte(s.UIURL()), 0o644)
	}

	get := func(path string) string {
		t.Helper()
		resp, err := http.Get(s.UIURL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s %s", path, resp.Status, body)
		}
		return string(body)
	}
	if page := get("/"); !strings.Contains(strings.ToLower(page), "<html") {
		t.Fatalf("GET / is not a page: %.200s", page)
	}
	var ns struct {
		Namespaces []struct {
			NamespaceInfo struct{ Name string } `json:"namespaceInfo"`
		} `json:"namespaces"`
	}
	if err := json.Unmarshal([]byte(get("/api/v1/namespaces")), &ns); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range ns.Namespaces {
		found = found || n.NamespaceInfo.Name == DefaultNamespace
	}
	if !found {
		t.Fatalf("namespace %s not listed by the UI API: %+v", DefaultNamespace, ns)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
}
