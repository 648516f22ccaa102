// Package httpapi is Lianxi's HTTP interface: the JSON API under /api/v1,
// health and metrics endpoints, and the mounting of the server-rendered
// pages. Every route is listed in Router, in one place.
package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"lianxi/internal/auth"
	"lianxi/internal/consultations"
	"lianxi/internal/contests"
	"lianxi/internal/domain"
	"lianxi/internal/masterpieces"
	"lianxi/internal/meetings"
	"lianxi/internal/postgres"
	"lianxi/internal/selections"
	"lianxi/internal/tasks"
	"lianxi/workflows"
)

// Check is a named readiness check.
type Check struct {
	Name  string
	Check func(context.Context) error
}

// Deps are what the HTTP layer needs; cmd builds them.
type Deps struct {
	Store         *postgres.Store
	Auth          *auth.Service
	Tasks         *tasks.Service
	Meetings      *meetings.Service
	Selections    *selections.Service
	Contests      *contests.Service
	Masterpieces  *masterpieces.Service
	Consultations *consultations.Service
	Ready         []Check
	Registry      *prometheus.Registry // metrics are registered here and served at /metrics
	Gatherer      prometheus.Gatherer  // defaults to Registry
	Pages         func(chi.Router)     // mounts the server-rendered pages; nil for none
	// PageNotFound answers unknown paths outside /api with a page; nil: a
	// problem document everywhere.
	PageNotFound http.HandlerFunc
	Log          *slog.Logger
	Version      string
}

type api struct {
	Deps
	problems    problemWriter
	publicLimit *auth.AddressLimiter
}

