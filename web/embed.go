// Package web holds the files of Lianxi's server-rendered user interface:
// html/template templates (layouts, partials, pages), static assets (CSS,
// icon) and the message catalogues. They are embedded in the binary so that a
// deployment is one file and the templates a binary runs are the ones its
// tests checked.
//
// The Go code that uses them lives elsewhere: internal/webui renders the
// pages and serves the assets under content-hashed URLs; internal/i18n reads
// the catalogues.
package web

import "embed"

// FS holds templates/, static/ and i18n/.
//
//go:embed templates static i18n
var FS embed.FS
