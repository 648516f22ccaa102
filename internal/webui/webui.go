// Package webui serves Lianxi's server-rendered pages: sign-in, the
// dashboard, the committees and organisations of the plans, user
// administration, the department inbox and task pages, the office board,
// the supervision ledger, the working-day calendar, the joint meetings'
// cycles with their printable agendas and minutes, and the selection
// rounds (a round's page by role, an expert's reviews, and the public call,
// notice and results, which need no sign-in). Handlers stay
// small — read the form, check the role, call the service, render — and every word on a page comes from the i18n
// catalogues, so a page exists in Chinese and English alike.
//
// The package depends on the services it calls only through the small
// interfaces below, which auth.Service, tasks.Service, meetings.Service and
// postgres.Store satisfy; tests pass fakes. Cross-origin protection and the middleware that puts the signed-in
// user into the request context are applied by the router around these
// routes, not here.
package webui

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/web"
)

// Auth is what the pages need of the accounts service (auth.Service).
type Auth interface {
	Login(ctx context.Context, in auth.LoginInput) (auth.Session, error)
	Logout(ctx context.Context, token string, meta auth.Meta) error
	CreateUser(ctx context.Context, actor domain.User, in domain.NewUser, meta auth.Meta) (domain.User, error)
	ImportUsers(ctx context.Context, actor domain.User, csv io.Reader, meta auth.Meta) (auth.ImportResult, error)
	ListUsers(ctx context.Context, actor domain.User) ([]domain.User, error)
}

// Directory is what the pages need of storage to show committees and
// organisations (postgres.Store).
type Directory interface {
	ListCommittees(ctx context.Context) ([]domain.Committee, error)
	GetCommittee(ctx context.Context, code string) (domain.Committee, error)
	ListOrganisations(ctx context.Context) ([]domain.Organisation, error)
}

// Auditor appends to the audit trail (auth.Service). The pages use it to
// record refused access, which the security rules require to be audited
// like any state change.
type Auditor interface {
	Audit(ctx context.Context, actor, action, object string, result domain.AuditResult, meta auth.Meta)
}

// Deps are the dependencies of the pages. Log may be nil (slog.Default).
// Audit may be nil, in which case Auth is used when it can audit (as
// auth.Service can) and nothing is audited otherwise. Tasks, Ledger and
// Calendar may be nil: the pages that need them then answer 404 and leave
// the navigation.
type Deps struct {
	Auth      Auth
	Directory Directory
	Audit     Auditor
	Tasks     Tasks
	Ledger    Ledger
	Calendar  Calendar
	Notes     Notifications
	Meetings  Meetings
	Log       *slog.Logger
	Now       func() time.Time // the clock deadlines are judged by; nil: time.Now

	// Programmes may be nil: the selection programme pages then answer 404.
	Programmes Programmes
	// Selections may be nil: the selection rounds' pages (their lists, a
	// round, an expert's reviews, the public call, notice and results)
	// then answer 404.
	Selections Selections
	// Contests may be nil: the idea contest's pages (the public's and the
	// reform office's) are then not mounted.
	Contests Contests
	// Masterpieces may be nil: the pages of the cultural masterpiece
	// projects (the years, a year's portfolio, a project, a seminar's
	// agenda and minutes) are then not mounted.
	Masterpieces Masterpieces
	// Consultations may be nil: the pages of consultations on drafts (the
	// public's draft, comment form and report; the drafting office's) are
	// then not mounted.
	Consultations Consultations
}

// Pages renders and serves the pages. Build it with New.
type Pages struct {
	auth     Auth
	dir      Directory
	audit    Auditor
	tasks    Tasks
	ledger   Ledger
	cal      Calendar
	notes    Notifications
	meet     Meetings
	progs    Programmes
	sel      Selections
	contests Contests
	mp       Masterpieces
	consult  Consultations
	public   *auth.AddressLimiter
	log      *slog.Logger
	tpl      *templates
	assets   *assets
	now      func() time.Time
}