// Router returns the HTTP handler with every route.
func Router(d Deps) *chi.Mux {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Gatherer == nil {
		d.Gatherer = d.Registry
	}
	a := &api{Deps: d, problems: problemWriter{log: d.Log}, publicLimit: auth.NewAddressLimiter(6, 3)}
	m := newHTTPMetrics(d.Registry)

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(a.crossOrigin))
	r := chi.NewRouter()
	r.Use(middleware.RequestID, m.middleware, recoverer(a.problems), securityHeaders)
	r.Use(d.Auth.Middleware, csrf.Handler)
	r.NotFound(a.notFound)
	r.MethodNotAllowed(a.methodNotAllowed)

	r.Get("/healthz", a.healthz)
	r.Get("/readyz", a.readyz)
	r.With(a.metricsAccess).Method(http.MethodGet, "/metrics", promhttp.HandlerFor(d.Gatherer, promhttp.HandlerOpts{}))

	r.Route("/api/v1", func(r chi.Router) {
		r.Use(a.idempotent)
		r.Get("/openapi.json", a.openapi)
		r.Post("/login", a.login)
		r.Post("/logout", a.logout)
		r.Get("/me", a.me)

		r.Get("/committees", a.listCommittees)
		r.Get("/committees/{code}", a.getCommittee)
		r.Get("/committees/{code}/escalation", a.getLadder)
		r.Put("/committees/{code}/escalation", a.setLadder)
		r.Put("/committees/{code}/cadence", a.setCadence)
		r.Get("/organisations", a.listOrganisations)
		r.Get("/organisations/{code}", a.getOrganisation)
		r.Post("/organisations/{code}/rename", a.renameOrganisation)
		r.Post("/organisations/{code}/merge", a.mergeOrganisation)

		r.Get("/users", a.listUsers)
		r.Post("/users", a.createUser)
		r.Put("/users/{username}/password", a.setPassword)
		r.Post("/users/{username}/disable", a.disableUser)
		r.Post("/users/{username}/enable", a.enableUser)

		r.Get("/tasks", a.listTasks)
		r.Post("/tasks", a.createTask)
		r.Get("/tasks/{id}", a.getTask)
		r.Post("/tasks/{id}/submit", taskAction(a, workflows.UpdateSubmit, func(q *workflows.SubmitRequest, x workflows.Action) { q.Action = x }))
		r.Post("/tasks/{id}/contribute", taskAction(a, workflows.UpdateContribute, func(q *workflows.ContributeRequest, x workflows.Action) { q.Action = x }))
		r.Post("/tasks/{id}/return", taskAction(a, workflows.UpdateReturn, func(q *workflows.ReasonRequest, x workflows.Action) { q.Action = x }))
		r.Post("/tasks/{id}/accept", taskAction(a, workflows.UpdateAccept, func(q *workflows.ReasonRequest, x workflows.Action) { q.Action = x }))
		r.Post("/tasks/{id}/cancel", taskAction(a, workflows.UpdateCancel, func(q *workflows.ReasonRequest, x workflows.Action) { q.Action = x }))
		r.Post("/tasks/{id}/extension", taskAction(a, workflows.UpdateRequestExtension, func(q *workflows.ExtensionRequest, x workflows.Action) { q.Action = x }))
		r.Post("/tasks/{id}/extension/decision", taskAction(a, workflows.UpdateDecideExtension, func(q *workflows.ExtensionDecision, x workflows.Action) { q.Action = x }))
		r.Post("/tasks/{id}/dispatch", taskAction(a, workflows.UpdateDispatch, func(q *workflows.DispatchRequest, x workflows.Action) { q.Action = x }))
		r.Post("/tasks/{id}/comments", a.addComment)
		r.Post("/tasks/{id}/attachments", a.uploadAttachment)
		r.Get("/tasks/{id}/attachments/{attachment}", a.downloadAttachment)
		r.Get("/deputies", a.listDeputies)
		r.Post("/deputies", a.addDeputy)
		r.Delete("/deputies/{id}", a.removeDeputy)

		r.Get("/committees/{code}/cycles", a.listCycles)
		r.Post("/committees/{code}/cycles", a.startCycle)
		r.Get("/committees/{code}/meetings.ics", a.meetingsFeed(false))
		r.Get("/organisations/{code}/meetings.ics", a.meetingsFeed(true))
		r.Get("/cycles/{id}", a.getCycle)
		r.Get("/cycles/{id}/history", a.cycleHistory)
		r.Post("/cycles/{id}/items", cycleAction(a, workflows.UpdateAddItem, func(q *workflows.AddItemRequest, x workflows.Action) { q.Action = x }, nil))
		r.Post("/cycles/{id}/close-agenda-call", cycleAction(a, workflows.UpdateCloseAgendaCall, func(q *workflows.NoteRequest, x workflows.Action) { q.Action = x }, nil))
		r.Post("/cycles/{id}/extend-agenda-call", cycleAction(a, workflows.UpdateExtendAgenda, func(q *workflows.ExtendRequest, x workflows.Action) { q.Action = x }, nil))
		r.Post("/cycles/{id}/compile", cycleAction(a, workflows.UpdateCompile, func(q *workflows.CompileRequest, x workflows.Action) { q.Action = x }, nil))
		r.Post("/cycles/{id}/approve", cycleAction(a, workflows.UpdateApproveAgenda, func(q *workflows.NoteRequest, x workflows.Action) { q.Action = x }, nil))
		r.Post("/cycles/{id}/return", cycleAction(a, workflows.UpdateReturnAgenda, func(q *workflows.ReturnAgendaRequest, x workflows.Action) { q.Action = x }, nil))
		r.Post("/cycles/{id}/notice", cycleAction(a, workflows.UpdateNotice, func(q *workflows.NoticeRequest, x workflows.Action) { q.Action = x }, nil))
		r.Post("/cycles/{id}/record", cycleAction(a, workflows.UpdateRecord, func(q *workflows.RecordRequest, x workflows.Action) { q.Action = x }, nil))
		r.Post("/cycles/{id}/cancel", cycleAction(a, workflows.UpdateCancelCycle, func(q *workflows.ReasonRequest, x workflows.Action) { q.Action = x }, nil))
		r.Post("/cycles/{id}/decisions/{decision}/carry-over", cycleAction(a, workflows.UpdateCarryOver,
			func(q *workflows.CarryOverRequest, x workflows.Action) { q.Action = x },
			func(q *workflows.CarryOverRequest, r *http.Request) (err error) {
				q.Decision, err = decisionParam(r)
				return err
			}))
		r.Post("/cycles/{id}/decisions/{decision}/accept", a.followUp(true))
		r.Post("/cycles/{id}/decisions/{decision}/return", a.followUp(false))

		r.Get("/programmes", a.listProgrammes)
		r.Get("/programmes/{code}", a.getProgramme)
		r.Put("/programmes/{code}", a.putProgramme)
		r.Get("/experts", a.listExperts)
		r.Put("/experts/{username}", a.putExpert)

		a.selectionRoutes(r)
		a.contestRoutes(r)
		a.masterpieceRoutes(r)
		a.consultationRoutes(r)

		r.Get("/ledger", a.ledgerStats)
		r.Get("/ledger.xlsx", a.ledgerExport("xlsx"))
		r.Get("/ledger.csv", a.ledgerExport("csv"))

		r.Get("/notifications", a.listNotifications)
		r.Post("/notifications/{id}/read", a.readNotification)
		r.Post("/notifications/read-all", a.readAllNotifications)
		r.Put("/me/channels", a.setMyChannels)
		r.Put("/organisations/{code}/channels", a.setDepartmentChannels)

		r.Get("/audit", a.listAudit)
		r.Get("/audit/verify", a.verifyAudit)
	})
	if d.Pages != nil {
		r.Group(d.Pages)
	}
	return r
}

