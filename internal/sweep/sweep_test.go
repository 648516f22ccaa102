package sweep_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"lianxi/activities"
	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/notify/email"
	"lianxi/internal/notify/smtptest"
	"lianxi/internal/notify/webhook"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
	"lianxi/internal/sweep"
	"lianxi/internal/temporal/devtest"
	"lianxi/workflows"
)

type fixture struct {
	store    *postgres.Store
	tc       client.Client
	mail     *smtptest.Server
	hookHits *atomic.Int64
	notifier *activities.Notifier
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	store := postgres.New(pgtest.NewPool(t))
	if _, err := store.LoadSeed(ctx, seed.Name, seed.Organisations(), seed.Committees()); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(store, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []domain.NewUser{
		{Username: "fin.liaison", DisplayName: "财政联络员", Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: "finance"}}},
		{Username: "fin.member", DisplayName: "财政干部", Grants: []domain.Grant{{Role: domain.RoleMember, Department: "finance"}}},
		{Username: "sci.office", DisplayName: "科技办", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "science"}}},
		{Username: "tax.liaison", DisplayName: "税务联络员", Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: "tax"}}},
	} {
		u.Password = "Lotus-city-2026"
		if _, err := svc.CreateUser(ctx, auth.System, u, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	rec := domain.AuditRecord{Actor: "test", Action: "channels.set", Result: domain.AuditOK}
	if err := store.SetChannels(ctx, "user", "fin.liaison", domain.Channels{Email: "liaison@finance.example"}, rec); err != nil {
		t.Fatal(err)
	}
	if err := store.SetChannels(ctx, "user", "sci.office", domain.Channels{Email: "office@science.example"}, rec); err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify("finance-webhook-secret", r.Header.Get(webhook.HeaderSignature), r.Header.Get(webhook.HeaderTimestamp), body, time.Now(), time.Minute); err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		hits.Add(1)
	}))
	t.Cleanup(hook.Close)
	if err := store.SetChannels(ctx, "department", "finance", domain.Channels{Webhook: domain.Webhook{URL: hook.URL, Secret: "finance-webhook-secret"}}, rec); err != nil {
		t.Fatal(err)
	}
	mail := smtptest.Start(t)
	sender, err := email.New(email.Config{Host: mail.Host(), Port: mail.Port(), TLS: "none", From: "联席 <noreply@lianxi.example>"})
	if err != nil {
		t.Fatal(err)
	}
	tc := devtest.Start(t)
	n := &activities.Notifier{Store: store, Email: sender, Webhook: webhook.New(5 * time.Second), PublicURL: "https://lianxi.example", Now: time.Now}
	w := worker.New(tc, workflows.TaskQueue, worker.Options{})
	w.RegisterWorkflow(workflows.Reminders)
	w.RegisterActivity(n)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	return &fixture{store: store, tc: tc, mail: mail, hookHits: &hits, notifier: n}
}

