package httpapi

import (
	"net/http"

	"lianxi/internal/auth"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (a *api) login(w http.ResponseWriter, r *http.Request) {
	var in loginRequest
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	meta := auth.RequestMeta(r)
	sess, err := a.Auth.Login(r.Context(), auth.LoginInput{
		Username: in.Username, Password: in.Password, IP: meta.IP, UserAgent: r.UserAgent(), RequestID: meta.RequestID,
		PreviousToken: auth.SessionToken(r),
	})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	auth.SetCookie(w, r, sess)
	writeJSON(w, http.StatusOK, map[string]any{"user": userJSON(sess.User), "expires_at": sess.ExpiresAt})
}

func (a *api) logout(w http.ResponseWriter, r *http.Request) {
	if err := a.Auth.Logout(r.Context(), auth.SessionToken(r), auth.RequestMeta(r)); err != nil {
		a.fail(w, r, err)
		return
	}
	auth.ClearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (a *api) me(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, userJSON(u))
}
