package webui_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/webui"
	"lianxi/internal/webui/webtest"
)

// env is the pages over fakes, called in-process.
type env struct {
	t    *testing.T
	auth *webtest.FakeAuth
	dir  *webtest.FakeDirectory
	h    http.Handler
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := webtest.NewFakeDirectory()
	fa := webtest.NewFakeAuth(dir, webtest.DefaultAccounts()...)
	pages, err := webui.New(webui.Deps{Auth: fa, Directory: dir, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(middleware.RequestID, fa.Middleware)
	r.NotFound(pages.NotFound)
	pages.Routes(r)
	return &env{t: t, auth: fa, dir: dir, h: r}
}

// req describes one request: who sends it (empty for nobody signed in) and
// in which language.
type req struct {
	method, path string
	user         string
	lang         i18n.Lang
	body         io.Reader
	contentType  string
}

func (e *env) do(q req) *httptest.ResponseRecorder {
	e.t.Helper()
	if q.method == "" {
		q.method = http.MethodGet
	}
	r := httptest.NewRequest(q.method, q.path, q.body)
	if q.contentType != "" {
		r.Header.Set("Content-Type", q.contentType)
	}
	if q.lang != "" {
		r.AddCookie(&http.Cookie{Name: i18n.CookieName, Value: string(q.lang)})
	}
	if q.user != "" {
		for _, c := range e.signIn(q.user) {
			r.AddCookie(c)
		}
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// signIn opens a session for a user and returns the cookies the browser
// would hold, whatever auth names them.
func (e *env) signIn(username string) []*http.Cookie {
	e.t.Helper()
	s, err := e.auth.Login(context.Background(), auth.LoginInput{Username: username, Password: webtest.Password})
	if err != nil {
		e.t.Fatalf("sign in %s: %v", username, err)
	}
	w := httptest.NewRecorder()
	auth.SetCookie(w, httptest.NewRequest("GET", "/", nil), s)
	return w.Result().Cookies()
}

func form(kv ...string) (io.Reader, string) {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return strings.NewReader(v.Encode()), "application/x-www-form-urlencoded"
}

func upload(t *testing.T, field, name string, content []byte) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	return &b, mw.FormDataContentType()
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body:\n%s", w.Code, status, w.Body.String())
	}
}

func wantContains(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			t.Errorf("page lacks %q", p)
		}
	}
}

func wantNotContains(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) {
			t.Errorf("page contains %q", p)
		}
	}
}

// between returns the text from the first start to the next end after it.
func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return s
}

var tr = i18n.T

func TestSignedOutGoesToLogin(t *testing.T) {
	e := newEnv(t)
	for path, next := range map[string]string{
		"/":                   "",
		"/committees":         "/committees",
		"/committees/science": "/committees/science",
		"/organisations":      "/organisations",
		"/users":              "/users",
		"/committees?x=1":     "/committees?x=1",
	} {
		w := e.do(req{path: path})
		wantStatus(t, w, http.StatusSeeOther)
		loc, _ := url.Parse(w.Header().Get("Location"))
		if loc.Path != "/login" || loc.Query().Get("next") != next {
			t.Errorf("%s: redirected to %s", path, loc)
		}
	}
	// A POST without a session goes to the sign-in page too.
	body, ct := form("username", "x")
	w := e.do(req{method: "POST", path: "/users", body: body, contentType: ct})
	wantStatus(t, w, http.StatusSeeOther)
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	for _, lang := range i18n.Langs {
		w := e.do(req{path: "/login?next=/committees", lang: lang})
		wantStatus(t, w, http.StatusOK)
		b := w.Body.String()
		wantContains(t, b, `<html lang="`+lang.HTMLTag()+`"`, `<label for="username">`+tr(lang, "login.username", nil),
			`<label for="password">`, `name="next" value="/committees"`)
		wantNotContains(t, b, tr(lang, "nav.logout", nil)) // no user, no logout button
	}

	// A wrong password: the form again, 401, a message, the username kept
	// and the password not.
	body, ct := form("username", "admin", "password", "wrong-password-1", "next", "/users")
	w := e.do(req{method: "POST", path: "/login", body: body, contentType: ct, lang: i18n.EN})
	wantStatus(t, w, http.StatusUnauthorized)
	b := w.Body.String()
	wantContains(t, b, "Wrong username or password.", `value="admin"`, `name="next" value="/users"`)
	wantNotContains(t, b, "wrong-password-1")
	if len(w.Result().Cookies()) != 0 {
		t.Error("a failed sign-in set a cookie")
	}

	// Right password: a cookie and a 303 to the safe next.
	body, ct = form("username", "admin", "password", webtest.Password, "next", "/organisations")
	w = e.do(req{method: "POST", path: "/login", body: body, contentType: ct})
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/organisations" {
		t.Errorf("redirected to %q", loc)
	}
	if len(w.Result().Cookies()) == 0 {
		t.Error("no session cookie")
	}

	// A next pointing elsewhere is replaced by the home page.
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"} {
		body, ct = form("username", "admin", "password", webtest.Password, "next", next)
		w = e.do(req{method: "POST", path: "/login", body: body, contentType: ct})
		if loc := w.Header().Get("Location"); loc != "/" {
			t.Errorf("next %q redirected to %q", next, loc)
		}
	}

	// Signed in already: the sign-in page sends you on.
	w = e.do(req{path: "/login", user: "admin"})
	wantStatus(t, w, http.StatusSeeOther)
}

