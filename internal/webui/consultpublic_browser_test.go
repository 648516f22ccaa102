package webui_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/seed"
	"lianxi/internal/webui/webtest"
	"lianxi/workflows"
)

// pubBrowser starts a browser on a phone's screen over a server of the
// consultation pages.
func pubBrowser(t *testing.T, e *consultationEnv) (context.Context, string, func(what string)) {
	t.Helper()
	srv := webtest.NewServer(t, func(r chi.Router) {
		r.NotFound(e.pages.NotFound)
		e.pages.Routes(r)
	}, e.auth.Middleware)
	ctx := webtest.NewBrowser(t)
	webtest.Phone(t, ctx)
	fits := func(what string) {
		t.Helper()
		if webtest.Overflows(t, ctx) {
			t.Errorf("%s is wider than a phone screen", what)
		}
	}
	return ctx, srv.URL, fits
}

// pubVerifyInBrowser verifies a contact on the draft's page open in the
// browser, as a person does: the contact, then the code sent to it.
func pubVerifyInBrowser(t *testing.T, e *consultationEnv, ctx context.Context, contact, masked string) {
	t.Helper()
	webtest.Step(t, ctx, "type the number", chromedp.SendKeys(chromedp.CSS("#contact-code-contact"), contact))
	if status := webtest.Follow(t, ctx, "#contact-code button[type=submit]"); status != http.StatusOK {
		t.Fatalf("asking for a code: %d", status)
	}
	if got := webtest.Text(t, ctx, "#verify p.notice"); !strings.Contains(got, masked) {
		t.Errorf("code sent notice %q", got)
	}
	webtest.Step(t, ctx, "type the code", chromedp.SendKeys(chromedp.CSS("#contact-verify-code"), e.codes.code(contact)))
	if status := webtest.Follow(t, ctx, "#contact-verify button[type=submit]"); status != http.StatusOK {
		t.Fatalf("verifying: %d", status)
	}
	if got := webtest.Text(t, ctx, "#comment p.notice"); got != "联系方式已验证，现在可以提出意见。" {
		t.Errorf("verified notice %q", got)
	}
}

// countdownShape is the countdown as it reads in Chinese.
var countdownShape = regexp.MustCompile(`^(\d+ 天 )?(\d+ 小时 )?(\d+ 分 )?\d+ (秒|分)$`)

