package webui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
)

// maxFormBytes bounds the small forms (sign-in, new user); only the CSV
// import takes more.
const maxFormBytes = 64 << 10

// loginPage is the data of the sign-in form. The password is never echoed.
type loginPage struct {
	Username string
	Next     string
	Error    string
}

func (p *Pages) loginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, ok := auth.UserFrom(r.Context()); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	v := p.newView(r, "page.login.title", "")
	v.Data = loginPage{Next: next}
	p.render(w, r, http.StatusOK, "login", v)
}

func (p *Pages) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	v := p.newView(r, "page.login.title", "")
	if err := r.ParseForm(); err != nil {
		v.Data = loginPage{Next: "/", Error: i18n.T(v.Lang, "error.body_too_large", nil)}
		p.render(w, r, http.StatusRequestEntityTooLarge, "login", v)
		return
	}
	data := loginPage{Username: strings.TrimSpace(r.PostForm.Get("username")), Next: safeNext(r.PostForm.Get("next"))}
	meta := auth.RequestMeta(r)
	sess, err := p.auth.Login(r.Context(), auth.LoginInput{
		Username: data.Username, Password: r.PostForm.Get("password"),
		IP: meta.IP, UserAgent: r.UserAgent(), RequestID: meta.RequestID, PreviousToken: auth.SessionToken(r),
	})
	if err != nil {
		status := statusOf(err)
		if de := domain.AsError(err); de != nil && de.Kind == domain.KindRateLimited && de.RetryAfterSeconds > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(de.RetryAfterSeconds))
		}
		if status >= 500 {
			p.log.Error("login", "err", err, "request_id", meta.RequestID)
		}
		data.Error, _ = i18n.ErrorMessage(v.Lang, err)
		v.Data = data
		p.render(w, r, status, "login", v)
		return
	}
	auth.SetCookie(w, r, sess)
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

func (p *Pages) logout(w http.ResponseWriter, r *http.Request) {
	if err := p.auth.Logout(r.Context(), auth.SessionToken(r), auth.RequestMeta(r)); err != nil {
		// The cookie goes anyway: the person asked to leave, and a session
		// left behind on the server still expires on its own.
		p.log.Error("logout", "err", err, "request_id", auth.RequestMeta(r).RequestID)
	}
	auth.ClearCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext returns next when it is a path on this site, and "/" otherwise,
// so that a crafted sign-in link cannot send people to another site after
// they sign in (open redirect). "//host" and "/\host" are other sites to a
// browser, so they are refused too.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	if u.Path == "/login" || u.Path == "/logout" {
		return "/"
	}
	return next
}
