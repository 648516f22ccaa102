package webui_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/postgres"
	"lianxi/internal/webui/webtest"
	"lianxi/workflows"
)

// TestBrowserContestCitizenOnAPhone drives headless Chromium on a phone's
// screen over the real stack: a citizen opens the contest's home page,
// goes to the submission page, verifies their mobile number with the code
// sent to it, fills in the idea with a file and gets its tracking code;
// once the office has admitted the idea and opened the vote, the same
// citizen (still verified on this device) votes for it on the vote page.
// The office's manage page is looked at on a desk. Screenshots of each
// step are for a person to look at ($LIANXI_SCREENSHOTS).
func TestBrowserContestCitizenOnAPhone(t *testing.T) {
	e := newContestEnv(t)
	e.start()
	srv := webtest.NewServer(t, func(r chi.Router) {
		r.NotFound(e.pages.NotFound)
		e.pages.Routes(r)
	}, e.auth.Middleware)
	shots := webtest.ScreenshotDir(t)
	ctx := webtest.NewBrowser(t)
	webtest.Phone(t, ctx)
	fits := func(what string) {
		t.Helper()
		if webtest.Overflows(t, ctx) {
			t.Errorf("%s is wider than a phone screen", what)
		}
	}

	// The home page, in Chinese by default.
	webtest.Open(t, ctx, srv.URL+e.base)
	if got := webtest.Text(t, ctx, "h1"); got != "服务发展，助推改革" {
		t.Errorf("home page title %q", got)
	}
	fits("the home page")
	webtest.Screenshot(t, ctx, shots, "contest-home-zh-phone")

	// Verification: the number, then the code sent to it.
	if status := webtest.Follow(t, ctx, ".contest-actions a[href$='/submit']"); status != http.StatusOK {
		t.Fatalf("the submission page: %d", status)
	}
	webtest.Step(t, ctx, "type the number", chromedp.SendKeys(chromedp.CSS("#contact-code-contact"), "13800000002"))
	if status := webtest.Follow(t, ctx, "#contact-code button[type=submit]"); status != http.StatusOK {
		t.Fatalf("asking for a code: %d", status)
	}
	if got := webtest.Text(t, ctx, "#verify p.notice"); !strings.Contains(got, "138****0002") {
		t.Errorf("code sent notice %q", got)
	}
	webtest.Step(t, ctx, "type the code", chromedp.SendKeys(chromedp.CSS("#contact-verify-code"), e.codes.code("13800000002")))
	webtest.Screenshot(t, ctx, shots, "contest-verify-zh-phone")
	if status := webtest.Follow(t, ctx, "#contact-verify button[type=submit]"); status != http.StatusOK {
		t.Fatalf("verifying: %d", status)
	}
	if got := webtest.Text(t, ctx, "p.notice"); got != "联系方式已验证。" {
		t.Errorf("verified notice %q", got)
	}

	// The idea, with a file.
	file := filepath.Join(t.TempDir(), "implementation-plan.txt")
	if err := os.WriteFile(file, []byte("加装电梯实施方案：街道牵头，分批推进。"), 0o644); err != nil {
		t.Fatal(err)
	}
	webtest.Step(t, ctx, "fill the idea",
		chromedp.SendKeys(chromedp.CSS("#idea-name"), "王五"),
		chromedp.SetValue(chromedp.CSS("#idea-category"), "livelihood"),
		chromedp.SendKeys(chromedp.CSS("#idea-title"), "老旧小区加装电梯"),
		chromedp.SendKeys(chromedp.CSS("#idea-problem"), "老旧小区多为六层无电梯住宅，老人上下楼困难。"),
		chromedp.SendKeys(chromedp.CSS("#idea-idea"), "由街道牵头协调业主，财政按户补贴，引入社会资本代建代管。"),
		chromedp.SendKeys(chromedp.CSS("#idea-effect"), "方便老人出行，提升居民幸福感。"),
		chromedp.SetUploadFiles(chromedp.CSS("#idea-attachments"), []string{file}),
	)
	fits("the idea form")
	webtest.Screenshot(t, ctx, shots, "contest-submit-zh-phone")
	if status := webtest.Follow(t, ctx, "#idea button[type=submit]"); status != http.StatusOK {
		t.Fatalf("submitting: %d", status)
	}
	code := webtest.Text(t, ctx, ".tracking-code")
	if !strings.HasPrefix(code, "LC") {
		t.Fatalf("tracking code shown %q", code)
	}
	fits("the tracking page")
	webtest.Screenshot(t, ctx, shots, "contest-submitted-zh-phone")
	tracked, err := e.svc.Track(context.Background(), code)
	if err != nil || tracked.Title != "老旧小区加装电梯" || tracked.Name != "王五" || len(tracked.Attachments) != 1 {
		t.Fatalf("the idea stored: %+v %v", tracked.Idea, err)
	}

	// The office admits it and opens the vote; the citizen votes.
	if _, err := e.svc.Screen(context.Background(), e.users["gg.office"], e.year, tracked.ID, domain.ScreenIdea{Decision: domain.IdeaEligible}, auth.Meta{}); err != nil {
		t.Fatal(err)
	}
	e.act(workflows.UpdateCloseSubmissions)
	e.act(workflows.UpdateOpenVoting)
	webtest.Open(t, ctx, srv.URL+e.base+"/ideas")
	card := "#idea-" + itoa(int(tracked.ID))
	if got := webtest.Text(t, ctx, ".votes-left"); got != "还可投 2 票" {
		t.Errorf("votes left %q", got)
	}
	fits("the vote page")
	webtest.Screenshot(t, ctx, shots, "contest-ideas-zh-phone")
	if status := webtest.Follow(t, ctx, card+" form.vote button[type=submit]"); status != http.StatusOK {
		t.Fatalf("voting: %d", status)
	}
	if got := webtest.Text(t, ctx, "p.notice"); got != "投票成功，感谢参与！" {
		t.Errorf("vote notice %q", got)
	}
	if got := webtest.Text(t, ctx, card+" .badge.voted"); got != "✓ 已投票" {
		t.Errorf("the card after the vote %q", got)
	}
	if n := webtest.Count(t, ctx, "#my-votes li"); n != 1 {
		t.Errorf("%d ideas under my votes, want 1", n)
	}
	fits("the vote page after the vote")
	webtest.Screenshot(t, ctx, shots, "contest-voted-zh-phone")
	ideas, err := e.svc.Ideas(context.Background(), e.users["gg.office"], e.year, postgres.IdeaFilter{})
	if err != nil || len(ideas) != 1 || ideas[0].Votes == nil || *ideas[0].Votes != 1 {
		t.Fatalf("votes counted: %+v %v", ideas, err)
	}

	// The office's page, on a desk.
	webtest.Desktop(t, ctx)
	webtest.Login(t, ctx, srv.URL, "gg.office", meetingPassword)
	webtest.Open(t, ctx, srv.URL+e.base+"/manage")
	if got := webtest.Text(t, ctx, "h1 + p .phase"); got != "投票中" {
		t.Errorf("phase on the manage page %q", got)
	}
	webtest.Screenshot(t, ctx, shots, "contest-manage-zh")
}
