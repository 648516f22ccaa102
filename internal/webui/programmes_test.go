package webui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
	"lianxi/internal/webui"
)

// TestProgrammePagesOnTheRealStore lists the seeded programmes, shows one,
// and edits it as an administrator: a bad form comes back with its errors
// beside the fields and stores nothing; a good one is version 2, while
// version 1 stays readable. Others read the pages without the form and
// cannot post it.
func TestProgrammePagesOnTheRealStore(t *testing.T) {
	ctx := context.Background()
	store := postgres.New(pgtest.NewPool(t))
	if _, err := store.LoadSeed(ctx, seed.Name, seed.Organisations(), seed.Committees()); err != nil {
		t.Fatal(err)
	}
	if _, err := store.LoadProgrammes(ctx, seed.Programmes()); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(store, auth.Options{Sleep: func(context.Context, time.Duration) {}})
	if err != nil {
		t.Fatal(err)
	}
	const password = "Lotus-city-2026"
	for _, u := range []domain.NewUser{
		{Username: "admin", DisplayName: "管理员", Grants: []domain.Grant{{Role: domain.RoleAdmin}}},
		{Username: "gg.office", DisplayName: "改革办", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "management"}}},
	} {
		u.Password = password
		if _, err := svc.CreateUser(ctx, auth.System, u, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	pages, err := webui.New(webui.Deps{Auth: svc, Directory: store, Programmes: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(middleware.RequestID, svc.Middleware)
	pages.Routes(r)
	cookies := map[string][]*http.Cookie{}
	for _, u := range []string{"admin", "gg.office"} {
		s, err := svc.Login(ctx, auth.LoginInput{Username: u, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		auth.SetCookie(w, httptest.NewRequest("GET", "/", nil), s)
		cookies[u] = w.Result().Cookies()
	}
	do := func(method, path, user string, form url.Values) *httptest.ResponseRecorder {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req := httptest.NewRequest(method, path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for _, c := range cookies[user] {
			req.AddCookie(c)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w
	}
	contains := func(what string, w *httptest.ResponseRecorder, wants ...string) {
		t.Helper()
		for _, want := range wants {
			if !strings.Contains(w.Body.String(), want) {
				t.Errorf("%s lacks %q", what, want)
			}
		}
	}

	w := do("GET", "/programmes", "gg.office", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("list: %d", w.Code)
	}
	contains("the list", w, "管理创新优秀案例推选", "湘潭市文化名人", "首台(套)", "每 3 年", "市委改革办", `href="/programmes/management-cases"`)
	if w := do("GET", "/programmes?lang=en", "gg.office", nil); !strings.Contains(w.Body.String(), "Outstanding Management Innovation Cases") {
		t.Error("the English list lacks the English name")
	}

	w = do("GET", "/programmes/management-cases", "gg.office", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("programme: %d", w.Code)
	}
	contains("the programme", w, "创新性", "实效性", "操作性", "40.0%", "可复制、可推广、彰显湘潭特色", "第 1 版", "去掉一个最高分和一个最低分")
	if strings.Contains(w.Body.String(), `name="base_version"`) {
		t.Error("a committee office sees the edit form")
	}
	if w := do("POST", "/programmes/management-cases", "gg.office", url.Values{"quota": {"3"}}); w.Code != http.StatusForbidden {
		t.Errorf("office's post: %d", w.Code)
	}
	if w := do("GET", "/programmes/nope", "admin", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown programme: %d", w.Code)
	}

	w = do("GET", "/programmes/management-cases", "admin", nil)
	contains("the admin's programme", w, `name="base_version" value="1"`, `name="criteria_code"`, `value="innovativeness"`, `id="c3-code"`)

	// The form as the page fills it, with the administrator's changes.
	form := url.Values{
		"base_version": {"1"}, "name_zh": {"管理创新优秀案例推选"}, "name_en": {"Outstanding Management Innovation Cases"},
		"plan_item": {"M1"}, "owner": {"reform-office"}, "committee": {"management"}, "every_years": {"1"}, "quota": {"12"},
		"nominators": {"departments", "units"}, "departments": {""},
		"nomination_days": {"15"}, "screening_days": {"5"}, "revision_days": {"5"}, "scoring_days": {"10"}, "notice_days": {"5"},
		"reviewers_per_entry": {"5"}, "aggregation": {"trimmed-mean"}, "tie_rule": {"criteria"},
		"principle_zh": {"可复制、可推广、彰显湘潭特色"}, "principle_en": {"Replicable, scalable, showing Xiangtan's character"},
		"criteria_code":    {"innovativeness", "effectiveness", "operability", "influence", ""},
		"criteria_name_zh": {"创新性", "实效性", "操作性", "影响力", ""},
		"criteria_name_en": {"Innovativeness", "Effectiveness", "Operability", "Influence", ""},
		"criteria_weight":  {"40", "30", "20", "10", ""},
		"criteria_max":     {"100", "100", "100", "100", ""},
	}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad["quota"] = []string{"十"}
	bad["criteria_weight"] = []string{"40", "", "20", "x", ""}
	bad["departments"] = []string{"finance, atlantis"}
	w = do("POST", "/programmes/management-cases", "admin", bad)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", w.Code)
	}
	contains("the bad form", w, `role="alert"`, `id="quota-error"`, `id="c1-weight-error"`, `id="c3-weight-error"`, `value="十"`, `value="x"`, `value="influence"`)
	if p, _ := store.Programme(ctx, "management-cases"); p.Version != 1 {
		t.Fatalf("a bad form stored version %d", p.Version)
	}
	// Numbers read, codes checked by the store: the unknown department is
	// named beside the departments field.
	bad["quota"], bad["criteria_weight"] = form["quota"], form["criteria_weight"]
	w = do("POST", "/programmes/management-cases", "admin", bad)
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("unknown department: %d", w.Code)
	}
	contains("the form with an unknown department", w, `id="departments-error"`, "atlantis")

	w = do("POST", "/programmes/management-cases", "admin", form)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/programmes/management-cases?saved=2" {
		t.Fatalf("save: %d %s", w.Code, w.Header().Get("Location"))
	}
	w = do("GET", "/programmes/management-cases?saved=2", "admin", nil)
	contains("the saved programme", w, "已保存为第 2 版", "影响力", `name="base_version" value="2"`)
	p, err := store.Programme(ctx, "management-cases")
	if err != nil || p.Version != 2 || p.Quota != 12 || len(p.Criteria) != 4 || p.Criteria[1].Weight != 30 {
		t.Fatalf("stored %+v, %v", p, err)
	}
	// Version 1 stays readable, without a form.
	w = do("GET", "/programmes/management-cases?version=1", "admin", nil)
	contains("version 1", w, "这是第 1 版,现行为第 2 版", "操作性")
	if strings.Contains(w.Body.String(), "影响力") || strings.Contains(w.Body.String(), `name="base_version"`) {
		t.Error("version 1 shows version 2's criterion or the form")
	}
	// The form opened on version 1, posted now, would undo version 2.
	w = do("POST", "/programmes/management-cases", "admin", form)
	if w.Code != http.StatusConflict {
		t.Fatalf("stale form: %d", w.Code)
	}
	contains("the stale form", w, "第 2 版", `name="base_version" value="2"`)
}
