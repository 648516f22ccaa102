package httpapi

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes every route of Router; a test keeps the two in step.
//
//go:embed openapi.json
var openAPIDoc []byte

func (a *api) openapi(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(openAPIDoc)
}