// New checks the dependencies, parses every template and hashes the static
// assets, so that a missing or broken template stops the process at start
// instead of failing the first person who opens the page.
func New(d Deps) (*Pages, error) {
	if d.Auth == nil || d.Directory == nil {
		return nil, errors.New("webui: Auth and Directory are required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Audit == nil {
		d.Audit, _ = d.Auth.(Auditor)
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	tpl, err := parseTemplates(web.FS, as)
	if err != nil {
		return nil, err
	}
	return &Pages{auth: d.Auth, dir: d.Directory, audit: d.Audit, tasks: d.Tasks, ledger: d.Ledger, cal: d.Calendar, notes: d.Notes,
		meet: d.Meetings, progs: d.Programmes, sel: d.Selections, contests: d.Contests, mp: d.Masterpieces, consult: d.Consultations, public: auth.NewAddressLimiter(6, 5), log: d.Log, tpl: tpl, assets: as, now: d.Now}, nil
}

// Routes mounts the pages on a router. The router is expected to apply
// http.CrossOriginProtection and the auth middleware to every route; no
// route here changes state on GET.
func (p *Pages) Routes(r chi.Router) {
	r.Get("/static/*", p.assets.serve)
	r.Group(func(r chi.Router) {
		r.Use(rememberLang)
		r.Get("/", p.dashboard)
		r.Get("/login", p.loginForm)
		r.Post("/login", p.login)
		r.Post("/logout", p.logout)
		r.Get("/committees", p.committees)
		r.Get("/committees/{code}", p.committee)
		r.Get("/organisations", p.organisations)
		r.Get("/users", p.users)
		r.Post("/users", p.createUser)
		r.Post("/users/import", p.importUsers)

		r.Get("/tasks", p.inbox)
		r.Get("/tasks/{id}", p.task)
		r.Post("/tasks/{id}/comments", p.taskComment)
		r.Post("/tasks/{id}/attachments", p.taskAttach)
		r.Get("/tasks/{id}/attachments/{attachment}", p.taskAttachment)
		r.Post("/tasks/{id}/{action}", p.taskAction)
		r.Get("/board", p.board)
		r.Get("/notifications", p.notificationsPage)
		r.Post("/notifications/read-all", p.readAllNotifications)
		r.Post("/notifications/{id}/open", p.openNotification)
		r.Get("/ledger", p.ledgerPage)
		r.Get("/admin/calendar", p.calendarPage)
		r.Post("/admin/calendar", p.setOverride)
		r.Post("/admin/calendar/delete", p.deleteOverride)

		r.Get("/committees/{code}/cycles", p.cycles)
		r.Post("/committees/{code}/cycles", p.startCycle)
		r.Get("/cycles/{id}", p.cycle)
		r.Get("/cycles/{id}/agenda", p.agendaPrint)
		r.Get("/cycles/{id}/minutes", p.minutesPrint)
		r.Post("/cycles/{id}/decisions/{decision}/{action}", p.cycleAction)
		r.Post("/cycles/{id}/{action}", p.cycleAction)

		r.Get("/programmes", p.programmes)
		r.Get("/programmes/{code}", p.programme)
		r.Post("/programmes/{code}", p.saveProgramme)

		r.Get("/programmes/{code}/rounds", p.rounds)
		r.Post("/programmes/{code}/rounds", p.startRound)
		r.Get("/rounds/{id}", p.round)
		r.Post("/rounds/{id}/entries/{entry}/{action}", p.roundAction)
		r.Post("/rounds/{id}/objections/{objection}/{action}", p.roundAction)
		r.Post("/rounds/{id}/{action}", p.roundAction)
		r.Get("/reviews", p.reviews)
		r.Get("/reviews/{id}", p.review)
		r.Post("/reviews/{id}", p.score)
		r.Post("/reviews/{id}/conflict", p.declareConflict)
		// The public pages need no sign-in: the call, the notice with its
		// objection form, the results.
		r.Get("/public/rounds/{id}", p.publicRound)
		r.Post("/public/rounds/{id}/{action}", p.publicAction)
		if p.contests != nil {
			p.contestRoutes(r)
		}
		if p.mp != nil {
			p.masterpieceRoutes(r)
		}
		if p.consult != nil {
			p.consultationPublicRoutes(r)
			p.consultationOfficeRoutes(r)
		}
	})
}

// NotFound renders the 404 page; the router may use it for paths no route
// matches, so that a mistyped address looks like the rest of the site.
func (p *Pages) NotFound(w http.ResponseWriter, r *http.Request) {
	p.renderError(w, r, http.StatusNotFound, nil)
}
