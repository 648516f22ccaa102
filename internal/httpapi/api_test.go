package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"lianxi/activities"

	"lianxi/internal/auth"
	"lianxi/internal/consultations"
	"lianxi/internal/contests"
	"lianxi/internal/domain"
	"lianxi/internal/httpapi"
	"lianxi/internal/masterpieces"
	"lianxi/internal/meetings"
	"lianxi/internal/onetime"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
	"lianxi/internal/selections"
	"lianxi/internal/tasks"
	"lianxi/internal/webui"
	"lianxi/workflows"
)

const password = "Lotus-city-2026"

type env struct {
	codes *codeBox // the one-time codes the contests sent
	t     testing.TB
	srv   *httptest.Server
	store *postgres.Store
	ready *error        // what the fake Temporal check answers
	tc    client.Client // nil without Temporal
	auth  *auth.Service
}

func newEnv(t *testing.T) *env { return newEnvWith(t, nil) }

// newEnvWith builds the router over a fresh database; with a Temporal
// client, department tasks work too.
// extra registrations (a test's own activities) run on the worker before
// it starts.
//
// Options: a func(worker.Worker) registers more on the worker; a
// contests.Config sets the contests' limits; an onetime.Sender
// delivers their codes (by default a codeBox the test reads).
func newEnvWith(t testing.TB, tc client.Client, options ...any) *env {
	t.Helper()
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
	for _, u := range []domain.NewUser{
		{Username: "admin", DisplayName: "Admin", Grants: []domain.Grant{{Role: domain.RoleAdmin}}},
		{Username: "office1", DisplayName: "科技办", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "science"}}},
		{Username: "liaison1", DisplayName: "财政联络员", Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: "finance"}}},
		{Username: "taxliaison", DisplayName: "税务联络员", Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: "tax"}}},
		{Username: "landmember", DisplayName: "国土成员", Grants: []domain.Grant{{Role: domain.RoleMember, Department: "land"}}},
		{Username: "expert1", DisplayName: "专家", Grants: []domain.Grant{{Role: domain.RoleExpert}}},
		{Username: "cultureoffice", DisplayName: "文化办", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "culture"}}},
		{Username: "convener1", DisplayName: "科技召集人", Grants: []domain.Grant{{Role: domain.RoleConvener, Committee: "science"}}},
		{Username: "cultureconvener", DisplayName: "文化召集人", Grants: []domain.Grant{{Role: domain.RoleConvener, Committee: "culture"}}},
		{Username: "casesoffice", DisplayName: "管理创新办", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "management"}}},
		{Username: "casesconvener", DisplayName: "管理创新召集人", Grants: []domain.Grant{{Role: domain.RoleConvener, Committee: "management"}}},
	} {
		u.Password = password
		if _, err := svc.CreateUser(ctx, auth.System, u, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	pages, err := webui.New(webui.Deps{Auth: svc, Directory: store})
	if err != nil {
		t.Fatal(err)
	}
	var temporalErr error
	e := &env{t: t, store: store, ready: &temporalErr, tc: tc, auth: svc, codes: &codeBox{codes: map[string]string{}}}
	var taskSvc *tasks.Service
	var meetingSvc *meetings.Service
	var selectionSvc *selections.Service
	var contestSvc *contests.Service
	var masterpieceSvc *masterpieces.Service
	var consultationSvc *consultations.Service
	if tc != nil {
		var contestCfg contests.Config
		var sender onetime.Sender = e.codes
		for _, o := range options {
			switch o := o.(type) {
			case contests.Config:
				contestCfg = o
			case onetime.Sender:
				sender = o
			}
		}
		taskSvc = tasks.New(store, tc, nil)
		meetingSvc = meetings.New(store, tc, taskSvc, nil)
		selectionSvc = selections.New(store, store, tc, taskSvc, nil)
		contestSvc = contests.New(store, tc, taskSvc, sender, contestCfg, nil)
		masterpieceSvc = masterpieces.New(store, tc, taskSvc, nil)
		consultationSvc = consultations.New(store, tc, taskSvc, sender, consultations.Config{}, nil)
		w := worker.New(tc, workflows.TaskQueue, worker.Options{})
		w.RegisterWorkflow(workflows.Task)
		w.RegisterWorkflow(workflows.MeetingCycle)
		w.RegisterWorkflow(workflows.Selection)
		w.RegisterWorkflow(workflows.Contest)
		w.RegisterWorkflow(workflows.Masterpieces)
		w.RegisterWorkflow(workflows.Consultation)
		w.RegisterActivity(&activities.Consultations{Store: store})
		w.RegisterActivity(&activities.Activities{Tasks: store})
		w.RegisterActivity(&activities.Processes{Store: store, Experts: store.Experts, StartTask: taskSvc.StartWorkflow, Now: time.Now})
		w.RegisterActivity(&activities.Contests{Store: store})
		for _, o := range options {
			if f, ok := o.(func(worker.Worker)); ok {
				f(w)
			}
		}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
	}
	h := httpapi.Router(httpapi.Deps{
		Store: store, Auth: svc, Tasks: taskSvc, Meetings: meetingSvc, Selections: selectionSvc, Contests: contestSvc, Masterpieces: masterpieceSvc, Consultations: consultationSvc, Registry: prometheus.NewRegistry(), Pages: pages.Routes, PageNotFound: pages.NotFound,
		Ready: []httpapi.Check{
			{Name: "postgres", Check: store.Ping},
			{Name: "temporal", Check: func(context.Context) error { return *e.ready }},
		},
	})
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

// codeBox keeps the last one-time code sent to each contact.
type codeBox struct {
	mu    sync.Mutex
	codes map[string]string
}

func (b *codeBox) SendCode(_ context.Context, contact string, _ bool, code, _ string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.codes[contact] = code
	return nil
}

func (b *codeBox) code(contact string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.codes[contact]
}

// client returns an HTTP client signed in as user ("" for none).
func (e *env) client(user string) *http.Client {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if user != "" {
		resp := e.do(c, "POST", "/api/v1/login", `{"username":"`+user+`","password":"`+password+`"}`)
		if resp.StatusCode != http.StatusOK {
			e.t.Fatalf("login %s: %d", user, resp.StatusCode)
		}
	}
	return c
}

func (e *env) do(c *http.Client, method, path, body string, headers ...string) *http.Response {
	e.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func decodeBody[T any](t testing.TB, resp *http.Response) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// problem checks that a response is a problem document with a status and a
// title a person can read, and returns it.
func problem(t *testing.T, resp *http.Response, status int) httpapi.Problem {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q", ct)
	}
	p := decodeBody[httpapi.Problem](t, resp)
	if p.Status != status || p.Title == "" || p.RequestID == "" {
		t.Fatalf("problem %+v", p)
	}
	for _, leak := range []string{"pgx", "sql", "panic", "runtime", ".go:"} {
		if strings.Contains(strings.ToLower(p.Title), leak) {
			t.Fatalf("problem leaks internals: %q", p.Title)
		}
	}
	return p
}

func TestCommitteesThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	c := e.client("liaison1")
	type committees struct {
		Committees []struct {
			Code        string `json:"code"`
			MemberCount int    `json:"member_count"`
			Members     []struct {
				Code   string `json:"code"`
				NameZH string `json:"name_zh"`
				NameEN string `json:"name_en"`
			} `json:"members"`
			Conveners []struct{ Rank, TitleZH, TitleEN string } `json:"conveners"`
		} `json:"committees"`
	}
	got := decodeBody[committees](t, e.do(c, "GET", "/api/v1/committees", ""))
	counts := map[string]int{}
	for _, cm := range got.Committees {
		counts[cm.Code] = len(cm.Members)
		if cm.MemberCount != len(cm.Members) {
			t.Errorf("%s: member_count %d but %d members", cm.Code, cm.MemberCount, len(cm.Members))
		}
	}
	want := map[string]int{"science": 29, "culture": 12, "management": 11, "product": 0}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("%s: %d members, want %d", k, counts[k], v)
		}
	}
	type committee struct {
		Office struct {
			Host struct{ Code string } `json:"host"`
		} `json:"office"`
		Conveners []struct {
			Rank    string `json:"rank"`
			TitleZH string `json:"title_zh"`
		} `json:"conveners"`
	}
	sci := decodeBody[committee](t, e.do(c, "GET", "/api/v1/committees/science", ""))
	if sci.Office.Host.Code != "sci-tech" || len(sci.Conveners) != 2 || sci.Conveners[0].Rank != "chief" {
		t.Fatalf("science %+v", sci)
	}
	p := problem(t, e.do(c, "GET", "/api/v1/committees/nope?lang=en", ""), http.StatusNotFound)
	if !strings.Contains(p.Title, "nope") {
		t.Fatalf("not-found title %q", p.Title)
	}
}

