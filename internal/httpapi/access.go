package httpapi

import (
	"net/http"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
)

// user returns the signed-in user, or writes 401 (audited) and returns false.
func (a *api) user(w http.ResponseWriter, r *http.Request) (domain.User, bool) {
	if err := auth.AuthError(r.Context()); err != nil {
		// The session could not be checked: a server fault, not a sign-out.
		a.fail(w, r, &domain.Error{Kind: domain.KindUnavailable, Key: "error.unavailable", Err: err})
		return domain.User{}, false
	}
	u, ok := auth.UserFrom(r.Context())
	if !ok {
		a.Auth.Audit(r.Context(), "anonymous", "access", r.Method+" "+r.URL.Path, domain.AuditDenied, auth.RequestMeta(r))
		a.problems.write(w, r, domain.Unauthenticated())
	}
	return u, ok
}

// admin returns the signed-in administrator, or writes 401 or 403 (audited).
func (a *api) admin(w http.ResponseWriter, r *http.Request) (domain.User, bool) {
	u, ok := a.user(w, r)
	if !ok {
		return u, false
	}
	if !u.IsAdmin() {
		a.forbid(w, r, u)
		return u, false
	}
	return u, true
}

// forbid writes 403 and audits the refusal.
func (a *api) forbid(w http.ResponseWriter, r *http.Request, u domain.User) {
	a.Auth.Audit(r.Context(), u.Username, "access", r.Method+" "+r.URL.Path, domain.AuditDenied, auth.RequestMeta(r))
	a.problems.write(w, r, domain.Forbidden())
}

// fail writes err, auditing a refusal when the domain refused the actor.
func (a *api) fail(w http.ResponseWriter, r *http.Request, err error) {
	if domain.KindOf(err) == domain.KindForbidden {
		u, _ := auth.UserFrom(r.Context())
		a.Auth.Audit(r.Context(), u.Username, "access", r.Method+" "+r.URL.Path, domain.AuditDenied, auth.RequestMeta(r))
	}
	a.problems.write(w, r, err)
}

// answer writes a handler's result with its status, or its error.
func (a *api) answer(w http.ResponseWriter, r *http.Request, status int, out any, err error) {
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, status, out)
}