func TestLoginRateLimited(t *testing.T) {
	e := newEnv(t)
	e.auth.LockAfter = 2
	for range 2 {
		body, ct := form("username", "expert", "password", "nope-nope-1")
		e.do(req{method: "POST", path: "/login", body: body, contentType: ct})
	}
	for _, lang := range i18n.Langs {
		body, ct := form("username", "expert", "password", webtest.Password)
		w := e.do(req{method: "POST", path: "/login", body: body, contentType: ct, lang: lang})
		wantStatus(t, w, http.StatusTooManyRequests)
		if w.Header().Get("Retry-After") != "900" {
			t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
		}
		wantContains(t, w.Body.String(), tr(lang, "error.rate_limited", map[string]any{"seconds": 900}))
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	w := e.do(req{method: "POST", path: "/logout", user: "admin"})
	wantStatus(t, w, http.StatusSeeOther)
	if w.Header().Get("Location") != "/login" {
		t.Errorf("logout went to %q", w.Header().Get("Location"))
	}
	cleared := false
	for _, c := range w.Result().Cookies() {
		cleared = cleared || c.MaxAge < 0
	}
	if !cleared {
		t.Error("session cookie not cleared")
	}
	// Logging out is a POST only: a link cannot sign anyone out.
	w = e.do(req{path: "/logout", user: "admin"})
	if w.Code == http.StatusSeeOther || w.Code == http.StatusOK {
		t.Errorf("GET /logout answered %d", w.Code)
	}
}

func TestDashboard(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		user        string
		lang        i18n.Lang
		want        []string
		committees  []string // links expected
		notExpected []string
	}{
		{"cz.liaison", i18n.ZH, []string{"李娜,您好", "<li>市财政局 联络员</li>"}, []string{"science", "culture", "management"}, []string{`href="/users"`, "/committees/product"}},
		{"cz.liaison", i18n.EN, []string{"Welcome, 李娜", "<li>Liaison, Finance Bureau</li>"}, []string{"science", "culture", "management"}, nil},
		{"kj.office", i18n.ZH, []string{"<li>市科技创新工作联席会议 办公室</li>"}, []string{"science"}, []string{"/committees/culture", "/committees/management"}},
		{"kj.office", i18n.EN, []string{"<li>Office, Joint Meeting on Science and Technology Innovation</li>"}, []string{"science"}, nil},
		{"admin", i18n.ZH, []string{"<li>管理员</li>", `href="/users"`, tr(i18n.ZH, "dashboard.admin", nil)}, []string{"science", "product", "culture", "management"}, nil},
		{"expert", i18n.EN, []string{"<li>Expert reviewer</li>", tr(i18n.EN, "dashboard.no_committees", nil)}, nil, []string{`href="/users"`}},
	}
	for _, c := range cases {
		w := e.do(req{path: "/", user: c.user, lang: c.lang})
		wantStatus(t, w, http.StatusOK)
		b := w.Body.String()
		wantContains(t, b, c.want...)
		for _, code := range c.committees {
			wantContains(t, b, `href="/committees/`+code+`"`)
		}
		wantNotContains(t, b, c.notExpected...)
		// The nav is there for everybody; the logout is a form POST.
		wantContains(t, b, `<form method="post" action="/logout"`, `href="/committees"`, `href="/organisations"`)
	}
}