func TestUnauthenticatedAndForbidden(t *testing.T) {
	e := newEnv(t)
	anon := e.client("")
	for _, path := range []string{"/api/v1/me", "/api/v1/committees", "/api/v1/committees/science", "/api/v1/organisations", "/api/v1/users", "/api/v1/audit"} {
		problem(t, e.do(anon, "GET", path, ""), http.StatusUnauthorized)
	}
	// Admin-only endpoints, for each role: 403 for the others, success for the admin.
	cases := []struct{ method, path, body string }{
		{"GET", "/api/v1/users", ""},
		{"POST", "/api/v1/users", `{"username":"new.user","password":"` + password + `","display_name":"N"}`},
		{"PUT", "/api/v1/users/liaison1/password", `{"password":"Another-pass-9"}`},
		{"POST", "/api/v1/users/liaison1/disable", ""},
		{"POST", "/api/v1/users/liaison1/enable", ""},
		{"POST", "/api/v1/organisations/land/rename", `{"name_zh":"市自然资源和规划局","name_en":"Natural Resources and Planning Bureau"}`},
		{"GET", "/api/v1/audit", ""},
		{"GET", "/api/v1/audit/verify", ""},
	}
	for _, user := range []string{"office1", "liaison1"} {
		c := e.client(user)
		for _, tc := range cases {
			problem(t, e.do(c, tc.method, tc.path, tc.body), http.StatusForbidden)
		}
	}
	admin := e.client("admin")
	for _, tc := range cases {
		resp := e.do(admin, tc.method, tc.path, tc.body)
		if resp.StatusCode >= 300 {
			t.Errorf("admin %s %s: %d", tc.method, tc.path, resp.StatusCode)
		}
	}
	// Refusals are in the audit trail, and the chain verifies.
	recs, err := e.store.RecentAudit(context.Background(), 200)
	if err != nil {
		t.Fatal(err)
	}
	denied := 0
	for _, r := range recs {
		if r.Action == "access" && r.Result == domain.AuditDenied {
			denied++
		}
	}
	if denied < 6+2*len(cases) {
		t.Fatalf("%d refusals audited, want at least %d", denied, 6+2*len(cases))
	}
	v := decodeBody[map[string]any](t, e.do(admin, "GET", "/api/v1/audit/verify", ""))
	if v["ok"] != true {
		t.Fatalf("verify %v", v)
	}
}

