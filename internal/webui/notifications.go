package webui

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/domain"
)

// Notifications is what the notification centre needs of storage
// (postgres.Store).
type Notifications interface {
	Notifications(ctx context.Context, userID, before int64, limit int) ([]domain.Notification, int64, error)
	MarkNotificationRead(ctx context.Context, userID, id int64, at time.Time) error
	MarkAllNotificationsRead(ctx context.Context, userID int64, at time.Time) (int64, error)
}

// notificationsPage is the signed-in person's notification centre.
type notificationsPage struct {
	Items  []domain.Notification
	Unread int64
}

func (p *Pages) notificationsPage(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if p.notes == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	items, unread, err := p.notes.Notifications(r.Context(), u.ID, 0, 100)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := p.newView(r, "page.notifications.title", "notifications")
	v.Data = notificationsPage{Items: items, Unread: unread}
	p.render(w, r, http.StatusOK, "notifications", v)
}

// openNotification marks a notification read and goes to what it is about.
func (p *Pages) openNotification(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || p.notes == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	if err := p.notes.MarkNotificationRead(r.Context(), u.ID, id, p.now()); err != nil {
		p.fail(w, r, err)
		return
	}
	target := "/notifications"
	if link := r.PostFormValue("link"); strings.HasPrefix(link, "/tasks/") {
		target = link
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (p *Pages) readAllNotifications(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if p.notes != nil {
		if _, err := p.notes.MarkAllNotificationsRead(r.Context(), u.ID, p.now()); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}
