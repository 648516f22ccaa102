package webui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.temporal.io/sdk/worker"

	"lianxi/activities"
	"lianxi/internal/auth"
	"lianxi/internal/consultations"
	"lianxi/internal/domain"
	"lianxi/internal/onetime"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
	"lianxi/internal/tasks"
	"lianxi/internal/temporal/devtest"
	"lianxi/internal/webui"
	"lianxi/workflows"
)

// The consultation service must fit the interface the pages declare.
var _ webui.Consultations = (*consultations.Service)(nil)

// consultationEnv is the consultation pages over the real stack, on the
// meeting pages' harness (its requests and sign-ins): PostgreSQL with the
// plans' seed and the seed's archived consultation, an embedded Temporal
// server whose worker runs the task and consultation workflows, the real
// services, and codes kept in memory. The people: the science meeting's
// office (the drafting office), its convener, and the finance liaison.
type consultationEnv struct {
	*meetingEnv
	svc   *consultations.Service
	tasks *tasks.Service
	codes *codeInbox
}

func newConsultationEnv(t *testing.T) *consultationEnv {
	t.Helper()
	ctx := context.Background()
	store := postgres.New(pgtest.NewPool(t))
	if _, err := store.LoadSeed(ctx, seed.Name, seed.Organisations(), seed.Committees()); err != nil {
		t.Fatal(err)
	}
	if _, err := store.LoadArchivedConsultation(ctx, seed.Consultation()); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(store, auth.Options{Sleep: func(context.Context, time.Duration) {}})
	if err != nil {
		t.Fatal(err)
	}
	e := &consultationEnv{meetingEnv: &meetingEnv{t: t, store: store, auth: svc, users: map[string]domain.User{}, cookies: map[string][]*http.Cookie{}},
		codes: &codeInbox{codes: map[string]string{}}}
	for name, g := range map[string]domain.Grant{
		"kj.office":   {Role: domain.RoleOffice, Committee: "science"},
		"kj.convener": {Role: domain.RoleConvener, Committee: "science"},
		"cz.liaison":  {Role: domain.RoleLiaison, Department: "finance"},
	} {
		u, err := svc.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: name, Password: meetingPassword,
			Grants: []domain.Grant{g}}, auth.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		e.users[name] = u
	}
	tc := devtest.Start(t)
	e.tasks = tasks.New(store, tc, nil)
	// Limits a test from one address does not reach.
	e.svc = consultations.New(store, tc, e.tasks, e.codes, consultations.Config{Codes: onetime.Limits{PerContact: 100, PerAddress: 1 << 20},
		CommentsPerAddress: 1 << 20, CommentsPerContact: 1 << 20, VerifiesPerAddress: 1 << 20}, nil)
	w := worker.New(tc, workflows.TaskQueue, worker.Options{})
	w.RegisterWorkflow(workflows.Task)
	w.RegisterWorkflow(workflows.Consultation)
	w.RegisterActivity(&activities.Activities{Tasks: store})
	w.RegisterActivity(&activities.Processes{Store: store, Experts: store.Experts, StartTask: e.tasks.StartWorkflow, Now: time.Now})
	w.RegisterActivity(&activities.Consultations{Store: store})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	e.pages, err = webui.New(webui.Deps{Auth: svc, Directory: store, Tasks: e.tasks, Consultations: e.svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(middleware.RequestID, svc.Middleware)
	r.NotFound(e.pages.NotFound)
	e.pages.Routes(r)
	e.h = r
	return e
}

// publish publishes a draft of three sections through the service, as
// the science office, open from opens until closes, departments' feedback
// due at feedback.
func (e *consultationEnv) publish(slug string, opens, closes, feedback time.Time, departments ...domain.Code) domain.Consultation {
	e.t.Helper()
	c, err := e.svc.Start(context.Background(), e.users["kj.office"], domain.NewConsultation{Slug: slug, Title: "湘潭市推进科技创新常态化实施方案（征求意见稿）",
		Notice: "现将征求意见稿全文公布，广泛征求社会各界意见。", Committee: "science",
		Sections: []domain.DraftSection{
			{Key: "s1", Heading: "大力创建国家创新型城市", Body: "对标国家《建设创新型城市工作指引》，编制试点建设方案。"},
			{Key: "s2", Heading: "完善科技创新人才服务支持体系", Body: "落实“莲城人才行动计划”。"},
			{Key: "s3", Heading: "建立市科技创新工作联席会议制度", Body: "联席会议原则上每半年召开一次。"},
		},
		OpensAt: opens, ClosesAt: closes, FeedbackDueAt: feedback,
		Contact:     domain.ConsultationContact{Office: "市科技局办公室", Phone: "0731-58570297", Fax: "0731-58570300", Address: "湘潭市政府大楼1405-1号", Postcode: "411104"},
		Departments: departments}, auth.Meta{})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// waitPhase waits until the consultation's workflow has moved it to a
// phase (and, with departments, opened their tasks).
func (e *consultationEnv) waitPhase(slug string, phase domain.ConsultationPhase) domain.Consultation {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := e.svc.Get(context.Background(), e.users["kj.office"], slug)
		if err != nil {
			e.t.Fatal(err)
		}
		ready := c.Phase == phase
		for _, d := range c.Departments {
			ready = ready && (phase != domain.ConsultationOpen || d.TaskID != 0)
		}
		if ready {
			return c
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("consultation %s never %s: %s", slug, phase, c.Phase)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The harness itself: a published draft opens and gives the department
// its task; the seed's consultation is there.
func TestConsultationHarness(t *testing.T) {
	e := newConsultationEnv(t)
	now := time.Now()
	e.publish("harness", now.Add(-time.Minute), now.Add(time.Hour), now.Add(2*time.Hour), "finance")
	c := e.waitPhase("harness", domain.ConsultationOpen)
	if len(c.Departments) != 1 || c.Departments[0].TaskID == 0 {
		t.Fatalf("departments %+v", c.Departments)
	}
	if _, err := e.svc.Public(context.Background(), seed.ConsultationSlug); err != nil {
		t.Fatal(err)
	}
}
