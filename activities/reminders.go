package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/notify"
	"lianxi/internal/postgres"
	"lianxi/internal/reminder"
)

// ReminderStore is what the reminder activities need of storage.
type ReminderStore interface {
	Calendar(ctx context.Context) (*calendar.Calendar, error)
	Ladders(ctx context.Context) (func(committee string) reminder.Ladder, error)
	PlanReminders(ctx context.Context, now time.Time, decide func([]reminder.Due) []reminder.Decision, limit int) ([]int64, error)
	Notice(ctx context.Context, id int64) (postgres.Notice, error)
	Recipients(ctx context.Context, n postgres.Notice) ([]postgres.Recipient, error)
	DepartmentWebhooks(ctx context.Context, depts []string) (map[string]domain.Webhook, error)
	Delivered(ctx context.Context, outboxID int64, recipient, channel string) (bool, error)
	RecordDelivery(ctx context.Context, outboxID int64, recipient, channel string, sendErr error, at time.Time) error
	Notify(ctx context.Context, n domain.Notification) error
	MarkDispatched(ctx context.Context, outboxID int64, at time.Time) error
}

// Notifier holds the reminder activities' dependencies: storage (which
// also keeps each committee's escalation ladder), the channels (Email is nil
// when no SMTP server is configured) and where links point.
type Notifier struct {
	Store     ReminderStore
	Email     notify.Sender
	Webhook   notify.Sender
	PublicURL string
	Now       func() time.Time
}

// PlanInput is the time a sweep plans for.
type PlanInput struct{ Now time.Time }

// PlanResult lists the notices to deliver.
type PlanResult struct{ Notices []int64 }

// MaxNoticesPerSweep bounds one sweep's deliveries; the rest wait for the
// next tick, still in the outbox.
const MaxNoticesPerSweep = 5000

// PlanReminders decides the notifications due and stores them in the
// outbox (once per key, whoever asks how often), returning those not yet
// dispatched.
func (n *Notifier) PlanReminders(ctx context.Context, in PlanInput) (PlanResult, error) {
	cal, err := n.Store.Calendar(ctx)
	if err != nil {
		return PlanResult{}, err
	}
	ladders, err := n.Store.Ladders(ctx)
	if err != nil {
		return PlanResult{}, err
	}
	ids, err := n.Store.PlanReminders(ctx, in.Now, func(due []reminder.Due) []reminder.Decision {
		return reminder.Decide(cal, ladders, in.Now, due)
	}, MaxNoticesPerSweep)
	return PlanResult{Notices: ids}, err
}

// DeliverInput names the notice to deliver.
type DeliverInput struct{ Notice int64 }

// DeliverResult counts deliveries made now.
type DeliverResult struct {
	Sent    int
	Skipped int // delivered before (a retry)
	Failed  int // refused for good (bad address)
}

func (n *Notifier) message(nt postgres.Notice, name string) notify.Message {
	params := map[string]any{"title": nt.Title, "due": nt.DueAt.In(calendar.Location).Format("2006-01-02 15:04"), "id": nt.TaskID, "name": name}
	return notify.Message{
		Key:     nt.Key,
		Subject: i18n.T(i18n.ZH, "notify."+nt.Rule+".subject", params),
		Body:    i18n.T(i18n.ZH, "notify."+nt.Rule+".body", params),
		Link:    fmt.Sprintf("%s/tasks/%d", n.PublicURL, nt.TaskID),
	}
}

// DeliverInApp puts the notice into each recipient's notification centre.
func (n *Notifier) DeliverInApp(ctx context.Context, in DeliverInput) (DeliverResult, error) {
	nt, err := n.Store.Notice(ctx, in.Notice)
	if err != nil {
		return DeliverResult{}, err
	}
	rs, err := n.Store.Recipients(ctx, nt)
	if err != nil {
		return DeliverResult{}, err
	}
	var res DeliverResult
	for _, r := range rs {
		m := n.message(nt, r.DisplayName)
		if err := n.Store.Notify(ctx, domain.Notification{UserID: r.UserID, OutboxID: nt.ID, TaskID: nt.TaskID, Subject: m.Subject,
			Body: m.Body, Link: fmt.Sprintf("/tasks/%d", nt.TaskID), CreatedAt: n.Now()}); err != nil {
			return res, err
		}
		if err := n.Store.RecordDelivery(ctx, nt.ID, "user:"+r.Username, "inapp", nil, n.Now()); err != nil {
			return res, err
		}
		res.Sent++
	}
	return res, nil
}

// send delivers one message on a channel unless it was delivered before,
// and records the result. A permanent refusal is recorded and not retried;
// any other failure is recorded and returned, so Temporal retries the
// activity, which then skips the recipients already served.
func (n *Notifier) send(ctx context.Context, s notify.Sender, outboxID int64, recipient string, m notify.Message, res *DeliverResult) error {
	done, err := n.Store.Delivered(ctx, outboxID, recipient, s.Channel())
	if err != nil {
		return err
	}
	if done {
		res.Skipped++
		return nil
	}
	sendErr := s.Send(ctx, m)
	if err := n.Store.RecordDelivery(ctx, outboxID, recipient, s.Channel(), sendErr, n.Now()); err != nil {
		return err
	}
	switch {
	case sendErr == nil:
		res.Sent++
	case notify.IsPermanent(sendErr):
		res.Failed++
		activity.GetLogger(ctx).Warn("notification refused for good", "recipient", recipient, "channel", s.Channel(), "err", sendErr)
	default:
		return sendErr
	}
	return nil
}

// DeliverEmail mails the notice to each recipient with an address.
func (n *Notifier) DeliverEmail(ctx context.Context, in DeliverInput) (DeliverResult, error) {
	var res DeliverResult
	if n.Email == nil {
		return res, nil
	}
	nt, err := n.Store.Notice(ctx, in.Notice)
	if err != nil {
		return res, err
	}
	rs, err := n.Store.Recipients(ctx, nt)
	if err != nil {
		return res, err
	}
	var errs []error
	for _, r := range rs {
		if r.Email == "" {
			continue
		}
		m := n.message(nt, r.DisplayName)
		m.Recipient = notify.Recipient{Name: r.DisplayName, Email: r.Email}
		if err := n.send(ctx, n.Email, nt.ID, "user:"+r.Username, m, &res); err != nil {
			errs = append(errs, err)
		}
	}
	return res, errors.Join(errs...)
}

// DeliverWebhook posts the notice to the webhook of each department it
// concerns that has one.
func (n *Notifier) DeliverWebhook(ctx context.Context, in DeliverInput) (DeliverResult, error) {
	var res DeliverResult
	if n.Webhook == nil {
		return res, nil
	}
	nt, err := n.Store.Notice(ctx, in.Notice)
	if err != nil {
		return res, err
	}
	if nt.Audience != reminder.Department {
		return res, nil
	}
	hooks, err := n.Store.DepartmentWebhooks(ctx, append([]string{nt.Lead}, nt.Co...))
	if err != nil {
		return res, err
	}
	var errs []error
	for dept, h := range hooks {
		m := n.message(nt, dept)
		m.Recipient = notify.Recipient{Name: dept, WebhookURL: h.URL, WebhookSecret: h.Secret}
		if err := n.send(ctx, n.Webhook, nt.ID, "dept:"+dept, m, &res); err != nil {
			errs = append(errs, err)
		}
	}
	return res, errors.Join(errs...)
}

// FinishNotice marks a notice dispatched once its channels are done.
func (n *Notifier) FinishNotice(ctx context.Context, in DeliverInput) error {
	return n.Store.MarkDispatched(ctx, in.Notice, n.Now())
}
