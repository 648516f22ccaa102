package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
	"lianxi/internal/reminder"
)

// PlanReminders decides, in one transaction, the notifications due now for
// the open tasks (decide is reminder.Decide with the calendar and ladders
// bound), stores each new one in the outbox under its unique key and
// records it on its task. It returns the ids of every outbox row not yet
// dispatched — the new ones and any a crashed sweep left — at most limit.
func (s *Store) PlanReminders(ctx context.Context, now time.Time, decide func([]reminder.Due) []reminder.Decision, limit int) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		rows, err := q.ListRemindable(ctx, tstz(reminder.Horizon(now)))
		if err != nil {
			return err
		}
		due := make([]reminder.Due, len(rows))
		for i, r := range rows {
			due[i] = reminder.Due{TaskID: r.ID, Committee: r.CommitteeCode, DueAt: r.DueAt.Time}
		}
		ds := decide(due)
		batch := sqlcgen.InsertOutboxBatchParams{CreatedAt: tstz(now), Keys: make([]string, len(ds)), TaskIds: make([]int64, len(ds)),
			Rules: make([]string, len(ds)), Audiences: make([]string, len(ds))}
		for i, d := range ds {
			batch.Keys[i], batch.TaskIds[i], batch.Rules[i], batch.Audiences[i] = d.Key, d.TaskID, d.Rule, d.Audience
		}
		fresh, err := q.InsertOutboxBatch(ctx, batch)
		if err != nil {
			return err
		}
		// Each new notice is recorded on its task in the same transaction.
		events := sqlcgen.InsertSystemEventsParams{At: tstz(now)}
		for _, o := range fresh {
			kind := "reminded"
			if o.Audience != reminder.Department || strings.HasPrefix(o.Rule, "overdue") {
				kind = "escalated"
			}
			detail, _ := json.Marshal(map[string]any{"rule": o.Rule, "audience": o.Audience})
			events.Keys = append(events.Keys, "outbox:"+o.Key)
			events.TaskIds = append(events.TaskIds, o.TaskID)
			events.Kinds = append(events.Kinds, kind)
			events.Details = append(events.Details, detail)
		}
		if len(fresh) > 0 {
			if err := q.InsertSystemEvents(ctx, events); err != nil {
				return err
			}
		}
		ids, err = q.ListUndispatched(ctx, int32(limit))
		return err
	})
	return ids, err
}

// Notice is an outbox row with what its message needs.
type Notice struct {
	ID        int64
	Key       string
	TaskID    int64
	Rule      string
	Audience  string
	Title     string
	Committee string
	Lead      string
	Co        []string
	DueAt     time.Time
}

// Recipient is a person to notify.
type Recipient struct {
	UserID      int64
	Username    string
	DisplayName string
	Email       string
}

// Notice returns an outbox row with its task's title, departments and due
// time.
func (s *Store) Notice(ctx context.Context, id int64) (Notice, error) {
	r, err := s.q.GetOutbox(ctx, id)
	if err != nil {
		return Notice{}, notFound(err, "notice", itoa(int(id)))
	}
	n := Notice{ID: r.ID, Key: r.Key, TaskID: r.TaskID, Rule: r.Rule, Audience: r.Audience, Title: r.Title, Committee: r.CommitteeCode,
		Lead: r.LeadOrg, DueAt: r.DueAt.Time}
	deps, err := s.q.ListTaskDepartments(ctx, []int64{r.TaskID})
	if err != nil {
		return Notice{}, err
	}
	for _, d := range deps {
		if d.Role == "co" {
			n.Co = append(n.Co, d.OrgCode)
		}
	}
	return n, nil
}

// Recipients returns who a notice goes to: the departments' liaisons and
// members, the committee's office staff or its conveners, with their e-mail
// address when they gave one.
func (s *Store) Recipients(ctx context.Context, n Notice) ([]Recipient, error) {
	var out []Recipient
	if n.Audience == reminder.Department {
		rows, err := s.q.DepartmentRecipients(ctx, append([]string{n.Lead}, n.Co...))
		for _, r := range rows {
			out = append(out, Recipient{UserID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Email: r.Email})
		}
		return out, err
	}
	rows, err := s.q.CommitteeRecipients(ctx, sqlcgen.CommitteeRecipientsParams{Committee: n.Committee, Role: n.Audience})
	for _, r := range rows {
		out = append(out, Recipient{UserID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Email: r.Email})
	}
	return out, err
}

// DepartmentWebhooks returns the webhook of each department a notice
// concerns that set one up.
func (s *Store) DepartmentWebhooks(ctx context.Context, depts []string) (map[string]domain.Webhook, error) {
	out := map[string]domain.Webhook{}
	for _, d := range depts {
		cs, err := s.q.GetChannelSettings(ctx, sqlcgen.GetChannelSettingsParams{OwnerKind: "department", Owner: d})
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		} else if err != nil {
			return nil, err
		}
		if cs.WebhookUrl != "" {
			out[d] = domain.Webhook{URL: cs.WebhookUrl, Secret: cs.WebhookSecret}
		}
	}
	return out, nil
}

