package webui

import "github.com/go-chi/chi/v5"

// consultationPublicRoutes mounts the public's pages of consultations:
// the list, a draft with its comment form, the adoption report.
func (p *Pages) consultationPublicRoutes(r chi.Router) {}