// task stores a task due at due, led by finance with tax co-handling,
// without a workflow (the sweep reads tasks from storage).
func (f *fixture) task(t *testing.T, due time.Time) int64 {
	t.Helper()
	id, err := f.store.CreateTask(context.Background(), domain.Task{Source: domain.TaskSource{Kind: "adhoc", Committee: "science"},
		Kind: domain.KindAdHoc, Title: "报送年度科技创新工作总结", Lead: "finance", Co: []string{"tax"}, DueAt: due,
		Priority: domain.PriorityNormal, CreatedBy: "sci.office", CreatedAt: time.Now(), Form: []domain.FormField{}},
		domain.AuditRecord{Actor: "sci.office", Action: "task.create", Result: domain.AuditOK},
		func(domain.Task) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// sweepAt makes two schedulers, as two replicas would, tick at the same
// moment, then waits for the sweep to finish.
func (f *fixture) sweepAt(t *testing.T, tick time.Time) workflows.RemindersResult {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var wg sync.WaitGroup
	for range 2 {
		s, err := sweep.New(f.tc, log, sweep.Options{})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); s.Reminders(context.Background(), tick) }()
	}
	wg.Wait()
	var res workflows.RemindersResult
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := f.tc.GetWorkflow(ctx, workflows.RemindersID(tick), "").Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *fixture) unread(t *testing.T, username string) int64 {
	t.Helper()
	u, _, err := f.store.GetUserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	_, n, err := f.store.Notifications(context.Background(), u.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func day(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, calendar.Location)
}

func TestTwoReplicasOneSweepOneReminderPerRule(t *testing.T) {
	f := setup(t)
	// Due Friday 9 October 2026; on Tuesday 29 September three working days
	// remain (30 Sep, 8 and 9 Oct: the National Day holiday lies between).
	id := f.task(t, day(2026, 10, 9, 17))
	res := f.sweepAt(t, day(2026, 9, 29, 9))
	if res.Notices != 1 {
		t.Fatalf("sweep: %+v", res)
	}
	// In-app: the lead's and co-handling department's people, once each.
	for _, u := range []string{"fin.liaison", "fin.member", "tax.liaison"} {
		if n := f.unread(t, u); n != 1 {
			t.Errorf("%s has %d unread, want 1", u, n)
		}
	}
	if n := f.unread(t, "sci.office"); n != 0 {
		t.Errorf("office told of a plain reminder: %d", n)
	}
	// E-mail to the one department user with an address; webhook to finance.
	msgs := f.mail.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "liaison@finance.example" {
		t.Fatalf("mail: %+v", msgs)
	}
	if subj, _ := msgs[0].Header("Subject"); subj != "【提醒】任务「报送年度科技创新工作总结」将于 3 个工作日内到期" {
		t.Errorf("subject %q", subj)
	}
	if f.hookHits.Load() != 1 {
		t.Errorf("webhook hits %d", f.hookHits.Load())
	}

	// The same day again (a restart, a later tick): nothing new is sent.
	res = f.sweepAt(t, day(2026, 9, 29, 15))
	if res.Notices != 0 || len(f.mail.Messages()) != 1 || f.hookHits.Load() != 1 || f.unread(t, "fin.liaison") != 1 {
		t.Fatalf("second sweep sent again: %+v, mails %d", res, len(f.mail.Messages()))
	}

	// Three working days overdue (10, 12, 13 Oct; 10 Oct is a make-up
	// Saturday): urging notices to the department and to the office, and
	// both escalations are recorded on the task.
	f.sweepAt(t, day(2026, 10, 13, 9))
	if n := f.unread(t, "sci.office"); n != 1 {
		t.Errorf("office unread %d after 3 days overdue", n)
	}
	if n := f.unread(t, "fin.liaison"); n != 2 {
		t.Errorf("liaison unread %d, want the reminder and the urging notice", n)
	}
	history, err := f.store.TaskHistory(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	escalated := 0
	for _, h := range history {
		if h.Kind == "escalated" {
			escalated++
		}
	}
	if escalated != 2 {
		t.Errorf("%d escalations on the task, want 2: %+v", escalated, history)
	}
}

func TestACrashBetweenOutboxAndDeliveryDeliversOnce(t *testing.T) {
	f := setup(t)
	f.task(t, day(2026, 10, 9, 17))
	// The plan commits its outbox rows, then the worker dies before
	// delivering anything.
	plan, err := f.notifier.PlanReminders(context.Background(), activities.PlanInput{Now: day(2026, 9, 29, 9)})
	if err != nil || len(plan.Notices) != 1 {
		t.Fatalf("plan %+v %v", plan, err)
	}
	if len(f.mail.Messages()) != 0 || f.unread(t, "fin.liaison") != 0 {
		t.Fatal("delivered before the crash")
	}
	// The next sweep finds the undispatched notice and delivers it once;
	// later sweeps deliver nothing more.
	res := f.sweepAt(t, day(2026, 9, 29, 10))
	if res.Notices != 1 || res.Sent == 0 {
		t.Fatalf("recovery sweep %+v", res)
	}
	f.sweepAt(t, day(2026, 9, 29, 11))
	if len(f.mail.Messages()) != 1 || f.unread(t, "fin.liaison") != 1 || f.hookHits.Load() != 1 {
		t.Fatalf("after recovery: %d mails, %d unread, %d webhook hits", len(f.mail.Messages()), f.unread(t, "fin.liaison"), f.hookHits.Load())
	}
	// A delivery retried after a crash mid-notice skips what was sent.
	again, err := f.notifier.DeliverEmail(context.Background(), activities.DeliverInput{Notice: plan.Notices[0]})
	if err != nil || again.Sent != 0 || again.Skipped != 1 {
		t.Fatalf("re-delivery %+v %v", again, err)
	}
}

// A department's comment task on a draft (as a consultation opens it, due
// at the feedback deadline) is reminded and escalated like any task: the
// department is reminded before the deadline, and once it is three
// working days past, urged with the drafting office told.
func TestConsultationCommentTasksAreRemindedAndEscalated(t *testing.T) {
	f := setup(t)
	id, err := f.store.CreateTask(context.Background(), domain.Task{
		Source: domain.TaskSource{Kind: domain.SourceConsultation, ID: domain.ConsultationID("draft-2026"), Committee: "science"},
		Kind:   domain.KindDraftComments, Title: "征求意见：湘潭市推进科技创新常态化实施方案（征求意见稿）", Lead: "tax", DueAt: day(2026, 10, 9, 17),
		Priority: domain.PriorityNormal, CreatedBy: "sci.office", CreatedAt: time.Now(),
		Form: domain.ConsultationForm(domain.Consultation{Sections: []domain.DraftSection{{Key: "s1"}}})},
		domain.AuditRecord{Actor: "sci.office", Action: "task.create", Result: domain.AuditOK},
		func(domain.Task) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if res := f.sweepAt(t, day(2026, 9, 29, 9)); res.Notices != 1 || f.unread(t, "tax.liaison") != 1 || f.unread(t, "sci.office") != 0 {
		t.Fatalf("reminder: %+v, tax %d, office %d", res, f.unread(t, "tax.liaison"), f.unread(t, "sci.office"))
	}
	f.sweepAt(t, day(2026, 10, 13, 9))
	if n := f.unread(t, "tax.liaison"); n != 2 {
		t.Errorf("tax liaison unread %d, want the reminder and the urging notice", n)
	}
	if n := f.unread(t, "sci.office"); n != 1 {
		t.Errorf("the drafting office unread %d, want the escalation", n)
	}
	history, err := f.store.TaskHistory(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	escalated := 0
	for _, h := range history {
		if h.Kind == "escalated" {
			escalated++
		}
	}
	if escalated != 2 {
		t.Errorf("%d escalations on the task, want 2: %+v", escalated, history)
	}
}
