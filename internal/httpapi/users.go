package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
)

type userOut struct {
	ID          int64          `json:"id"`
	Username    string         `json:"username"`
	DisplayName string         `json:"display_name"`
	Roles       []domain.Grant `json:"roles"`
	Disabled    bool           `json:"disabled"`
	CreatedAt   time.Time      `json:"created_at"`
}

func userJSON(u domain.User) userOut {
	roles := u.Grants
	if roles == nil {
		roles = []domain.Grant{}
	}
	return userOut{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Roles: roles, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

func (a *api) listUsers(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	users, err := a.Auth.ListUsers(r.Context(), u)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]userOut, len(users))
	for i, x := range users {
		out[i] = userJSON(x)
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

func (a *api) createUser(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in domain.NewUser
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	created, err := a.Auth.CreateUser(r.Context(), u, in, auth.RequestMeta(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, userJSON(created))
}

type passwordRequest struct {
	Password string `json:"password"`
}

func (a *api) setPassword(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in passwordRequest
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.Auth.SetPassword(r.Context(), u, chi.URLParam(r, "username"), in.Password, auth.RequestMeta(r)); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *api) disableUser(w http.ResponseWriter, r *http.Request) { a.setDisabled(w, r, true) }
func (a *api) enableUser(w http.ResponseWriter, r *http.Request)  { a.setDisabled(w, r, false) }

func (a *api) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	if err := a.Auth.SetDisabled(r.Context(), u, chi.URLParam(r, "username"), disabled, auth.RequestMeta(r)); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type auditOut struct {
	Seq       int64             `json:"seq"`
	At        time.Time         `json:"at"`
	Actor     string            `json:"actor"`
	Action    string            `json:"action"`
	Object    string            `json:"object"`
	Result    string            `json:"result"`
	RequestID string            `json:"request_id"`
	IP        string            `json:"ip"`
	Detail    map[string]string `json:"detail"`
}

func (a *api) listAudit(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.admin(w, r); !ok {
		return
	}
	limit := 100
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			var v domain.Validation
			v.Add("limit", "validation.range", map[string]any{"min": 1, "max": 1000})
			a.fail(w, r, v.Err())
			return
		}
		limit = n
	}
	recs, err := a.Store.RecentAudit(r.Context(), limit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]auditOut, len(recs))
	for i, x := range recs {
		out[i] = auditOut{Seq: x.Seq, At: x.At, Actor: x.Actor, Action: x.Action, Object: x.Object, Result: string(x.Result), RequestID: x.RequestID, IP: x.IP, Detail: x.Detail}
	}
	writeJSON(w, http.StatusOK, map[string]any{"records": out})
}

func (a *api) verifyAudit(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.admin(w, r); !ok {
		return
	}
	n, brk, err := a.Store.VerifyAudit(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if brk != nil {
		writeJSON(w, http.StatusOK, map[string]any{"ok": false, "verified": n, "broken_at": brk.Seq, "reason": brk.Reason})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "verified": n})
}