// TestBrowserConsultationCitizenOnAPhone drives headless Chromium on a
// phone's screen: a citizen finds the consultation in the list, reads
// the draft with its countdown, follows a section's "comment on this"
// link, verifies their number with the code sent to it and comments on
// that section, which then shows under "my comments". The seed's archived
// consultation is looked at too, its draft and its report. No page is
// wider than the phone; screenshots of each step are for a person to look
// at ($LIANXI_SCREENSHOTS).
func TestBrowserConsultationCitizenOnAPhone(t *testing.T) {
	e := newConsultationEnv(t)
	now := time.Now()
	e.publish("phone-2026", now.Add(-time.Minute), now.Add(2*time.Hour), now.Add(3*time.Hour))
	e.waitPhase("phone-2026", domain.ConsultationOpen)
	ctx, base, fits := pubBrowser(t, e)
	shots := webtest.ScreenshotDir(t)

	webtest.Open(t, ctx, base+"/consultations")
	if n := webtest.Count(t, ctx, "ul.consult-list > li"); n != 2 {
		t.Errorf("%d consultations listed, want this one and the seed's", n)
	}
	fits("the list")
	webtest.Screenshot(t, ctx, shots, "consultation-list-zh-phone")
	if status := webtest.Follow(t, ctx, "ul.consult-list a[href='/consultations/phone-2026']"); status != http.StatusOK {
		t.Fatalf("the draft: %d", status)
	}
	if got := webtest.Text(t, ctx, "h1"); got != "湘潭市推进科技创新常态化实施方案（征求意见稿）" {
		t.Errorf("draft title %q", got)
	}
	first := webtest.Text(t, ctx, "#countdown .countdown-value")
	if !countdownShape.MatchString(first) || !strings.HasPrefix(first, "1 小时 59 分") && !strings.HasPrefix(first, "2 小时 0 分") {
		t.Errorf("countdown reads %q, want about 2 hours", first)
	}
	// The script counts down: the seconds change without a reload.
	webtest.Value(t, ctx, "the countdown ticks", chromedp.Poll[bool](
		`document.querySelector('#countdown .countdown-value').textContent !== `+jsString(first), chromedp.WithPollingTimeout(5*time.Second)))
	fits("the draft")
	webtest.Screenshot(t, ctx, shots, "consultation-draft-zh-phone")

	// "Comment on this section" opens the form on that section.
	if status := webtest.Follow(t, ctx, "#section-s2 .section-actions a"); status != http.StatusOK {
		t.Fatalf("the comment link: %d", status)
	}
	if got := webtest.Value(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(got, "/consultations/phone-2026?section=s2#comment") {
		t.Errorf("the comment link led to %s", got)
	}
	pubVerifyInBrowser(t, e, ctx, "13800000002", "138****0002")
	webtest.Step(t, ctx, "fill the comment",
		chromedp.SetValue(chromedp.CSS("#comment-section"), "s2"),
		chromedp.SendKeys(chromedp.CSS("#comment-body"), "建议人才政策覆盖在湘潭就业的青年科技人员，并简化申报材料。"),
		chromedp.SendKeys(chromedp.CSS("#comment-name"), "王五"),
	)
	fits("the comment form")
	webtest.Screenshot(t, ctx, shots, "consultation-comment-zh-phone")
	if status := webtest.Follow(t, ctx, "#comment-form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("commenting: %d", status)
	}
	if got := webtest.Text(t, ctx, "#comment p.notice"); !strings.HasPrefix(got, "意见已提交，感谢您的参与！") {
		t.Errorf("comment notice %q", got)
	}
	mine := webtest.Texts(t, ctx, "#my-comments li")
	if len(mine) != 1 || !strings.Contains(mine[0], "完善科技创新人才服务支持体系") || !strings.Contains(mine[0], "简化申报材料") || !strings.Contains(mine[0], "待答复") {
		t.Errorf("my comments %q", mine)
	}
	fits("the draft with my comment")
	webtest.Screenshot(t, ctx, shots, "consultation-commented-zh-phone")
	stored := e.pubOfficeComments("phone-2026")
	if len(stored) != 1 || stored[0].Section != "s2" || stored[0].Name != "王五" || stored[0].Contact != "13800000002" {
		t.Fatalf("stored %+v", stored)
	}

	// The seed's archived consultation: its 40 sections and its report.
	webtest.Open(t, ctx, base+"/consultations/"+seed.ConsultationSlug)
	if n := webtest.Count(t, ctx, "ol.consult-sections > li"); n != 40 {
		t.Errorf("%d sections of the seed's draft shown, want 40", n)
	}
	if got := webtest.Text(t, ctx, ".consult-head .phase"); got != "已归档" {
		t.Errorf("the seed's phase %q", got)
	}
	if n := webtest.Count(t, ctx, "#countdown, #comment-form, #contact-code"); n != 0 {
		t.Errorf("the archived draft shows %d of the countdown and forms", n)
	}
	fits("the seed's draft")
	webtest.Screenshot(t, ctx, shots, "consultation-seed-draft-zh-phone")
	if status := webtest.Follow(t, ctx, ".consult-status .consult-actions a"); status != http.StatusOK {
		t.Fatalf("the seed's report: %d", status)
	}
	if got := webtest.Text(t, ctx, "h1"); got != "意见采纳情况" {
		t.Errorf("report title %q", got)
	}
	fits("the seed's report")
	webtest.Screenshot(t, ctx, shots, "consultation-seed-report-zh-phone")
	webtest.Open(t, ctx, base+"/consultations/"+seed.ConsultationSlug+"?lang=en")
	fits("the seed's draft in English")
	webtest.Screenshot(t, ctx, shots, "consultation-seed-draft-en-phone")
}

// TestBrowserConsultationFormClosesByItself opens a draft whose window
// closes about six seconds later, with a comment half typed: the
// countdown reaches zero and the form closes by itself — its button,
// select and input disabled, what was typed kept (read-only), the closing
// said — without reloading the page.
func TestBrowserConsultationFormClosesByItself(t *testing.T) {
	e := newConsultationEnv(t)
	now := time.Now()
	closes := now.Add(20 * time.Second)
	e.publish("closing-2026", now.Add(-time.Minute), closes, closes)
	e.waitPhase("closing-2026", domain.ConsultationOpen)
	ctx, base, fits := pubBrowser(t, e)
	shots := webtest.ScreenshotDir(t)
	draft := base + "/consultations/closing-2026"

	webtest.Open(t, ctx, draft)
	pubVerifyInBrowser(t, e, ctx, "13800000003", "138****0003")
	webtest.Step(t, ctx, "fill a comment",
		chromedp.SetValue(chromedp.CSS("#comment-section"), "s3"),
		chromedp.SendKeys(chromedp.CSS("#comment-body"), "建议联席会议每季度召开一次，并向社会公开会议纪要。"),
	)
	if status := webtest.Follow(t, ctx, "#comment-form button[type=submit]"); status != http.StatusOK {
		t.Fatalf("commenting: %d", status)
	}
	// Load the page again about six seconds before the close: the time
	// the test waits for is the window's, not the browser's.
	if wait := time.Until(closes) - 6*time.Second; wait > 0 {
		time.Sleep(wait)
	}
	webtest.Open(t, ctx, draft)
	loaded := time.Now()
	left := webtest.Text(t, ctx, "#countdown .countdown-value")
	if !regexp.MustCompile(`^\d 秒$`).MatchString(left) {
		t.Errorf("countdown reads %q, want a few seconds", left)
	}
	if webtest.Value(t, ctx, "button state", chromedp.Evaluate[bool](`document.querySelector('#comment-form button[type=submit]').disabled`)) {
		t.Fatal("the button is disabled before the close")
	}
	typed := "截止前正在填写的意见"
	webtest.Step(t, ctx, "type a comment and mark the page",
		chromedp.SendKeys(chromedp.CSS("#comment-body"), typed),
		chromedp.Evaluate[chromedp.Void](`window.lxNotReloaded = true`),
	)
	fits("the draft about to close")
	webtest.Screenshot(t, ctx, shots, "consultation-closing-zh-phone")

	webtest.Value(t, ctx, "the button disabled by itself", chromedp.Poll[bool](
		`document.querySelector('#comment-form button[type=submit]').disabled`, chromedp.WithPollingTimeout(20*time.Second)))
	took := time.Since(loaded)
	if took < 3*time.Second || took > 12*time.Second {
		t.Errorf("the form closed %s after the page loaded, want about 6 s", took.Round(time.Second/10))
	}
	type state struct {
		NotReloaded, SectionOff, NameOff, BodyReadOnly, ActionsHidden bool
		Body, Countdown, Status, Phase                                string
	}
	got := webtest.Value(t, ctx, "the closed form", chromedp.Evaluate[state](`({
		NotReloaded: window.lxNotReloaded === true,
		SectionOff: document.querySelector('#comment-section').disabled,
		NameOff: document.querySelector('#comment-name').disabled,
		BodyReadOnly: document.querySelector('#comment-body').readOnly,
		Body: document.querySelector('#comment-body').value,
		Countdown: document.querySelector('#countdown').textContent.trim(),
		Status: document.querySelector('#window-status').textContent.trim(),
		ActionsHidden: getComputedStyle(document.querySelector('.consult-status .consult-actions')).display === 'none',
		Phase: document.querySelector('.consult-head .phase').textContent.trim(),
	})`))
	want := state{NotReloaded: true, SectionOff: true, NameOff: true, BodyReadOnly: true, ActionsHidden: true, Body: typed,
		Countdown: "意见征集已截止", Status: "意见征集已截止", Phase: "已截止 · 答复中"}
	if got != want {
		t.Errorf("after the close:\n got %+v\nwant %+v", got, want)
	}
	fits("the closed draft")
	webtest.Screenshot(t, ctx, shots, "consultation-closed-zh-phone")
	stored := e.pubOfficeComments("closing-2026")
	if len(stored) != 1 {
		t.Fatalf("%d comments stored, want the one sent before the close", len(stored))
	}

	// The office answers it and publishes the report, read on the phone.
	e.waitPhase("closing-2026", domain.ConsultationReplying)
	bg := context.Background()
	if _, err := e.svc.Reply(bg, e.users["kj.office"], "closing-2026", stored[0].ID,
		domain.CommentReply{Status: domain.ReplyPartly, Reply: "联席会议原则上每半年召开一次，必要时可临时召开；会议纪要按规定公开。"}, auth.Meta{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Act(bg, e.users["kj.office"], "", "closing-2026", workflows.UpdatePublishReport, func(a workflows.Action) any {
		return workflows.PublishReportRequest{Action: a, PublishReport: domain.PublishReport{Summary: "共收到公众意见1条，部分采纳1条。"}}
	}); err != nil {
		t.Fatal(err)
	}
	webtest.Open(t, ctx, draft+"/report")
	comments := webtest.Texts(t, ctx, "#comments li")
	if len(comments) != 1 || !strings.Contains(comments[0], "建立市科技创新工作联席会议制度") || !strings.Contains(comments[0], "公众") ||
		!strings.Contains(comments[0], "部分采纳") || strings.Contains(comments[0], "0003") {
		t.Errorf("the report's comments %q", comments)
	}
	fits("the report")
	webtest.Screenshot(t, ctx, shots, "consultation-report-zh-phone")
}

// jsString quotes a string for a JavaScript expression.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}
