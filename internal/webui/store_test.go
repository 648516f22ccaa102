package webui_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
	"lianxi/internal/tasks"
	"lianxi/internal/webui"
)

// TestTaskPagesOnTheRealStore renders the inbox, a task, the ledger and the
// calendar over PostgreSQL, the real accounts service and the real task
// service. Reading needs no Temporal server (the service only reaches it to
// act), so the service gets none; tasks are stored straight through the
// store. It checks what the fakes cannot: that the queries, the
// statistics and the audited calendar writes fit the pages.
func TestTaskPagesOnTheRealStore(t *testing.T) {
	ctx := context.Background()
	store := postgres.New(pgtest.NewPool(t))
	if _, err := store.LoadSeed(ctx, seed.Name, seed.Organisations(), seed.Committees()); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(store, auth.Options{Sleep: func(context.Context, time.Duration) {}})
	if err != nil {
		t.Fatal(err)
	}
	const password = "Lotus-city-2026"
	for _, u := range []domain.NewUser{
		{Username: "admin", DisplayName: "管理员", Grants: []domain.Grant{{Role: domain.RoleAdmin}}},
		{Username: "cz.liaison", DisplayName: "李娜", Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: "finance"}}},
		{Username: "gt.member", DisplayName: "孙磊", Grants: []domain.Grant{{Role: domain.RoleMember, Department: "land"}}},
	} {
		u.Password = password
		if _, err := svc.CreateUser(ctx, auth.System, u, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	pages, err := webui.New(webui.Deps{Auth: svc, Directory: store, Tasks: tasks.New(store, nil, nil), Ledger: store, Calendar: store,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(middleware.RequestID, svc.Middleware)
	pages.Routes(r)

	cookies := map[string][]*http.Cookie{}
	for _, u := range []string{"admin", "cz.liaison", "gt.member"} {
		s, err := svc.Login(ctx, auth.LoginInput{Username: u, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		auth.SetCookie(w, httptest.NewRequest("GET", "/", nil), s)
		cookies[u] = w.Result().Cookies()
	}
	do := func(method, path, user, body string) *httptest.ResponseRecorder {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req := httptest.NewRequest(method, path, rd)
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for _, c := range cookies[user] {
			req.AddCookie(c)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}

	add := func(title, committee, lead string, co []string, due time.Time, form []domain.FormField) int64 {
		id, err := store.CreateTask(ctx, domain.Task{Source: domain.TaskSource{Kind: "adhoc", Committee: committee}, Kind: domain.KindAdHoc,
			Title: title, Lead: lead, Co: co, Form: form, DueAt: due, Priority: domain.PriorityNormal, Status: domain.TaskOpen,
			CreatedBy: "office", CreatedAt: now.Add(-240 * time.Hour)},
			domain.AuditRecord{Actor: "office", Action: "task.create", Result: domain.AuditOK}, func(domain.Task) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	overdue := add("报送2026年下半年联席会议议题", "science", "finance", []string{"tax"}, now.Add(-120*time.Hour),
		[]domain.FormField{{Name: "topic", Label: "议题名称", Type: domain.FieldText, Required: true}})
	add("落实会议决定", "science", "finance", nil, now.Add(120*time.Hour), nil)
	culture := add("文化项目进展情况", "culture", "land", nil, now.Add(48*time.Hour), nil)

	w := do("GET", "/tasks", "cz.liaison", "")
	if w.Code != http.StatusOK {
		t.Fatalf("inbox: %d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{"报送2026年下半年联席会议议题", "落实会议决定", `<tr class="overdue">`, "配合:市税务局"} {
		if !strings.Contains(body, want) {
			t.Errorf("inbox lacks %q", want)
		}
	}
	if strings.Contains(body, "文化项目进展情况") {
		t.Error("the inbox shows another department's task")
	}

	w = do("GET", fmt.Sprintf("/tasks/%d", overdue), "cz.liaison", "")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="values.topic"`) || !strings.Contains(w.Body.String(), "交办") {
		t.Errorf("task page: %d", w.Code)
	}
	if w := do("GET", fmt.Sprintf("/tasks/%d", culture), "cz.liaison", ""); w.Code != http.StatusForbidden {
		t.Errorf("another department's task: %d", w.Code)
	}

	// The ledger's statistics come from the store.
	w = do("GET", "/ledger", "admin", "")
	body = w.Body.String()
	line := regexp.MustCompile(`(?s)市财政局</a></th>(.*?)</tr>`).FindStringSubmatch(body)
	if w.Code != http.StatusOK || line == nil {
		t.Fatalf("ledger: %d", w.Code)
	}
	var cells []string
	for _, m := range regexp.MustCompile(`<td class="num[^"]*"[^>]*>([^<]*)<`).FindAllStringSubmatch(line[1], -1) {
		cells = append(cells, m[1])
	}
	if strings.Join(cells, " ") != "2 2 0 0  1" {
		t.Errorf("finance line %q", cells)
	}
	if !strings.Contains(body, "市国土资源局") {
		t.Error("the administrator's ledger lacks the culture committee's task")
	}

	// A calendar override is stored, audited, and counts at once.
	w = do("POST", "/admin/calendar", "admin", "date=2028-01-31&working=off&note=2028%E5%B9%B4%E6%98%A5%E8%8A%82")
	if w.Code != http.StatusSeeOther {
		t.Fatalf("set override: %d %s", w.Code, w.Body.String())
	}
	cal, err := store.Calendar(ctx)
	if err != nil || cal.IsWorkingDay(calendar.Date{Year: 2028, Month: 1, Day: 31}) {
		t.Fatalf("override not stored: %v", err)
	}
	recs, err := store.RecentAudit(ctx, 50)
	found := false
	for _, rec := range recs {
		found = found || rec.Action == "calendar_override.set" && rec.Actor == "admin" && rec.Object == "calendar:2028-01-31"
	}
	if err != nil || !found {
		t.Errorf("override not audited: %v", err)
	}
	if w := do("POST", "/admin/calendar/delete", "admin", "date=2028-01-31"); w.Code != http.StatusSeeOther {
		t.Fatalf("delete override: %d", w.Code)
	}
	if w := do("POST", "/admin/calendar/delete", "admin", "date=2028-01-31"); w.Code != http.StatusNotFound {
		t.Errorf("deleting it again: %d", w.Code)
	}
	if w := do("GET", "/admin/calendar", "gt.member", ""); w.Code != http.StatusForbidden {
		t.Errorf("a member on the calendar: %d", w.Code)
	}
}

func TestNotificationCentre(t *testing.T) {
	ctx := context.Background()
	store := postgres.New(pgtest.NewPool(t))
	if _, err := store.LoadSeed(ctx, seed.Name, seed.Organisations(), seed.Committees()); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(store, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.CreateUser(ctx, auth.System, domain.NewUser{Username: "cz.liaison", Password: "Lotus-city-2026", DisplayName: "财政联络员",
		Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: "finance"}}}, auth.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Notify(ctx, domain.Notification{UserID: u.ID, Subject: "【催办】任务「报送议题」已逾期", Body: "请尽快办理。", Link: "/tasks/7", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	pages, err := webui.New(webui.Deps{Auth: svc, Directory: store, Notes: store})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(svc.Middleware)
	pages.Routes(r)
	sess, err := svc.Login(ctx, auth.LoginInput{Username: "cz.liaison", Password: "Lotus-city-2026"})
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.AddCookie(&http.Cookie{Name: "lianxi_session", Value: sess.Token})
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	w := do("GET", "/notifications", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "1 条未读") || !strings.Contains(w.Body.String(), "已逾期") {
		t.Fatalf("centre: %d %s", w.Code, w.Body.String())
	}
	items, _, _ := store.Notifications(ctx, u.ID, 0, 10)
	w = do("POST", fmt.Sprintf("/notifications/%d/open", items[0].ID), "link=%2Ftasks%2F7")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/tasks/7" {
		t.Fatalf("open: %d %s", w.Code, w.Header().Get("Location"))
	}
	if _, unread, _ := store.Notifications(ctx, u.ID, 0, 10); unread != 0 {
		t.Fatalf("still %d unread", unread)
	}
	// A link elsewhere is not followed.
	w = do("POST", fmt.Sprintf("/notifications/%d/open", items[0].ID), "link=https%3A%2F%2Fevil.example")
	if w.Header().Get("Location") != "/notifications" {
		t.Fatalf("open redirect to %s", w.Header().Get("Location"))
	}
}