func TestCommitteesList(t *testing.T) {
	e := newEnv(t)
	for _, lang := range i18n.Langs {
		w := e.do(req{path: "/committees", user: "cz.liaison", lang: lang})
		wantStatus(t, w, http.StatusOK)
		b := w.Body.String()
		rows := strings.Count(between(b, "<tbody>", "</tbody>"), "<tr>")
		if rows != 4 {
			t.Errorf("%s: %d committees listed", lang, rows)
		}
		if lang == i18n.ZH {
			wantContains(t, b, "市科技创新工作联席会议", "每半年", "适时召开", "市科技局", "市委改革办", `">29</td>`, `">12</td>`, `">11</td>`, `">0</td>`)
		} else {
			wantContains(t, b, "Joint Meeting on Science and Technology Innovation", "Half-yearly", "As needed", "Science and Technology Bureau", `<th scope="col"`)
		}
	}
}

func TestCommitteeScience(t *testing.T) {
	e := newEnv(t)
	for _, lang := range i18n.Langs {
		w := e.do(req{path: "/committees/science", user: "kj.office", lang: lang})
		wantStatus(t, w, http.StatusOK)
		b := w.Body.String()
		members := between(b, `<table class="members">`, "</table>")
		if n := strings.Count(between(members, "<tbody>", "</tbody>"), "<tr>"); n != 29 {
			t.Errorf("%s: %d member rows, want 29", lang, n)
		}
		wantContains(t, members, `<th scope="col"`, `<th scope="row">`, "<code>sci-assoc</code>")
		if lang == i18n.ZH {
			wantContains(t, b, "<h1>市科技创新工作联席会议</h1>", "S12", "总召集人", "市委副书记、市长", "分管副市长",
				"市科技局主要负责人", "原则上每半年召开一次", "成员单位(29 个)", "市科协", "市人力资源社会保障局")
		} else {
			wantContains(t, b, "Joint Meeting on Science and Technology Innovation", "Chief convener",
				"Deputy Secretary of the CPC Municipal Committee and Mayor", "Convener</span> Vice Mayor in charge",
				"Head of the Science and Technology Bureau", "every half year in principle", "Member departments (29)",
				"Association for Science and Technology")
			wantNotContains(t, members, "市科协") // member names follow the page's language
		}
	}

	// The product meeting names nobody: the page says so.
	w := e.do(req{path: "/committees/product", user: "kj.office", lang: i18n.ZH})
	wantStatus(t, w, http.StatusOK)
	wantContains(t, w.Body.String(), tr(i18n.ZH, "committee.no_conveners", nil), tr(i18n.ZH, "committee.no_members", nil), "市经信委")

	// Management: its one convener and its minimum sitting.
	w = e.do(req{path: "/committees/management", user: "kj.office", lang: i18n.EN})
	wantContains(t, w.Body.String(), "Convener</span> Member of the Standing Committee", "at least 1 per year")
}

func TestCommitteeNotFound(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/committees/nope", "/committees/Bad!", "/no-such-page"} {
		for _, lang := range i18n.Langs {
			w := e.do(req{path: path, user: "admin", lang: lang})
			wantStatus(t, w, http.StatusNotFound)
			wantContains(t, w.Body.String(), tr(lang, "page.not_found.title", nil), tr(lang, "page.not_found.body", nil))
		}
	}
}

func TestOrganisations(t *testing.T) {
	e := newEnv(t)
	at := time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC)
	e.dir.AddOrganisation(domain.Organisation{Code: "market", NameZH: "市市场监督管理局", NameEN: "Market Regulation Administration", Kind: domain.OrgDepartment})
	e.dir.Rename("land", "市自然资源和规划局", "Natural Resources and Planning Bureau", at)
	e.dir.Merge("quality", "market", at)

	w := e.do(req{path: "/organisations", user: "expert", lang: i18n.ZH})
	wantStatus(t, w, http.StatusOK)
	b := w.Body.String()
	wantContains(t, b, "市自然资源和规划局", "2019-03-01 由“市国土资源局”更名为“市自然资源和规划局”",
		"已并入市市场监督管理局", "2019-03-01 并入市市场监督管理局", "市直部门", "其他单位", "湘潭日报社", `<th scope="col">`)

	w = e.do(req{path: "/organisations", user: "expert", lang: i18n.EN})
	b = w.Body.String()
	wantContains(t, b, "Natural Resources and Planning Bureau", "2019-03-01: renamed from Land and Resources Bureau to Natural Resources and Planning Bureau",
		"Merged into Market Regulation Administration", "Other body")

	// The committee pages show the current name of a renamed member.
	w = e.do(req{path: "/committees/science", user: "expert", lang: i18n.ZH})
	wantContains(t, w.Body.String(), "市自然资源和规划局")
}

