package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"lianxi/internal/auth"
	"lianxi/internal/httpapi"
)

// TestOpenAPIMatchesTheRouter keeps the document true: every API route is
// described and every described operation is routed.
func TestOpenAPIMatchesTheRouter(t *testing.T) {
	svc, err := auth.New(nil, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := httpapi.Router(httpapi.Deps{Auth: svc, Registry: prometheus.NewRegistry()})
	routed := map[string]bool{}
	err = chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routed[method+" "+strings.TrimSuffix(route, "/")] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	described := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op struct {
				OperationID string                     `json:"operationId"`
				Responses   map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatal(err)
			}
			if op.OperationID == "" || len(op.Responses) == 0 {
				t.Errorf("%s %s lacks an operationId or responses", method, path)
			}
			described[strings.ToUpper(method)+" "+path] = true
		}
	}
	var missing, extra []string
	for k := range routed {
		if !described[k] {
			missing = append(missing, k)
		}
	}
	for k := range described {
		if !routed[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.json: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("openapi.json describes routes that do not exist: %v", extra)
	}
	// Path parameters in the document are declared.
	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			for _, m := range param.FindAllStringSubmatch(path, -1) {
				if !strings.Contains(string(raw), `"name": "`+m[1]+`"`) && !strings.Contains(string(raw), `"name":"`+m[1]+`"`) {
					t.Errorf("%s %s does not declare parameter %s", method, path, m[1])
				}
			}
		}
	}
}
