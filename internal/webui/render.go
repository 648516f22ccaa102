package webui

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
)

// pageNames are the page templates (web/templates/pages/NAME.html). New
// fails when one is missing, so the list is the contract between the
// handlers and the template files.
var pageNames = []string{"login", "dashboard", "committees", "committee", "organisations", "users", "error",
	"inbox", "task", "board", "ledger", "calendar", "notifications", "cycles", "cycle", "agenda_print", "minutes_print",
	"programmes", "programme", "rounds", "round", "reviews", "round_review", "public_round"}

// templates holds one parsed template set per page: the layout and
// partials, cloned, plus the page's own file, so that pages may each define
// "content" without overwriting one another.
type templates struct{ pages map[string]*template.Template }

func parseTemplates(fsys fs.FS, as *assets) (*templates, error) {
	root, err := template.New("").Funcs(template.FuncMap{
		"asset": as.url,
		"inc":   func(i int) int { return i + 1 },
		"field": func(id, msg string) fieldMsg { return fieldMsg{ID: id, Msg: msg} },
		// dict passes several values to a partial: {{template "x" (dict "V" $ "Form" "submit")}}.
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}).ParseFS(fsys, "templates/layouts/*.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("webui: templates: %w", err)
	}
	if root.Lookup("base") == nil {
		return nil, fmt.Errorf("webui: templates: layout \"base\" is missing")
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		file := path.Join("templates/pages", name+".html")
		if _, err := fs.Stat(fsys, file); err != nil {
			return nil, fmt.Errorf("webui: page template %s: %w", name, err)
		}
		c, err := root.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := c.ParseFS(fsys, file); err != nil {
			return nil, fmt.Errorf("webui: page template %s: %w", name, err)
		}
		if c.Lookup("content") == nil {
			return nil, fmt.Errorf("webui: page template %s defines no \"content\"", name)
		}
		// html/template escapes a template on its first execution; run it
		// once now, on empty data, so that an escaping mistake (an action in
		// an ambiguous context) stops the start rather than the first
		// visitor. Errors from the empty data itself are expected.
		var escErr *template.Error
		if err := c.ExecuteTemplate(io.Discard, "base", &view{Lang: i18n.ZH}); errors.As(err, &escErr) {
			return nil, fmt.Errorf("webui: page template %s: %w", name, err)
		}
		t.pages[name] = c
	}
	return t, nil
}

// fieldMsg is the argument of the "field_error" partial.
type fieldMsg struct{ ID, Msg string }

// view is what every page template receives: the language, the signed-in
// user (nil on the sign-in page), the page's title and its own data.
type view struct {
	Lang      i18n.Lang
	LangCode  string // Lang as the plain string the domain's Name methods take
	User      *domain.User
	Title     string
	Nav       string // which navigation entry is current
	Menu      menu   // which navigation entries the user has
	RequestID string
	LangLinks []langLink
	Data      any
}

type langLink struct {
	Tag     string // html lang of the label
	Label   string
	URL     string
	Current bool
}