func TestEscaping(t *testing.T) {
	e := newEnv(t)
	evil := `<script>alert("x")</script>`
	e.dir.AddOrganisation(domain.Organisation{Code: "evil", NameZH: evil + "局", NameEN: evil + " Bureau", Kind: domain.OrgDepartment})
	e.dir.AddMember("science", "evil")
	_, err := e.auth.CreateUser(context.Background(), domain.User{Grants: []domain.Grant{{Role: domain.RoleAdmin}}},
		domain.NewUser{Username: "mallory", DisplayName: evil, Password: webtest.Password, Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: "evil"}}}, auth.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/committees/science", "/organisations", "/users", "/"} {
		for _, user := range []string{"admin", "mallory"} {
			w := e.do(req{path: path, user: user, lang: i18n.EN})
			b := w.Body.String()
			if strings.Contains(b, "<script>") {
				t.Errorf("%s as %s: unescaped script", path, user)
			}
			// The admin's own dashboard names nobody else.
			shown := w.Code == http.StatusOK && !(path == "/" && user == "admin")
			if shown && !strings.Contains(b, "&lt;script&gt;") {
				t.Errorf("%s as %s: the name is missing", path, user)
			}
		}
	}
	// 30 members now, the escaped one among them.
	b := e.do(req{path: "/committees/science", user: "admin"}).Body.String()
	if n := strings.Count(between(between(b, `<table class="members">`, "</table>"), "<tbody>", "</tbody>"), "<tr>"); n != 30 {
		t.Errorf("%d member rows", n)
	}
}

func TestUsersForbiddenForNonAdmins(t *testing.T) {
	e := newEnv(t)
	for _, user := range []string{"kj.office", "convener", "cz.liaison", "expert"} {
		for _, lang := range i18n.Langs {
			w := e.do(req{path: "/users", user: user, lang: lang})
			wantStatus(t, w, http.StatusForbidden)
			b := w.Body.String()
			wantContains(t, b, tr(lang, "page.forbidden.title", nil), tr(lang, "page.forbidden.body", nil))
			wantNotContains(t, b, "cz.liaison</code>", `href="/users"`)
		}
		body, ct := form("username", "new.user", "display_name", "N", "password", webtest.Password)
		w := e.do(req{method: "POST", path: "/users", user: user, body: body, contentType: ct})
		wantStatus(t, w, http.StatusForbidden)
		body, ct = upload(t, "file", "u.csv", []byte("username,display_name,password,roles\nx.y.z,X,"+webtest.Password+",\n"))
		w = e.do(req{method: "POST", path: "/users/import", user: user, body: body, contentType: ct})
		wantStatus(t, w, http.StatusForbidden)
	}
	users, _ := e.auth.ListUsers(context.Background(), domain.User{Grants: []domain.Grant{{Role: domain.RoleAdmin}}})
	if len(users) != len(webtest.DefaultAccounts()) {
		t.Errorf("a refused request created users: %d", len(users))
	}
	// Every refusal is in the audit trail.
	audited := e.auth.Audited()
	for _, want := range []string{"expert access GET /users denied", "expert access POST /users denied", "expert access POST /users/import denied"} {
		if !slices.Contains(audited, want) {
			t.Errorf("audit lacks %q; has %q", want, audited)
		}
	}
}

func TestUsersPage(t *testing.T) {
	e := newEnv(t)
	for _, lang := range i18n.Langs {
		w := e.do(req{path: "/users", user: "admin", lang: lang})
		wantStatus(t, w, http.StatusOK)
		b := w.Body.String()
		wantContains(t, b, "<code>cz.liaison</code>", `<label for="username">`, `<label for="display_name">`,
			`<label for="password">`, `<label for="roles">`, `<label for="file">`, `enctype="multipart/form-data"`,
			tr(lang, "grant.department", map[string]any{"role": tr(lang, "role.liaison", nil), "department": map[i18n.Lang]string{i18n.ZH: "市财政局", i18n.EN: "Finance Bureau"}[lang]}))
	}
}

