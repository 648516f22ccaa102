// Package temporal connects Lianxi to Temporal: the embedded development
// server behind `lianxi dev` (a real Temporal server with its SQLite store
// in one file, so meetings survive restarts without a separate install),
// dialling SDK clients with the app's logging and metrics, and registering
// the namespace and the custom search attributes the app relies on, both on
// the dev server and on an external cluster.
//
// The Temporal Web UI for the dev server is only compiled in with
// `-tags lianxi_ui` (it embeds about 230 MB of assets); see WebUIBuiltIn.
//
// The package name clashes with the server's go.temporal.io/server/temporal
// package; this package imports that one as temporalsrv.
package temporal
