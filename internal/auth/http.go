package auth

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5/middleware"

	"lianxi/internal/domain"
)

const (
	cookieName       = "lianxi_session"
	secureCookieName = "__Host-lianxi_session"
)

type userKey struct{}

// UserFrom returns the signed-in user of a request's context.
func UserFrom(ctx context.Context) (domain.User, bool) {
	u, ok := ctx.Value(userKey{}).(domain.User)
	return u, ok
}

// WithUser returns a context carrying a signed-in user.
func WithUser(ctx context.Context, u domain.User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// Middleware identifies the user of each request from a bearer token or the
// session cookie and puts them in the context. It never refuses a request:
// handlers decide what needs a user.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := SessionToken(r)
		if token != "" {
			u, err := s.Authenticate(r.Context(), token)
			switch {
			case err == nil:
				r = r.WithContext(WithUser(r.Context(), u))
			case domain.KindOf(err) != domain.KindUnauthenticated:
				s.opt.Log.Error("authenticate", "err", err, "request_id", middleware.GetReqID(r.Context()))
			}
		}
		next.ServeHTTP(w, r)
	})
}

// SessionToken returns the bearer token or session cookie of a request.
func SessionToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
	}
	for _, name := range []string{secureCookieName, cookieName} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// secure reports whether the request reached us over TLS, directly or
// through a proxy that says so.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// SetCookie sets the session cookie: HttpOnly and SameSite=Lax always, and
// Secure with the __Host- prefix behind TLS.
func SetCookie(w http.ResponseWriter, r *http.Request, s Session) {
	name := cookieName
	if secure(r) {
		name = secureCookieName
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: s.Token, Path: "/", Expires: s.ExpiresAt,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode,
	})
}

// ClearCookie removes the session cookie.
func ClearCookie(w http.ResponseWriter, r *http.Request) {
	for _, name := range []string{cookieName, secureCookieName} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
			Secure: name == secureCookieName, SameSite: http.SameSiteLaxMode})
	}
}

// RequestMeta returns the request id and client address of a request.
func RequestMeta(r *http.Request) Meta {
	return Meta{RequestID: middleware.GetReqID(r.Context()), IP: ClientIP(r)}
}

// ClientIP returns the address of the client. Lianxi trusts no forwarding
// header for this by default: a deployment behind a proxy sets the real
// address with chi's RealIP middleware in the router.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