func TestCreateUser(t *testing.T) {
	e := newEnv(t)
	// Invalid: each message beside its field, the input kept, the password
	// never sent back.
	body, ct := form("username", "X", "display_name", "", "password", "short", "roles", "office@science; liaison@science")
	w := e.do(req{method: "POST", path: "/users", user: "admin", body: body, contentType: ct, lang: i18n.ZH})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	b := w.Body.String()
	wantContains(t, b, `id="username-error"`, `id="display_name-error"`, `id="password-error"`, `id="roles-error"`,
		`value="X"`, `value="office@science; liaison@science"`, `aria-invalid="true"`,
		tr(i18n.ZH, "validation.password_short", map[string]any{"min": 10}), "liaison@science")
	wantNotContains(t, b, `value="short"`)

	// Unknown scopes are reported on the roles field, numbered.
	body, ct = form("username", "new.user", "display_name", "新用户", "password", webtest.Password, "roles", "office@nowhere")
	w = e.do(req{method: "POST", path: "/users", user: "admin", body: body, contentType: ct, lang: i18n.EN})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantContains(t, between(w.Body.String(), `id="roles-error"`, "</p>"), "Role 1: There is no joint meeting with the code")

	// Taken: beside the username.
	body, ct = form("username", "expert", "display_name", "Someone", "password", webtest.Password)
	w = e.do(req{method: "POST", path: "/users", user: "admin", body: body, contentType: ct, lang: i18n.EN})
	wantStatus(t, w, http.StatusConflict)
	wantContains(t, between(w.Body.String(), `id="username-error"`, "</p>"), "The username expert is already taken.")

	// Created: back to the list with a confirmation.
	body, ct = form("username", "Zhang.Wei", "display_name", "张伟", "password", webtest.Password, "roles", "liaison:finance;office@science")
	w = e.do(req{method: "POST", path: "/users", user: "admin", body: body, contentType: ct})
	wantStatus(t, w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	if loc != "/users?created=zhang.wei" {
		t.Fatalf("redirected to %q", loc)
	}
	b = e.do(req{path: loc, user: "admin", lang: i18n.ZH}).Body.String()
	wantContains(t, b, "已创建用户 zhang.wei。", "<code>zhang.wei</code>", "<li>市财政局 联络员</li>", "<li>市科技创新工作联席会议 办公室</li>")

	// A confirmation for a user that does not exist is not shown.
	b = e.do(req{path: "/users?created=ghost", user: "admin", lang: i18n.ZH}).Body.String()
	wantNotContains(t, b, "ghost")
}

func TestImportUsers(t *testing.T) {
	e := newEnv(t)
	count := func() int {
		us, _ := e.auth.ListUsers(context.Background(), domain.User{Grants: []domain.Grant{{Role: domain.RoleAdmin}}})
		return len(us)
	}
	before := count()

	bad := "username,display_name,password,roles\n" +
		"good.one,好人," + webtest.Password + ",liaison:finance\n" +
		"x,," + webtest.Password + ",\n" +
		"bad.role,坏角色," + webtest.Password + ",boss@science\n"
	body, ct := upload(t, "file", "users.csv", []byte(bad))
	w := e.do(req{method: "POST", path: "/users/import", user: "admin", body: body, contentType: ct, lang: i18n.ZH})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	b := w.Body.String()
	table := between(b, `<table class="import-errors">`, "</table>")
	wantContains(t, table, `<th scope="row" class="num">3</th>`, `<th scope="row" class="num">4</th>`, "用户名:", "姓名:", "boss@science")
	wantNotContains(t, table, `<th scope="row" class="num">2</th>`)
	wantContains(t, b, tr(i18n.ZH, "users.import.failed", map[string]any{"n": 2}))
	if count() != before {
		t.Fatal("a failed import created users")
	}

	good := "username,display_name,password,roles\n" +
		"good.one,好人," + webtest.Password + ",liaison:finance\n" +
		"good.two,好人二," + webtest.Password + ",office@culture;expert\n"
	body, ct = upload(t, "file", "users.csv", []byte(good))
	w = e.do(req{method: "POST", path: "/users/import", user: "admin", body: body, contentType: ct})
	wantStatus(t, w, http.StatusSeeOther)
	if w.Header().Get("Location") != "/users?imported=2" || count() != before+2 {
		t.Fatalf("import: %s, %d users", w.Header().Get("Location"), count())
	}
	wantContains(t, e.do(req{path: "/users?imported=2", user: "admin", lang: i18n.EN}).Body.String(), "2 users imported.")

	// More than 1 MiB is refused before the service sees it.
	body, ct = upload(t, "file", "big.csv", bytes.Repeat([]byte("a"), webui.MaxImportBytes+1))
	w = e.do(req{method: "POST", path: "/users/import", user: "admin", body: body, contentType: ct, lang: i18n.EN})
	wantStatus(t, w, http.StatusRequestEntityTooLarge)
	wantContains(t, w.Body.String(), tr(i18n.EN, "error.body_too_large", nil))

	// Not a multipart upload.
	body, ct = form("file", "x")
	w = e.do(req{method: "POST", path: "/users/import", user: "admin", body: body, contentType: ct})
	wantStatus(t, w, http.StatusUnsupportedMediaType)

	// An empty file.
	body, ct = upload(t, "file", "empty.csv", nil)
	w = e.do(req{method: "POST", path: "/users/import", user: "admin", body: body, contentType: ct})
	wantStatus(t, w, http.StatusUnprocessableEntity)
}

func TestStaticAssets(t *testing.T) {
	e := newEnv(t)
	b := e.do(req{path: "/login"}).Body.String()
	css := regexp.MustCompile(`href="(/static/app\.[0-9a-f]{8}\.css)"`).FindStringSubmatch(b)
	if css == nil {
		t.Fatal("no hashed stylesheet link")
	}
	w := e.do(req{path: css[1]})
	wantStatus(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("content type %q", ct)
	}
	if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
		t.Errorf("cache control %q", cc)
	}
	wantContains(t, w.Body.String(), ":focus-visible")
	for _, path := range []string{"/static/app.css", "/static/app.00000000.css", "/static/../embed.go"} {
		if w := e.do(req{path: path}); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", path, w.Code)
		}
	}
}