func (a *api) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": a.Version})
}

// readyz answers 200 when every dependency answers, else 503 naming the ones
// that did not.
func (a *api) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	status, checks := http.StatusOK, map[string]string{}
	var failed []string
	for _, c := range a.Ready {
		if err := c.Check(ctx); err != nil {
			a.Log.Warn("readiness check failed", "check", c.Name, "err", err)
			checks[c.Name] = "unavailable"
			failed = append(failed, c.Name)
			status = http.StatusServiceUnavailable
		} else {
			checks[c.Name] = "ok"
		}
	}
	body := map[string]any{"checks": checks, "status": "ready"}
	if status != http.StatusOK {
		body["status"] = "not ready"
		body["failed"] = failed
	}
	writeJSON(w, status, body)
}

// crossOrigin answers a write refused by the cross-origin protection
// (CSRF): audited like any refused access.
func (a *api) crossOrigin(w http.ResponseWriter, r *http.Request) {
	u, _ := auth.UserFrom(r.Context())
	actor := u.Username
	if actor == "" {
		actor = "anonymous"
	}
	a.Auth.Audit(r.Context(), actor, "access", r.Method+" "+r.URL.Path, domain.AuditDenied, auth.RequestMeta(r))
	a.problems.write(w, r, &requestErr{status: http.StatusForbidden, key: "error.csrf"})
}

// metricsAccess lets scrapers on this machine (the usual sidecar) and
// administrators, by session or bearer token, read /metrics; runtime and
// route figures are not for everyone.
func (a *api) metricsAccess(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip := net.ParseIP(auth.ClientIP(r)); ip != nil && ip.IsLoopback() {
			next.ServeHTTP(w, r)
			return
		}
		if _, ok := a.admin(w, r); ok {
			next.ServeHTTP(w, r)
		}
	})
}

func (a *api) notFound(w http.ResponseWriter, r *http.Request) {
	if a.PageNotFound != nil && !strings.HasPrefix(r.URL.Path, "/api/") {
		a.PageNotFound(w, r)
		return
	}
	a.problems.write(w, r, &requestErr{status: http.StatusNotFound, key: "error.route_not_found"})
}

func (a *api) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	a.problems.write(w, r, &requestErr{status: http.StatusMethodNotAllowed, key: "error.method_not_allowed"})
}

// securityHeaders sets headers that cost nothing and close whole classes of
// attack: no MIME sniffing, no framing, no referrer leaks, a strict content
// security policy for the pages.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		next.ServeHTTP(w, r)
	})
}

// recoverer turns a panic into a 500 problem with the request id, logging the
// panic; the process keeps serving.
func recoverer(p problemWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					p.log.Error("panic", "value", v, "path", r.URL.Path, "request_id", middleware.GetReqID(r.Context()))
					p.write(w, r, &requestErr{status: http.StatusInternalServerError, key: "error.internal"})
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}