// Delivered reports whether a notice already reached a recipient on a
// channel, so that a retried delivery does not send it again.
func (s *Store) Delivered(ctx context.Context, outboxID int64, recipient, channel string) (bool, error) {
	d, err := s.q.GetDelivery(ctx, sqlcgen.GetDeliveryParams{OutboxID: outboxID, Recipient: recipient, Channel: channel})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil && d.Status == "sent", err
}

// RecordDelivery records the result of one delivery attempt.
func (s *Store) RecordDelivery(ctx context.Context, outboxID int64, recipient, channel string, sendErr error, at time.Time) error {
	status, msg := "sent", ""
	if sendErr != nil {
		status, msg = "failed", sendErr.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
	}
	return s.q.RecordDelivery(ctx, sqlcgen.RecordDeliveryParams{OutboxID: outboxID, Recipient: recipient, Channel: channel, Status: status,
		LastError: msg, At: tstz(at)})
}

// Delivery is one recorded delivery.
type Delivery struct {
	Recipient string
	Channel   string
	Status    string
	Attempts  int
	LastError string
}

// Deliveries lists the deliveries of a notice.
func (s *Store) Deliveries(ctx context.Context, outboxID int64) ([]Delivery, error) {
	rows, err := s.q.ListDeliveries(ctx, outboxID)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, len(rows))
	for i, r := range rows {
		out[i] = Delivery{Recipient: r.Recipient, Channel: r.Channel, Status: r.Status, Attempts: int(r.Attempts), LastError: r.LastError}
	}
	return out, nil
}

// Notify puts a notice into a user's in-app notification centre, once.
func (s *Store) Notify(ctx context.Context, n domain.Notification) error {
	_, err := s.q.InsertNotification(ctx, sqlcgen.InsertNotificationParams{UserID: n.UserID, OutboxID: pgInt8(n.OutboxID),
		TaskID: pgInt8(n.TaskID), Subject: n.Subject, Body: n.Body, Link: n.Link, CreatedAt: tstz(n.CreatedAt)})
	return err
}

// MarkDispatched closes an outbox row once every channel is done.
func (s *Store) MarkDispatched(ctx context.Context, outboxID int64, at time.Time) error {
	return s.q.MarkDispatched(ctx, sqlcgen.MarkDispatchedParams{ID: outboxID, DispatchedAt: tstz(at)})
}

// Notifications returns a user's notifications, newest first, before an id
// (0: from the newest), and how many are unread.
func (s *Store) Notifications(ctx context.Context, userID, before int64, limit int) ([]domain.Notification, int64, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.q.ListNotifications(ctx, sqlcgen.ListNotificationsParams{UserID: userID, Before: before, Lim: int32(limit)})
	if err != nil {
		return nil, 0, err
	}
	unread, err := s.q.CountUnread(ctx, userID)
	if err != nil {
		return nil, 0, err
	}
	out := make([]domain.Notification, len(rows))
	for i, r := range rows {
		out[i] = domain.Notification{ID: r.ID, UserID: r.UserID, OutboxID: r.OutboxID.Int64, TaskID: r.TaskID.Int64, Subject: r.Subject,
			Body: r.Body, Link: r.Link, CreatedAt: r.CreatedAt.Time, Read: r.ReadAt.Valid}
	}
	return out, unread, nil
}

// MarkNotificationRead marks one of a user's notifications read.
func (s *Store) MarkNotificationRead(ctx context.Context, userID, id int64, at time.Time) error {
	n, err := s.q.MarkNotificationRead(ctx, sqlcgen.MarkNotificationReadParams{ID: id, UserID: userID, ReadAt: tstz(at)})
	if err == nil && n == 0 {
		return domain.NotFound("notification", itoa(int(id)))
	}
	return err
}

// MarkAllNotificationsRead marks all of a user's notifications read.
func (s *Store) MarkAllNotificationsRead(ctx context.Context, userID int64, at time.Time) (int64, error) {
	return s.q.MarkAllNotificationsRead(ctx, sqlcgen.MarkAllNotificationsReadParams{UserID: userID, ReadAt: tstz(at)})
}

// SetChannels stores where a user (kind "user") or a department (kind
// "department") wants notifications besides the in-app centre.
func (s *Store) SetChannels(ctx context.Context, kind, owner string, c domain.Channels, rec domain.AuditRecord) error {
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		if err := q.UpsertChannelSettings(ctx, sqlcgen.UpsertChannelSettingsParams{OwnerKind: kind, Owner: owner, Email: c.Email,
			WebhookUrl: c.Webhook.URL, WebhookSecret: c.Webhook.Secret}); err != nil {
			return err
		}
		return s.appendAudit(ctx, q, rec)
	})
}
