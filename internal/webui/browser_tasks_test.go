package webui_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"

	"lianxi/internal/domain"
	"lianxi/internal/webui/webtest"
)

// TestBrowserTasks drives the task pages in headless Chromium as the
// finance bureau's liaison, the science office and an administrator would:
// the inbox, a task page (a submission refused field by field, then
// corrected), the board, the ledger and the calendar, in Chinese and
// English, on a desk and on a phone, with screenshots for a person to look
// at ($LIANXI_SCREENSHOTS).
func TestBrowserTasks(t *testing.T) {
	e, pages := newTaskPages(t)
	srv := webtest.NewServer(t, func(r chi.Router) {
		r.NotFound(pages.NotFound)
		pages.Routes(r)
	}, e.auth.Middleware)
	shots := webtest.ScreenshotDir(t)
	ctx := webtest.NewBrowser(t)
	agenda := srv.URL + e.path("agenda")

	webtest.Login(t, ctx, srv.URL, "cz.liaison", webtest.Password)
	for _, lang := range []string{"zh", "en"} {
		webtest.Open(t, ctx, srv.URL+"/tasks?lang="+lang)
		if got := webtest.Text(t, ctx, "h1"); got != map[string]string{"zh": "我的任务", "en": "My tasks"}[lang] {
			t.Errorf("%s: inbox heading %q", lang, got)
		}
		if n := webtest.Count(t, ctx, "table.tasks tbody tr"); n != 3 {
			t.Errorf("%s: %d tasks in the inbox, want 3", lang, n)
		}
		late := webtest.Texts(t, ctx, "tr.overdue .when.late")
		if len(late) != 1 || !strings.Contains(late[0], map[string]string{"zh": "逾期 3 个工作日", "en": "3 working days overdue"}[lang]) {
			t.Errorf("%s: overdue marks %q", lang, late)
		}
		webtest.Screenshot(t, ctx, shots, "inbox-"+lang)

		webtest.Open(t, ctx, agenda+"?lang="+lang)
		if n := webtest.Count(t, ctx, "form[action$='/submit'] > .field"); n != 6 {
			t.Errorf("%s: the form has %d fields, want 6", lang, n)
		}
		webtest.Screenshot(t, ctx, shots, "task-"+lang)
	}

	// A submission with mistakes comes back with each message beside its
	// field and what was typed kept.
	webtest.Open(t, ctx, agenda+"?lang=zh")
	webtest.Step(t, ctx, "fill the form badly",
		chromedp.SendKeys(chromedp.CSS("#values-summary"), "拟提请审议科技金融支持政策"),
		chromedp.SendKeys(chromedp.CSS("#values-pages"), "十二"),
	)
	if status := webtest.Follow(t, ctx, "form[action$='/submit'] button[type=submit]"); status != http.StatusUnprocessableEntity {
		t.Errorf("a bad submission answered %d", status)
	}
	for _, id := range []string{"#values-topic-error", "#values-pages-error", "#values-category-error", "#values-confirmed-error"} {
		if webtest.Text(t, ctx, id) == "" {
			t.Errorf("%s is empty", id)
		}
	}
	if got := webtest.Value(t, ctx, "summary kept", chromedp.Value(chromedp.CSS("#values-summary"))); got != "拟提请审议科技金融支持政策" {
		t.Errorf("summary not kept: %q", got)
	}
	webtest.Screenshot(t, ctx, shots, "task-errors-zh")

	webtest.Step(t, ctx, "correct the form",
		chromedp.SendKeys(chromedp.CSS("#values-topic"), "科技金融支持政策"),
		chromedp.SetValue(chromedp.CSS("#values-pages"), "12"),
		chromedp.SetValue(chromedp.CSS("#values-category"), "审议"),
		chromedp.Click(chromedp.CSS("#values-confirmed")),
	)
	if status := webtest.Follow(t, ctx, "form[action$='/submit'] button[type=submit]"); status != http.StatusOK {
		t.Errorf("the corrected submission led to %d", status)
	}
	if got := webtest.Text(t, ctx, "p.notice"); got != "已报送,等待办公室审核。" {
		t.Errorf("notice %q", got)
	}
	if got := e.tasks.Task(e.ids["agenda"]); got.Status != domain.TaskSubmitted || got.Values["topic"] != "科技金融支持政策" {
		t.Errorf("stored %+v", got)
	}
	webtest.Screenshot(t, ctx, shots, "task-submitted-zh")

	for _, lang := range []string{"zh", "en"} {
		webtest.Open(t, ctx, srv.URL+"/ledger?lang="+lang)
		if n := webtest.Count(t, ctx, "table.stats tbody tr"); n != 1 {
			t.Errorf("%s: %d statistics lines for the finance liaison, want 1", lang, n)
		}
		webtest.Screenshot(t, ctx, shots, "ledger-"+lang)
	}

	// On a phone nothing is wider than the screen.
	webtest.Phone(t, ctx)
	for _, p := range []struct{ path, shot string }{
		{"/tasks?lang=zh", "inbox-zh-phone"},
		{e.path("decision") + "?lang=zh", "task-zh-phone"},
		{"/ledger?lang=en", "ledger-en-phone"},
	} {
		webtest.Open(t, ctx, srv.URL+p.path)
		if webtest.Overflows(t, ctx) {
			t.Errorf("%s is wider than a phone screen", p.path)
		}
		webtest.Screenshot(t, ctx, shots, p.shot)
	}
	webtest.Desktop(t, ctx)
	webtest.Follow(t, ctx, "form[action='/logout'] button")

	// The office: its board, and the review forms on the submitted task.
	webtest.Login(t, ctx, srv.URL, "kj.office", webtest.Password)
	webtest.Open(t, ctx, srv.URL+"/board?lang=zh")
	if n := webtest.Count(t, ctx, ".board .column"); n != 3 {
		t.Errorf("%d board columns", n)
	}
	webtest.Screenshot(t, ctx, shots, "board-zh")
	webtest.Open(t, ctx, agenda+"?lang=en")
	if n := webtest.Count(t, ctx, "section.office form"); n != 3 {
		t.Errorf("%d office forms on a submitted task, want 3", n)
	}
	webtest.Screenshot(t, ctx, shots, "task-office-en")
	webtest.Phone(t, ctx)
	webtest.Open(t, ctx, srv.URL+"/board?lang=en")
	if webtest.Overflows(t, ctx) {
		t.Error("the board is wider than a phone screen")
	}
	webtest.Screenshot(t, ctx, shots, "board-en-phone")
	webtest.Desktop(t, ctx)
	webtest.Follow(t, ctx, "form[action='/logout'] button")

	// An administrator's calendar.
	webtest.Login(t, ctx, srv.URL, "admin", webtest.Password)
	webtest.Open(t, ctx, srv.URL+"/admin/calendar?year=2028&lang=zh")
	webtest.Step(t, ctx, "add a holiday",
		chromedp.SendKeys(chromedp.CSS("#date"), "01312028"),
		chromedp.SendKeys(chromedp.CSS("#note"), "2028年春节"),
	)
	webtest.Follow(t, ctx, "form[action^='/admin/calendar'] button.primary")
	if rows := webtest.Texts(t, ctx, "table.overrides tbody th"); len(rows) != 1 || !strings.HasPrefix(rows[0], "2028-01-31") {
		t.Errorf("overrides %q", rows)
	}
	webtest.Screenshot(t, ctx, shots, "calendar-zh")
}
