package webui_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/webui/webtest"
)

// TestBrowserMasterpiecePortfolio drives headless Chromium over the real
// stack: the culture committee's office opens the year's portfolio from
// the menu — the timeline, the projects with the overdue report marked,
// the workbooks to download — and a project's page with its tranches and
// history, where it approves the tranche whose milestone report it
// accepted. Screenshots of each, and of the portfolio on a phone, are for
// a person to look at ($LIANXI_SCREENSHOTS).
func TestBrowserMasterpiecePortfolio(t *testing.T) {
	e := newMasterpieceEnv(t)
	srv := webtest.NewServer(t, func(r chi.Router) {
		r.NotFound(e.pages.NotFound)
		e.pages.Routes(r)
	}, e.auth.Middleware)
	shots := webtest.ScreenshotDir(t)
	ctx := webtest.NewBrowser(t)
	m := e.toPortfolio()
	e.report(m, m.Projects[0].ID, "wt.liaison")
	first, third := e.page("/projects/")+m.Projects[0].ID, e.page("/projects/")+m.Projects[1].ID

	webtest.Login(t, ctx, srv.URL, "wh.office", meetingPassword)
	webtest.Open(t, ctx, srv.URL+"/?lang=zh")
	if status := webtest.Follow(t, ctx, "nav.site-nav a[href='/masterpieces']"); status != http.StatusOK {
		t.Fatalf("the menu entry led to %d", status)
	}
	if status := webtest.Follow(t, ctx, "table.mp-years a[href='"+e.page("")+"']"); status != http.StatusOK {
		t.Fatalf("the year's link led to %d", status)
	}
	if got := webtest.Text(t, ctx, "h1 + p .phase"); got != "项目实施" {
		t.Errorf("phase %q", got)
	}
	if n := webtest.Count(t, ctx, "#projects table.mp-projects tbody tr"); n != 2 {
		t.Errorf("%d projects listed, want 2", n)
	}
	if n := webtest.Count(t, ctx, "#projects tr.overdue a[href='"+third+"']"); n != 1 {
		t.Error("the overdue project is not marked")
	}
	if links := webtest.Texts(t, ctx, "#projects .exports a"); len(links) != 2 || !strings.Contains(links[0], "项目库") || !strings.Contains(links[1], "资金计划") {
		t.Errorf("downloads %q", links)
	}
	webtest.Screenshot(t, ctx, shots, "masterpiece-portfolio-zh")

	// The project's page: its tranches, the approval form, its history.
	if status := webtest.Follow(t, ctx, "#projects a[href='"+first+"']"); status != http.StatusOK {
		t.Fatalf("opening the project led to %d", status)
	}
	if got := webtest.Text(t, ctx, "#tranche-1 .mp-tranche"); got != "待审批" {
		t.Errorf("the reported tranche is %q", got)
	}
	if n := webtest.Count(t, ctx, "ol.history li"); n < 2 {
		t.Errorf("%d history lines", n)
	}
	webtest.Screenshot(t, ctx, shots, "masterpiece-project-zh")
	if status := webtest.Follow(t, ctx, "#tranche-1-approve button[type=submit]"); status != http.StatusOK {
		t.Fatalf("approving led to %d", status)
	}
	if got := webtest.Text(t, ctx, "p.notice"); got != "已审批，等待财政局拨付。" {
		t.Errorf("notice %q", got)
	}
	if got := webtest.Text(t, ctx, "#tranche-1 .mp-tranche"); got != "待拨付" {
		t.Errorf("the approved tranche is %q", got)
	}
	webtest.Screenshot(t, ctx, shots, "masterpiece-project-approved-zh")

	// The portfolio in English and on a phone.
	webtest.Open(t, ctx, srv.URL+e.page("")+"?lang=en")
	if got := webtest.Text(t, ctx, "h1 + p .phase"); got != "Projects under way" {
		t.Errorf("English phase %q", got)
	}
	webtest.Phone(t, ctx)
	webtest.Open(t, ctx, srv.URL+e.page("")+"?lang=zh")
	if webtest.Overflows(t, ctx) {
		t.Error("the portfolio is wider than a phone screen")
	}
	webtest.Screenshot(t, ctx, shots, "masterpiece-portfolio-zh-phone")
	webtest.Desktop(t, ctx)
	webtest.Open(t, ctx, srv.URL+e.page("/seminars/1/minutes")+"?lang=zh")
	webtest.Screenshot(t, ctx, shots, "masterpiece-minutes-zh")
}