func TestLanguageLinksStayOnThisSite(t *testing.T) {
	e := newEnv(t)
	w := e.do(req{path: "//evil.example/phish"})
	if strings.Contains(w.Body.String(), "evil.example") {
		t.Fatal("a page links to another site taken from the request path")
	}
}

func TestLanguageSwitch(t *testing.T) {
	e := newEnv(t)
	w := e.do(req{path: "/committees?lang=en", user: "expert"})
	wantStatus(t, w, http.StatusOK)
	b := w.Body.String()
	// Links are relative to the page, so a path such as //host cannot turn
	// them into links to another site.
	wantContains(t, b, `<html lang="en">`, `href="?lang=zh"`, `href="?lang=en"`, ">中文</a>", ">English</a>")
	var set bool
	for _, c := range w.Result().Cookies() {
		set = set || (c.Name == i18n.CookieName && c.Value == "en" && c.HttpOnly)
	}
	if !set {
		t.Error("lang cookie not set")
	}
	// Accept-Language picks English for a browser that asks for it.
	r := httptest.NewRequest("GET", "/login", nil)
	r.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	rw := httptest.NewRecorder()
	e.h.ServeHTTP(rw, r)
	wantContains(t, rw.Body.String(), `<html lang="en">`, "Sign in")
}

// TestEveryPageIsComplete renders every page in both languages and looks
// for the marks of a forgotten translation: a bare catalogue key, an
// unfilled {placeholder}; and for the defacement spam of the source
// document.
func TestEveryPageIsComplete(t *testing.T) {
	e := newEnv(t)
	keyish := regexp.MustCompile(`>\s*(page|nav|users|committee|committees|organisations|org|orgkind|dashboard|login|role|rank|cadence|grant|common|error|validation|punct|lang|object)\.[a-z_.-]+\s*<`)
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	spam := "\u8461\u4eac"
	paths := []struct{ path, user string }{
		{"/login", ""}, {"/", "admin"}, {"/", "cz.liaison"}, {"/", "expert"}, {"/committees", "admin"},
		{"/committees/science", "admin"}, {"/committees/product", "admin"}, {"/committees/culture", "admin"},
		{"/committees/management", "admin"}, {"/organisations", "admin"}, {"/users", "admin"},
		{"/users", "expert"}, {"/committees/nope", "admin"},
	}
	for _, p := range paths {
		for _, lang := range i18n.Langs {
			b := e.do(req{path: p.path, user: p.user, lang: lang}).Body.String()
			if m := keyish.FindString(b); m != "" {
				t.Errorf("%s %s: untranslated %s", p.path, lang, m)
			}
			if m := placeholder.FindString(b); m != "" {
				t.Errorf("%s %s: unfilled %s", p.path, lang, m)
			}
			if strings.Contains(b, spam) {
				t.Errorf("%s %s: injected text", p.path, lang)
			}
			wantContains(t, b, `<a class="skip-link" href="#main">`, `<main id="main"`)
		}
	}
}