// T translates a key; kv are placeholder names and values in pairs:
// {{$.T "committee.members" "n" 29}}.
func (v *view) T(key string, kv ...any) string {
	var params map[string]any
	if len(kv) > 1 {
		params = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			params[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return i18n.T(v.Lang, key, params)
}

// named is anything with a name per language: organisations, committees.
type named interface{ Name(lang string) string }

// Name returns the name of an organisation or committee in the page's
// language.
func (v *view) Name(x named) string { return x.Name(string(v.Lang)) }

// ConvenerTitle returns a convener's post in the page's language.
func (v *view) ConvenerTitle(c domain.Convener) string { return c.Title(string(v.Lang)) }

// newView prepares the common part of a page.
func (p *Pages) newView(r *http.Request, titleKey, nav string) *view {
	lang := i18n.FromRequest(r)
	v := &view{Lang: lang, LangCode: string(lang), Nav: nav, RequestID: auth.RequestMeta(r).RequestID}
	if u, ok := auth.UserFrom(r.Context()); ok {
		v.User = &u
		v.Menu = p.menuFor(u)
	} else {
		v.Menu.PublicConsultations = p.consult != nil
	}
	v.Title = i18n.T(lang, titleKey, nil)
	for _, l := range i18n.Langs {
		q := url.Values{"lang": {string(l)}}
		v.LangLinks = append(v.LangLinks, langLink{
			Tag:     l.HTMLTag(),
			Label:   i18n.T(l, "lang.self", nil),
			URL:     "?" + q.Encode(),
			Current: l == lang,
		})
	}
	return v
}

// render executes a page into a buffer first, so that a template error
// becomes a clean error page instead of half a page with a 200 status.
func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	var buf bytes.Buffer
	if err := p.tpl.pages[page].ExecuteTemplate(&buf, "base", v); err != nil {
		p.log.Error("render page", "page", page, "err", err, "request_id", v.RequestID)
		if page == "error" {
			// The error page itself failed: plain text is all that is left.
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(i18n.T(v.Lang, "error.internal", nil)))
			return
		}
		p.renderError(w, r, http.StatusInternalServerError, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages show data of the signed-in person: keep them out of shared and
	// back-button caches. Security headers (CSP, nosniff, framing) are the
	// router's, set once for every response.
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage is the data of the error page.
type errorPage struct{ Message string }

// renderError shows the page for a status. err is logged, never shown.
func (p *Pages) renderError(w http.ResponseWriter, r *http.Request, status int, err error) {
	title, body := "page.error.title", "page.error.body"
	switch status {
	case http.StatusForbidden:
		title, body = "page.forbidden.title", "page.forbidden.body"
	case http.StatusNotFound:
		title, body = "page.not_found.title", "page.not_found.body"
	case http.StatusServiceUnavailable:
		title, body = "page.unavailable.title", "page.unavailable.body"
	}
	v := p.newView(r, title, "")
	if status >= 500 {
		p.log.Error("page failed", "path", r.URL.Path, "status", status, "err", err, "request_id", v.RequestID)
	}
	v.Data = errorPage{Message: i18n.T(v.Lang, body, nil)}
	p.render(w, r, status, "error", v)
}

// fail answers a request whose service call failed, by the error's kind:
// the one place where error kinds become pages and statuses.
func (p *Pages) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch domain.KindOf(err) {
	case domain.KindUnauthenticated:
		toLogin(w, r)
	default:
		p.renderError(w, r, statusOf(err), err)
	}
}

// statusOf is the HTTP status for a domain error re-shown in a form.
func statusOf(err error) int { return domain.KindOf(err).HTTPStatus() }

// user returns the signed-in user, or sends the browser to the sign-in page
// (coming back here afterwards) and returns false.
func (p *Pages) user(w http.ResponseWriter, r *http.Request) (domain.User, bool) {
	if err := auth.AuthError(r.Context()); err != nil {
		// The session could not be checked (database fault): a server error,
		// not a reason to sign the person out.
		p.renderError(w, r, http.StatusServiceUnavailable, err)
		return domain.User{}, false
	}
	u, ok := auth.UserFrom(r.Context())
	if !ok {
		toLogin(w, r)
	}
	return u, ok
}

// admin is user for administrators only; others get the 403 page.
func (p *Pages) admin(w http.ResponseWriter, r *http.Request) (domain.User, bool) {
	u, ok := p.user(w, r)
	if !ok {
		return u, false
	}
	if !u.IsAdmin() {
		p.forbidden(w, r, u)
		return u, false
	}
	return u, true
}

// forbidden records the refusal in the audit trail and shows the 403 page.
func (p *Pages) forbidden(w http.ResponseWriter, r *http.Request, u domain.User) {
	if p.audit != nil {
		p.audit.Audit(r.Context(), u.Username, "access", r.Method+" "+r.URL.Path, domain.AuditDenied, auth.RequestMeta(r))
	}
	p.renderError(w, r, http.StatusForbidden, nil)
}

// toLogin redirects to the sign-in page. A GET remembers where it was going;
// a POST's target is not worth returning to (its form is gone), so it
// returns to the same page's GET.
func toLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Path
	if r.Method == http.MethodGet && r.URL.RawQuery != "" {
		next = r.URL.RequestURI()
	}
	target := "/login"
	if next != "/" && next != "" {
		target += "?" + url.Values{"next": {next}}.Encode()
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// rememberLang stores a language chosen with ?lang= in a cookie, so the
// choice holds on the next pages. It is a display preference kept in the
// browser, not a change of server state.
func rememberLang(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l, ok := i18n.Parse(r.URL.Query().Get("lang")); ok {
			http.SetCookie(w, &http.Cookie{
				Name: i18n.CookieName, Value: string(l), Path: "/", MaxAge: 365 * 24 * 3600,
				HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode,
			})
		}
		next.ServeHTTP(w, r)
	})
}
