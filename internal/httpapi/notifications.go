package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/reminder"
)

func (a *api) listNotifications(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var before int64
	if s := r.URL.Query().Get("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			var v domain.Validation
			v.Add("before", "validation.cursor", nil)
			a.fail(w, r, v.Err())
			return
		}
		before = n
	}
	list, unread, err := a.Store.Notifications(r.Context(), u.ID, before, 50)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if list == nil {
		list = []domain.Notification{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": list, "unread": unread})
}

func (a *api) readNotification(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		a.fail(w, r, domain.NotFound("notification", chi.URLParam(r, "id")))
		return
	}
	if err := a.Store.MarkNotificationRead(r.Context(), u.ID, id, time.Now()); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *api) readAllNotifications(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	n, err := a.Store.MarkAllNotificationsRead(r.Context(), u.ID, time.Now())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"marked": n})
}

// setMyChannels sets the caller's own e-mail address for notifications.
func (a *api) setMyChannels(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in domain.Channels
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if in.Webhook.URL != "" {
		var v domain.Validation
		v.Add("webhook.url", "validation.not_allowed", nil)
		a.fail(w, r, v.Err())
		return
	}
	if err := in.Validate(); err != nil {
		a.fail(w, r, err)
		return
	}
	rec := auth.RequestMeta(r).Record(u.Username, "channels.set", "user:"+u.Username, domain.AuditOK)
	if err := a.Store.SetChannels(r.Context(), "user", u.Username, in, rec); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// setDepartmentChannels sets a department's webhook; its liaisons and
// administrators may.
func (a *api) setDepartmentChannels(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	code := chi.URLParam(r, "code")
	if !u.HasFor(domain.RoleLiaison, code) {
		a.forbid(w, r, u)
		return
	}
	var in domain.Channels
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := in.Validate(); err != nil {
		a.fail(w, r, err)
		return
	}
	if _, err := a.Store.GetOrganisation(r.Context(), code); err != nil {
		a.fail(w, r, err)
		return
	}
	rec := auth.RequestMeta(r).Record(u.Username, "channels.set", "organisation:"+code, domain.AuditOK)
	if err := a.Store.SetChannels(r.Context(), "department", code, in, rec); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type ladderJSON struct {
	Steps reminder.Ladder `json:"steps"`
}

// getLadder shows a committee's reminder and escalation ladder.
func (a *api) getLadder(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.user(w, r); !ok {
		return
	}
	code := chi.URLParam(r, "code")
	if _, err := a.Store.GetCommittee(r.Context(), code); err != nil {
		a.fail(w, r, err)
		return
	}
	l, err := a.Store.Ladder(r.Context(), code)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ladderJSON{Steps: l})
}

// setLadder replaces a committee's ladder; its office and administrators
// may.
func (a *api) setLadder(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	code := chi.URLParam(r, "code")
	if !u.HasFor(domain.RoleOffice, code) {
		a.forbid(w, r, u)
		return
	}
	var in ladderJSON
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := in.Steps.Validate(); err != nil {
		a.fail(w, r, err)
		return
	}
	if _, err := a.Store.GetCommittee(r.Context(), code); err != nil {
		a.fail(w, r, err)
		return
	}
	if err := a.Store.SetLadder(r.Context(), code, in.Steps, auth.RequestMeta(r).Record(u.Username, "escalation.set", "committee:"+code, domain.AuditOK)); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}
