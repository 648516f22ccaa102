package webui_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/webui/webtest"
)

// printHidden is true when the stylesheet's print rules hide the site's
// header and navigation, the print hint and the way back, and not the
// document itself: what Print → PDF leaves is the agenda alone.
const printHidden = `(() => {
  const rules = Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules))
    .filter(r => r instanceof CSSMediaRule && r.media.mediaText.includes('print'))
    .flatMap(r => Array.from(r.cssRules)).filter(r => r instanceof CSSStyleRule && r.style.display === 'none');
  const hidden = el => rules.some(r => el.matches(r.selectorText));
  const gone = ['.site-header', '.site-nav', '.print-hint', '.breadcrumb'].map(s => document.querySelector(s));
  return gone.every(el => el && hidden(el)) && !hidden(document.querySelector('article.doc'));
})()`

// TestBrowserMeetingCycle walks a science cycle in headless Chromium over
// the real stack: the office starts it, the finance bureau's liaison
// submits two items on its agenda task page, the office goes on without
// the other departments and compiles, the convener approves, and the
// printable agenda shows the numbered items, on screen and as a PDF; the
// office then sends the notice and gets the record form. Screenshots are
// for a person to look at ($LIANXI_SCREENSHOTS).
func TestBrowserMeetingCycle(t *testing.T) {
	e := newMeetingEnv(t)
	srv := webtest.NewServer(t, func(r chi.Router) {
		r.NotFound(e.pages.NotFound)
		e.pages.Routes(r)
	}, e.auth.Middleware)
	shots := webtest.ScreenshotDir(t)
	ctx := webtest.NewBrowser(t)
	const id = "meeting:science:2026H2"
	signOut := func() { webtest.Follow(t, ctx, "form[action='/logout'] button") }

	// The office starts the cycle from the committee's list.
	webtest.Login(t, ctx, srv.URL, "kj.office", meetingPassword)
	webtest.Open(t, ctx, srv.URL+"/committees/science/cycles?lang=zh")
	webtest.Step(t, ctx, "fill the start form",
		chromedp.SendKeys(chromedp.CSS("#start-period"), "2026H2"),
		chromedp.SetValue(chromedp.CSS("#start-planned_meeting_month"), "2026-11"),
	)
	if status := webtest.Follow(t, ctx, "#start button[type=submit]"); status != http.StatusOK {
		t.Fatalf("starting led to %d", status)
	}
	if got := webtest.Text(t, ctx, "h1"); got != "市科技创新工作联席会议 · 2026H2" {
		t.Fatalf("the cycle's page says %q", got)
	}
	c := e.wait(id, "kj.office", "open its agenda tasks", allOpened)
	webtest.Open(t, ctx, srv.URL+"/cycles/"+id)
	if n := webtest.Count(t, ctx, "table.matrix tbody tr.sub-pending"); n != 29 {
		t.Errorf("%d departments pending in the matrix, want 29", n)
	}
	webtest.Screenshot(t, ctx, shots, "cycle-agenda-call-zh")
	signOut()

	// Finance submits two items on its task page.
	webtest.Login(t, ctx, srv.URL, "cz.liaison", meetingPassword)
	webtest.Open(t, ctx, srv.URL+fmt.Sprintf("/tasks/%d", submissionTask(c, "finance")))
	if n := webtest.Count(t, ctx, "ol.item-rows > li"); n != 5 {
		t.Errorf("%d item rows, want 5", n)
	}
	webtest.Step(t, ctx, "fill two items",
		chromedp.SendKeys(chromedp.CSS("#values-items-0-title"), "科技金融改革试点"),
		chromedp.SendKeys(chromedp.CSS("#values-items-0-summary"), "拟在高新区开展科技金融改革试点。"),
		chromedp.SendKeys(chromedp.CSS("#values-items-0-decision_requested"), "请会议审议试点方案"),
		chromedp.SendKeys(chromedp.CSS("#values-items-1-title"), "设立科技成果转化基金"),
		chromedp.SendKeys(chromedp.CSS("#values-items-1-decision_requested"), "请会议同意设立基金"),
	)
	webtest.Screenshot(t, ctx, shots, "agenda-task-zh")
	if status := webtest.Follow(t, ctx, "form[action$='/submit'] button[type=submit]"); status != http.StatusOK {
		t.Fatalf("submitting led to %d", status)
	}
	if got := webtest.Text(t, ctx, "p.notice"); got != "已报送，办公室已收到。" {
		t.Errorf("notice %q", got)
	}
	if items := webtest.Texts(t, ctx, "ol.item-list > li > strong"); len(items) != 2 || items[1] != "设立科技成果转化基金" {
		t.Errorf("submitted items %q", items)
	}
	e.wait(id, "kj.office", "take the items", func(c domain.Cycle) bool { return len(c.Items) == 2 })
	signOut()

	// The office goes on without the others and compiles in the order given.
	webtest.Login(t, ctx, srv.URL, "kj.office", meetingPassword)
	webtest.Open(t, ctx, srv.URL+"/cycles/"+id)
	if status := webtest.Follow(t, ctx, "#close-agenda-call button[type=submit]"); status != http.StatusOK {
		t.Fatalf("closing the call led to %d", status)
	}
	if n := webtest.Count(t, ctx, "table.matrix tbody tr.sub-missing"); n != 28 {
		t.Errorf("%d departments missing, want 28", n)
	}
	webtest.Step(t, ctx, "order the items",
		chromedp.SetValue(chromedp.CSS("#compile-item-1-position"), "2"),
		chromedp.SetValue(chromedp.CSS("#compile-item-2-position"), "1"),
	)
	webtest.Screenshot(t, ctx, shots, "cycle-compile-zh")
	if status := webtest.Follow(t, ctx, "#compile button[type=submit]"); status != http.StatusOK {
		t.Fatalf("compiling led to %d", status)
	}
	if got := webtest.Text(t, ctx, "h1 + p .phase"); got != "议程审定" {
		t.Errorf("phase after compiling %q", got)
	}
	signOut()

	// The convener approves.
	webtest.Login(t, ctx, srv.URL, "kj.convener", meetingPassword)
	webtest.Open(t, ctx, srv.URL+"/cycles/"+id)
	if items := webtest.Texts(t, ctx, "ol.agenda-preview li"); len(items) != 2 || !strings.HasPrefix(items[0], "1. 设立科技成果转化基金") {
		t.Errorf("the agenda before approval %q", items)
	}
	if status := webtest.Follow(t, ctx, "#approve button[type=submit]"); status != http.StatusOK {
		t.Fatalf("approving led to %d", status)
	}
	if got := webtest.Text(t, ctx, "h1 + p .phase"); got != "会议通知" {
		t.Errorf("phase after approving %q", got)
	}
	webtest.Screenshot(t, ctx, shots, "cycle-approved-zh")

	// The printable agenda: the items numbered in the order compiled.
	webtest.Follow(t, ctx, "a[href$='/agenda']")
	items := webtest.Texts(t, ctx, "ol.doc-items > li .item-title")
	if len(items) != 2 || items[0] != "1. 设立科技成果转化基金" || items[1] != "2. 科技金融改革试点" {
		t.Errorf("agenda items %q", items)
	}
	if got := webtest.Text(t, ctx, "article.doc h1"); got != "市科技创新工作联席会议2026H2会议议程" {
		t.Errorf("agenda title %q", got)
	}
	if !webtest.Value(t, ctx, "print rules", chromedp.Evaluate[bool](printHidden)) {
		t.Error("printing would show the navigation or the hint, or hide the agenda")
	}
	webtest.Screenshot(t, ctx, shots, "agenda-print-zh")
	pdf := webtest.Value(t, ctx, "print to PDF", chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize()))
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 16)])
	}
	path := filepath.Join(shots, "agenda-zh.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("agenda as PDF: %s", path)

	webtest.Open(t, ctx, srv.URL+"/cycles/"+id+"/agenda?lang=en")
	if got := webtest.Text(t, ctx, "article.doc h1"); got != "Joint Meeting on Science and Technology Innovation 2026H2: agenda" {
		t.Errorf("English agenda title %q", got)
	}
	webtest.Screenshot(t, ctx, shots, "agenda-print-en")
	signOut()

	// The office sends the notice; the record form appears, prefilled.
	webtest.Login(t, ctx, srv.URL, "kj.office", meetingPassword)
	webtest.Open(t, ctx, srv.URL+"/cycles/"+id+"?lang=zh")
	webtest.Step(t, ctx, "fill the notice",
		chromedp.SetValue(chromedp.CSS("#notice-starts_at"), time.Now().In(calendar.Location).AddDate(0, 0, 7).Format("2006-01-02")+"T09:30"),
		chromedp.SendKeys(chromedp.CSS("#notice-place"), "市政府第一会议室"),
	)
	if status := webtest.Follow(t, ctx, "#notice button[type=submit]"); status != http.StatusOK {
		t.Fatalf("sending the notice led to %d", status)
	}
	if n := webtest.Count(t, ctx, "table.record-attendance tbody tr"); n != 29 {
		t.Errorf("%d departments in the record form, want 29", n)
	}
	webtest.Screenshot(t, ctx, shots, "cycle-record-zh")
	webtest.Phone(t, ctx)
	webtest.Open(t, ctx, srv.URL+"/cycles/"+id+"?lang=zh")
	if webtest.Overflows(t, ctx) {
		t.Error("the cycle's page is wider than a phone screen")
	}
	webtest.Screenshot(t, ctx, shots, "cycle-zh-phone")
}