func TestLoginLogoutAndThrottling(t *testing.T) {
	e := newEnv(t)
	c := e.client("")
	p := problem(t, e.do(c, "POST", "/api/v1/login?lang=en", `{"username":"admin","password":"wrong"}`), http.StatusUnauthorized)
	if !strings.Contains(strings.ToLower(p.Title), "password") {
		t.Fatalf("title %q", p.Title)
	}
	resp := e.do(c, "POST", "/api/v1/login", `{"username":"admin","password":"`+password+`"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login %d", resp.StatusCode)
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "lianxi_session" {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v", cookie)
	}
	if me := decodeBody[map[string]any](t, e.do(c, "GET", "/api/v1/me", "")); me["username"] != "admin" {
		t.Fatalf("me %v", me)
	}
	if resp := e.do(c, "POST", "/api/v1/logout", ""); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout %d", resp.StatusCode)
	}
	// The old cookie no longer works even if replayed.
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/me", nil)
	req.AddCookie(cookie)
	replay, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	problem(t, replay, http.StatusUnauthorized)

	for range 10 {
		problem(t, e.do(c, "POST", "/api/v1/login", `{"username":"office1","password":"wrong"}`), http.StatusUnauthorized)
	}
	resp = e.do(c, "POST", "/api/v1/login", `{"username":"office1","password":"`+password+`"}`)
	problem(t, resp, http.StatusTooManyRequests)
	if resp.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

func TestBadInputGetsClearErrorsAndChangesNothing(t *testing.T) {
	e := newEnv(t)
	admin := e.client("admin")
	count := func() int {
		u, err := e.store.ListUsers(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return len(u)
	}
	before := count()
	fields := func(p httpapi.Problem) map[string]string {
		m := map[string]string{}
		for _, f := range p.Errors {
			if f.Message == "" {
				t.Fatalf("field %s without a message", f.Field)
			}
			m[f.Field] = f.Message
		}
		return m
	}
	p := problem(t, e.do(admin, "POST", "/api/v1/users", `{"username":"ok.name","password":"short","display_name":"x","roles":[{"role":"office","committee":"space"}]}`), http.StatusUnprocessableEntity)
	if f := fields(p); f["password"] == "" {
		t.Fatalf("fields %v", f)
	}
	p = problem(t, e.do(admin, "POST", "/api/v1/users", `{"username":"ok.name","password":"`+password+`","display_name":"x","roles":[{"role":"office","committee":"space"}]}`), http.StatusUnprocessableEntity)
	if f := fields(p); f["roles[0].committee"] == "" {
		t.Fatalf("fields %v", f)
	}
	p = problem(t, e.do(admin, "POST", "/api/v1/users", `{"username":"ok.name","password":"`+password+`","display_name":"x","roles":[{"role":"liaison","department":"atlantis"}]}`), http.StatusUnprocessableEntity)
	if f := fields(p); f["roles[0].department"] == "" {
		t.Fatalf("fields %v", f)
	}
	p = problem(t, e.do(admin, "POST", "/api/v1/users", `{"username":"ok.name","password":"`+password+`","display_name":"x","roles":[{"role":"boss"}]}`), http.StatusUnprocessableEntity)
	if f := fields(p); f["roles[0].role"] == "" {
		t.Fatalf("fields %v", f)
	}
	problem(t, e.do(admin, "POST", "/api/v1/users", `{"username":"admin","password":"`+password+`","display_name":"x"}`), http.StatusConflict)
	problem(t, e.do(admin, "POST", "/api/v1/users", `{"username":`), http.StatusBadRequest)
	problem(t, e.do(admin, "POST", "/api/v1/users", `{"username":"a","surprise":1}`), http.StatusBadRequest)
	problem(t, e.do(admin, "POST", "/api/v1/users", `{}{}`), http.StatusBadRequest)
	problem(t, e.do(admin, "POST", "/api/v1/users", `username=a`, "Content-Type", "application/x-www-form-urlencoded"), http.StatusUnsupportedMediaType)
	problem(t, e.do(admin, "POST", "/api/v1/users", `{"display_name":"`+strings.Repeat("x", 2<<20)+`"}`), http.StatusRequestEntityTooLarge)
	problem(t, e.do(admin, "DELETE", "/api/v1/committees", ""), http.StatusMethodNotAllowed)
	problem(t, e.do(admin, "GET", "/api/v1/no-such-thing", ""), http.StatusNotFound)
	problem(t, e.do(admin, "GET", "/api/v1/audit?limit=0", ""), http.StatusUnprocessableEntity)
	if after := count(); after != before {
		t.Fatalf("bad input changed the users: %d → %d", before, after)
	}
	resp := e.do(admin, "POST", "/api/v1/users", `{"username":"chen","password":"`+password+`","display_name":"陈","roles":[{"role":"office","committee":"science"},{"role":"liaison","department":"finance"}]}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create %d", resp.StatusCode)
	}
	if count() != before+1 {
		t.Fatal("user not created")
	}
}

func TestCrossOriginWritesAreRefused(t *testing.T) {
	e := newEnv(t)
	admin := e.client("admin")
	resp := e.do(admin, "POST", "/api/v1/users", `{"username":"csrf.victim","password":"`+password+`","display_name":"x"}`,
		"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d", resp.StatusCode)
	}
	if _, _, err := e.store.GetUserByUsername(context.Background(), "csrf.victim"); domain.KindOf(err) != domain.KindNotFound {
		t.Fatal("cross-site POST created a user")
	}
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	e := newEnv(t)
	c := e.client("")
	if resp := e.do(c, "GET", "/healthz", ""); resp.StatusCode != 200 {
		t.Fatalf("healthz %d", resp.StatusCode)
	}
	if resp := e.do(c, "GET", "/readyz", ""); resp.StatusCode != 200 {
		t.Fatalf("readyz %d", resp.StatusCode)
	}
	*e.ready = errors.New("frontend down")
	resp := e.do(c, "GET", "/readyz", "")
	body := decodeBody[map[string]any](t, resp)
	if resp.StatusCode != http.StatusServiceUnavailable || body["checks"].(map[string]any)["temporal"] != "unavailable" || body["checks"].(map[string]any)["postgres"] != "ok" {
		t.Fatalf("readyz %d %v", resp.StatusCode, body)
	}
	b, _ := io.ReadAll(e.do(c, "GET", "/metrics", "").Body)
	if !strings.Contains(string(b), `lianxi_http_requests_total{method="GET",route="/readyz",status="503"} 1`) {
		t.Fatalf("metrics:\n%s", b)
	}
}

func TestOrganisationHistoryThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	admin := e.client("admin")
	resp := e.do(admin, "POST", "/api/v1/organisations/quality/merge", `{"into":"commerce","note":"2019"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("merge %d", resp.StatusCode)
	}
	problem(t, e.do(admin, "POST", "/api/v1/organisations/quality/merge", `{"into":"commerce"}`), http.StatusConflict)
	p := problem(t, e.do(admin, "POST", "/api/v1/organisations/tax/rename", `{"name_zh":"","name_en":"Tax"}`), http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Field != "name_zh" {
		t.Fatalf("errors %+v", p.Errors)
	}
	o := decodeBody[map[string]any](t, e.do(admin, "GET", "/api/v1/organisations/quality", ""))
	h := o["history"].([]any)
	if o["merged_into"] != "commerce" || len(h) != 1 || h[0].(map[string]any)["kind"] != "merged" {
		t.Fatalf("organisation %v", o)
	}
}

func TestIdempotencyKeyMakesAWriteHappenOnce(t *testing.T) {
	e := newEnv(t)
	admin := e.client("admin")
	body := `{"username":"dup.click","password":"` + password + `","display_name":"双击"}`
	first := e.do(admin, "POST", "/api/v1/users", body, "Idempotency-Key", "create-dup-click-1")
	if first.StatusCode != http.StatusCreated {
		t.Fatalf("first %d", first.StatusCode)
	}
	firstBody, _ := io.ReadAll(first.Body)
	second := e.do(admin, "POST", "/api/v1/users", body, "Idempotency-Key", "create-dup-click-1")
	secondBody, _ := io.ReadAll(second.Body)
	if second.StatusCode != http.StatusCreated || second.Header.Get("Idempotent-Replayed") != "true" || string(secondBody) != string(firstBody) {
		t.Fatalf("replay: %d %q %s", second.StatusCode, second.Header.Get("Idempotent-Replayed"), secondBody)
	}
	// Without the key, the same request is a conflict: the user exists once.
	problem(t, e.do(admin, "POST", "/api/v1/users", body), http.StatusConflict)
	// The same key for another request is refused and changes nothing.
	p := problem(t, e.do(admin, "POST", "/api/v1/users", strings.Replace(body, "dup.click", "other.one", 1), "Idempotency-Key", "create-dup-click-1"), http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Field != "Idempotency-Key" {
		t.Fatalf("errors %+v", p.Errors)
	}
	if _, _, err := e.store.GetUserByUsername(context.Background(), "other.one"); domain.KindOf(err) != domain.KindNotFound {
		t.Fatal("a reused key created a user")
	}
	// Keys are per user: another admin's identical key is a new request.
	resp := e.do(admin, "POST", "/api/v1/users", `{"username":"second.admin","password":"`+password+`","display_name":"A","roles":[{"role":"admin"}]}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("second admin %d", resp.StatusCode)
	}
	other := e.client("second.admin")
	resp = e.do(other, "POST", "/api/v1/users", strings.Replace(body, "dup.click", "third.one", 1), "Idempotency-Key", "create-dup-click-1")
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("other user's key: %d", resp.StatusCode)
	}
	// Expired keys are purged.
	n, err := e.store.DeleteOldIdempotencyKeys(context.Background(), time.Now().Add(time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("purged %d keys, err %v", n, err)
	}
}
