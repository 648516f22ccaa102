package webui_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"

	"lianxi/internal/domain"
	"lianxi/internal/webui"
	"lianxi/internal/webui/webtest"
)

// TestBrowser drives the pages in a real (headless) Chromium: sign in
// through the form, read the committee pages in Chinese and in English as a
// person sees them, and keep screenshots ($LIANXI_SCREENSHOTS) for a human
// to look at. It runs on fakes; the same steps work against the real store
// by building the server with postgres.Store and auth.Service instead.
func TestBrowser(t *testing.T) {
	dir := webtest.NewFakeDirectory()
	// A reorganisation, so the organisations page has history to show.
	at := time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC)
	dir.AddOrganisation(domain.Organisation{Code: "market", NameZH: "市市场监督管理局", NameEN: "Market Regulation Administration", Kind: domain.OrgDepartment})
	dir.Rename("land", "市自然资源和规划局", "Natural Resources and Planning Bureau", at)
	dir.Merge("quality", "market", at)
	fa := webtest.NewFakeAuth(dir, webtest.DefaultAccounts()...)
	pages, err := webui.New(webui.Deps{Auth: fa, Directory: dir, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := webtest.NewServer(t, func(r chi.Router) {
		r.NotFound(pages.NotFound)
		pages.Routes(r)
	}, fa.Middleware)
	shots := webtest.ScreenshotDir(t)
	ctx := webtest.NewBrowser(t)

	// Signed out, every page leads to the sign-in form.
	webtest.Open(t, ctx, srv.URL+"/committees/science")
	if loc := webtest.Value(t, ctx, "location", chromedp.Location()); !strings.Contains(loc, "/login?next=%2Fcommittees%2Fscience") {
		t.Fatalf("signed out, landed on %s", loc)
	}
	webtest.Screenshot(t, ctx, shots, "login-zh")

	// A wrong password shows the message on the form.
	webtest.Step(t, ctx, "wrong password",
		chromedp.SendKeys(chromedp.CSS("#username"), "admin"),
		chromedp.SendKeys(chromedp.CSS("#password"), "not-the-password-1"),
	)
	if status := webtest.Follow(t, ctx, "form[action='/login'] button"); status != 401 {
		t.Errorf("wrong password answered %d", status)
	}
	if got := webtest.Text(t, ctx, "#login-error"); got != "用户名或密码错误。" {
		t.Errorf("wrong-password message %q", got)
	}

	webtest.Login(t, ctx, srv.URL, "admin", webtest.Password)
	if got := webtest.Text(t, ctx, "h1"); got != "系统管理员,您好" {
		t.Errorf("dashboard heading %q", got)
	}
	webtest.Screenshot(t, ctx, shots, "dashboard-zh")

	// The committees, in Chinese (the default) and in English.
	for _, lang := range []string{"zh", "en"} {
		webtest.Open(t, ctx, srv.URL+"/committees?lang="+lang)
		if n := webtest.Count(t, ctx, "main table tbody tr"); n != 4 {
			t.Errorf("%s: %d committees", lang, n)
		}
		webtest.Screenshot(t, ctx, shots, "committees-"+lang)

		webtest.Open(t, ctx, srv.URL+"/committees/science?lang="+lang)
		if n := webtest.Count(t, ctx, "table.members tbody tr"); n != 29 {
			t.Errorf("%s: %d member rows, want 29", lang, n)
		}
		conveners := webtest.Texts(t, ctx, ".conveners li")
		want := map[string][]string{
			"zh": {"总召集人 市委副书记、市长", "召集人 分管副市长"},
			"en": {"Chief convener Deputy Secretary of the CPC Municipal Committee and Mayor", "Convener Vice Mayor in charge"},
		}[lang]
		if strings.Join(conveners, "|") != strings.Join(want, "|") {
			t.Errorf("%s: conveners %q, want %q", lang, conveners, want)
		}
		h1 := webtest.Text(t, ctx, "h1")
		members := webtest.Texts(t, ctx, "table.members tbody th")
		if lang == "zh" {
			if h1 != "市科技创新工作联席会议" || members[0] != "市政府办公室" || !slices.Contains(members, "市自然资源和规划局") {
				t.Errorf("zh: %q, members %q", h1, members)
			}
		} else {
			if h1 != "Joint Meeting on Science and Technology Innovation" || members[0] != "Municipal Government Office" {
				t.Errorf("en: %q, members %q", h1, members)
			}
		}
		if got := webtest.Value(t, ctx, "html lang", chromedp.Evaluate[string](`document.documentElement.lang`)); got != map[string]string{"zh": "zh-CN", "en": "en"}[lang] {
			t.Errorf("%s: html lang %q", lang, got)
		}
		webtest.Screenshot(t, ctx, shots, "committee-science-"+lang)
	}

	// The language switch: the link, then the cookie it leaves, keep the
	// language on the next page without ?lang=.
	webtest.Follow(t, ctx, `.lang-switch a[hreflang="zh-CN"]`)
	webtest.Open(t, ctx, srv.URL+"/organisations")
	if got := webtest.Text(t, ctx, "h1"); got != "单位" {
		t.Errorf("after switching to Chinese, organisations heading %q", got)
	}
	webtest.Screenshot(t, ctx, shots, "organisations-zh")

	webtest.Open(t, ctx, srv.URL+"/users?lang=en")
	webtest.Screenshot(t, ctx, shots, "users-en")

	// Creating a user with mistakes: each message beside its field, what
	// was typed kept (but not the password).
	webtest.Open(t, ctx, srv.URL+"/users?lang=zh")
	webtest.Step(t, ctx, "fill the new-user form",
		chromedp.SendKeys(chromedp.CSS("#username"), "X"),
		chromedp.SendKeys(chromedp.CSS("#password"), "short"),
		chromedp.SendKeys(chromedp.CSS("#roles"), "office@science;boss"),
	)
	if status := webtest.Follow(t, ctx, "form[action='/users'] button"); status != 422 {
		t.Errorf("invalid new user answered %d", status)
	}
	for _, id := range []string{"#username-error", "#display_name-error", "#password-error", "#roles-error"} {
		if webtest.Text(t, ctx, id) == "" {
			t.Errorf("%s is empty", id)
		}
	}
	if got := webtest.Value(t, ctx, "roles value", chromedp.Value(chromedp.CSS("#roles"))); got != "office@science;boss" {
		t.Errorf("roles not kept: %q", got)
	}
	if got := webtest.Value(t, ctx, "password value", chromedp.Value(chromedp.CSS("#password"))); got != "" {
		t.Errorf("password sent back: %q", got)
	}
	webtest.Screenshot(t, ctx, shots, "users-create-errors-zh")

	// An import with a bad line: the problems by line, nothing created.
	csvPath := filepath.Join(t.TempDir(), "users.csv")
	csv := "username,display_name,password,roles\n" +
		"wang.fang,王芳," + webtest.Password + ",liaison:finance\n" +
		"x,,short,office@nowhere\n"
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	webtest.Step(t, ctx, "choose the CSV file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{csvPath}))
	if status := webtest.Follow(t, ctx, "form[action='/users/import'] button"); status != 422 {
		t.Errorf("bad import answered %d", status)
	}
	if rows := webtest.Texts(t, ctx, "table.import-errors tbody th"); len(rows) != 1 || rows[0] != "3" {
		t.Errorf("import errors on lines %q, want [3]", rows)
	}
	webtest.Screenshot(t, ctx, shots, "users-import-errors-zh")

	// On a phone: nothing may be wider than the screen except inside a
	// table's own scroll box.
	webtest.Phone(t, ctx)
	for _, p := range []struct{ path, shot string }{
		{"/committees/science?lang=zh", "committee-science-zh-phone"},
		{"/committees?lang=en", "committees-en-phone"},
		{"/organisations?lang=en", "organisations-en-phone"},
		{"/users?lang=zh", "users-zh-phone"},
	} {
		webtest.Open(t, ctx, srv.URL+p.path)
		if webtest.Overflows(t, ctx) {
			t.Errorf("%s is wider than a phone screen", p.path)
		}
		webtest.Screenshot(t, ctx, shots, p.shot)
	}
	webtest.Desktop(t, ctx)

	// Signing out is a form POST; afterwards the pages want a sign-in again.
	webtest.Follow(t, ctx, "form[action='/logout'] button")
	webtest.Open(t, ctx, srv.URL+"/")
	if loc := webtest.Value(t, ctx, "location", chromedp.Location()); !strings.Contains(loc, "/login") {
		t.Errorf("after signing out, / showed %s", loc)
	}

	// A non-administrator is refused the users page with an explanation.
	webtest.Login(t, ctx, srv.URL, "cz.liaison", webtest.Password)
	webtest.Open(t, ctx, srv.URL+"/users")
	if got := webtest.Text(t, ctx, "h1"); got != "无权访问" {
		t.Errorf("liaison on /users: %q", got)
	}
	webtest.Screenshot(t, ctx, shots, "forbidden-zh")
}
