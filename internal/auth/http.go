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

type (
	userKey    struct{}
	authErrKey struct{}
	secureKey  struct{}
)

// UserFrom returns the signed-in user of a request's context.
func UserFrom(ctx context.Context) (domain.User, bool) {
	u, ok := ctx.Value(userKey{}).(domain.User)
	return u, ok
}

// WithUser returns a context carrying a signed-in user.
func WithUser(ctx context.Context, u domain.User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// AuthError returns the server-side failure (a database fault) that kept the
// middleware from identifying the user, so that handlers answer 5xx instead
// of treating the person as signed out.
func AuthError(ctx context.Context) error {
	err, _ := ctx.Value(authErrKey{}).(error)
	return err
}

// Middleware identifies the user of each request from a bearer token or the
// session cookie and puts them in the context. It never refuses a request:
// handlers decide what needs a user. It also marks the request as secure
// (TLS, or SecureCookies behind a TLS-terminating proxy) for the cookie
// functions.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if s.opt.SecureCookies || r.TLS != nil {
			ctx = context.WithValue(ctx, secureKey{}, true)
			r = r.WithContext(ctx)
		}
		if token := SessionToken(r); token != "" {
			u, err := s.Authenticate(ctx, token)
			switch {
			case err == nil:
				ctx = WithUser(ctx, u)
			case domain.KindOf(err) != domain.KindUnauthenticated:
				s.opt.Log.Error("authenticate", "err", err, "request_id", middleware.GetReqID(ctx))
				ctx = context.WithValue(ctx, authErrKey{}, err)
			}
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// SessionToken returns the bearer token or session cookie of a request. On
// a secure request only the __Host- cookie counts: a plain cookie could have
// been planted by a sibling subdomain or over plain HTTP (session fixation).
func SessionToken(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(t)
		}
	}
	names := []string{cookieName}
	if secure(r) {
		names = []string{secureCookieName}
	}
	for _, name := range names {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// secure reports whether the request reached us over TLS: directly, or as
// the middleware was told by configuration (forwarding headers are not
// trusted, since any client can send them).
func secure(r *http.Request) bool {
	on, _ := r.Context().Value(secureKey{}).(bool)
	return on || r.TLS != nil
}

// SetCookie sets the session cookie: HttpOnly and SameSite=Lax always, and
// Secure with the __Host- prefix on secure requests.
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
