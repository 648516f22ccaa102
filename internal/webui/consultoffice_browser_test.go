package webui_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/webui/webtest"
)

// TestBrowserConsultationOffice drives headless Chromium over the real
// stack on a desk-size screen: the science office opens its consultations
// from the menu and publishes a draft through the form (a window of a
// few seconds); a citizen comments through the service; once the window
// has closed the office replies to the comment on the manage page and
// publishes the adoption report. Screenshots of each step are for a
// person to look at ($LIANXI_SCREENSHOTS).
func TestBrowserConsultationOffice(t *testing.T) {
	e := newConsultationEnv(t)
	srv := webtest.NewServer(t, func(r chi.Router) {
		r.NotFound(e.pages.NotFound)
		e.pages.Routes(r)
	}, e.auth.Middleware)
	shots := webtest.ScreenshotDir(t)
	ctx := webtest.NewBrowser(t)
	webtest.Desktop(t, ctx)
	const slug = "browser-draft"
	manage := "/consultations/" + slug + "/manage"

	webtest.Login(t, ctx, srv.URL, "kj.office", meetingPassword)
	webtest.Open(t, ctx, srv.URL+"/?lang=zh")
	if status := webtest.Follow(t, ctx, "nav.site-nav a[href='/office/consultations']"); status != http.StatusOK {
		t.Fatalf("the menu entry led to %d", status)
	}
	if got := webtest.Text(t, ctx, "h1"); got != "征求意见" {
		t.Errorf("list title %q", got)
	}
	if n := webtest.Count(t, ctx, "table.consultations-office tbody tr"); n != 1 {
		t.Errorf("%d consultations listed, want the seed's one", n)
	}
	webtest.Screenshot(t, ctx, shots, "consultation-office-list-zh")
	if status := webtest.Follow(t, ctx, "a[href='/office/consultations/new']"); status != http.StatusOK {
		t.Fatalf("the publication form led to %d", status)
	}

	// The form, as the office fills it in; the window closes in seconds.
	beijing := func(at time.Time, layout string) string { return at.In(calendar.Location).Format(layout) }
	now := time.Now()
	closes := now.Add(12 * time.Second)
	webtest.Step(t, ctx, "fill the publication form: 0", chromedp.SendKeys(chromedp.CSS("#publish-title"), "湘潭市科技创新券管理办法（征求意见稿）"))
	webtest.Step(t, ctx, "fill the publication form: 1", chromedp.SendKeys(chromedp.CSS("#publish-slug"), slug))
	webtest.Step(t, ctx, "fill the publication form: 2", chromedp.SendKeys(chromedp.CSS("#publish-notice"), "现公开征求社会各界意见。"))
	webtest.Step(t, ctx, "fill the publication form: 3", chromedp.SetValue(chromedp.CSS("#publish-sections"), "总则\n为规范科技创新券管理，制定本办法。\n\n适用范围\n本办法适用于本市中小微企业。\n\n附则\n本办法自发布之日起施行。"))
	webtest.Step(t, ctx, "fill the publication form: 4", chromedp.SetValue(chromedp.CSS("#publish-opens_at"), beijing(now.Add(-time.Minute), "2006-01-02T15:04")))
	webtest.Step(t, ctx, "fill the publication form: 5", chromedp.SetValue(chromedp.CSS("#publish-closes_at"), beijing(closes, "2006-01-02T15:04:05")))
	webtest.Step(t, ctx, "fill the publication form: 6", chromedp.SetValue(chromedp.CSS("#publish-feedback_due_at"), beijing(closes, "2006-01-02T15:04:05")))
	webtest.Step(t, ctx, "fill the publication form: 7", chromedp.SendKeys(chromedp.CSS("#publish-contact-office"), "市科技局办公室"))
	webtest.Step(t, ctx, "fill the publication form: 8", chromedp.SendKeys(chromedp.CSS("#publish-contact-phone"), "0731-58570297"))
	webtest.Step(t, ctx, "fill the publication form: 9", chromedp.SendKeys(chromedp.CSS("#publish-contact-email"), "kjj@example.cn"))
	webtest.Screenshot(t, ctx, shots, "consultation-office-new-zh")
	if status := webtest.Follow(t, ctx, "form[action='/office/consultations/new'] button[type=submit]"); status != http.StatusOK {
		t.Fatalf("publishing led to %d", status)
	}
	if loc := webtest.Value(t, ctx, "location", chromedp.Location()); !strings.Contains(loc, manage+"?done=publish") {
		t.Fatalf("publishing led to %s: %q", loc, webtest.Texts(t, ctx, ".field-error, .alert"))
	}
	if got := webtest.Text(t, ctx, "p.notice"); got != "已发布征求意见稿。" {
		t.Errorf("notice %q", got)
	}
	c := e.ocGet(slug)
	if len(c.Sections) != 3 || c.Sections[1].Key != "2" || c.Sections[1].Heading != "适用范围" || !c.ClosesAt.Equal(closes.Truncate(time.Second)) {
		t.Fatalf("published %+v, closes %v", c.Sections, c.ClosesAt)
	}
	webtest.Screenshot(t, ctx, shots, "consultation-office-manage-open-zh")

	// A citizen's comment, then the window closes.
	e.waitPhase(slug, domain.ConsultationOpen)
	k := e.ocComment(slug, "li@example.cn", domain.NewComment{Section: "2", Body: "建议将个体工商户纳入适用范围。", Name: "李四"})
	e.waitPhase(slug, domain.ConsultationReplying)
	webtest.Open(t, ctx, srv.URL+manage+"?lang=zh")
	form := "#reply-" + strconv.FormatInt(k.ID, 10)
	if got := webtest.Text(t, ctx, "#comment-"+strconv.FormatInt(k.ID, 10)+" .contact"); got != "li@example.cn" {
		t.Errorf("the commenter's contact %q", got)
	}
	if n := webtest.Count(t, ctx, "#report-form"); n != 1 {
		t.Fatal("no report form once the window closed")
	}
	webtest.Step(t, ctx, "reply to the comment",
		chromedp.SetValue(chromedp.CSS(form+"-status"), "partly"),
		chromedp.SendKeys(chromedp.CSS(form+"-reply"), "个体工商户可参照执行。"),
	)
	webtest.Screenshot(t, ctx, shots, "consultation-office-reply-zh")
	if status := webtest.Follow(t, ctx, form+" button[type=submit]"); status != http.StatusOK {
		t.Fatalf("replying led to %d", status)
	}
	if got := webtest.Text(t, ctx, "p.notice"); got != "答复已保存。" {
		t.Errorf("notice %q", got)
	}
	if got := webtest.Text(t, ctx, "#comment-"+strconv.FormatInt(k.ID, 10)+" .status"); got != "部分采纳" {
		t.Errorf("the reply's label %q", got)
	}

	// The report.
	webtest.Step(t, ctx, "write the report", chromedp.SendKeys(chromedp.CSS("#report-summary"), "共收到意见 1 条，部分采纳 1 条。"))
	if status := webtest.Follow(t, ctx, "#report-form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("publishing the report led to %d", status)
	}
	if got := webtest.Text(t, ctx, "p.notice"); got != "意见采纳情况已公布。" {
		t.Errorf("notice %q: %q", got, webtest.Texts(t, ctx, ".alert"))
	}
	if got := webtest.Text(t, ctx, "h1 + p .phase"); got != "采纳情况已公布" {
		t.Errorf("phase %q", got)
	}
	if c := e.ocGet(slug); c.Phase != domain.ConsultationReported || c.Report == nil || c.Report.Counts.Partly != 1 {
		t.Errorf("after the report: %s %+v", c.Phase, c.Report)
	}
	if webtest.Overflows(t, ctx) {
		t.Error("the manage page is wider than the screen")
	}
	webtest.Screenshot(t, ctx, shots, "consultation-office-reported-zh")
	webtest.Open(t, ctx, srv.URL+manage+"?lang=en")
	if got := webtest.Text(t, ctx, "#report-title"); got != "Adoption report" {
		t.Errorf("English report title %q", got)
	}
	webtest.Screenshot(t, ctx, shots, "consultation-office-reported-en")
}
