package webui_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/selections"
	"lianxi/internal/webui/webtest"
	"lianxi/workflows"
)

// act sends one action to the round's workflow as a user, failing the test
// on a refusal.
func (e *roundEnv) act(user, update string, build func(workflows.Action) any) {
	e.t.Helper()
	if _, err := e.sel.Act(context.Background(), e.users[user], "", roundID, update, build); err != nil {
		e.t.Fatalf("%s as %s: %v", update, user, err)
	}
}

// toReview runs the round through the service to expert review: three
// nominations (two of finance, one of education), all accepted.
func (e *roundEnv) toReview() domain.Round {
	e.t.Helper()
	if _, err := e.sel.Start(context.Background(), e.users["m1.office"], "management-cases", selections.NewRound{Year: 2026}, auth.Meta{}); err != nil {
		e.t.Fatal(err)
	}
	e.waitRound("open its calls", callsOpened)
	for _, n := range []struct{ user, dept, title string }{
		{"cz.liaison", "finance", "预算绩效管理改革"}, {"cz.liaison", "finance", "政府采购全流程电子化"}, {"jy.liaison", "education", "集团化办学"},
	} {
		in := domain.NewEntry{Title: n.title, Unit: n.title + "实施单位", Department: n.dept, Summary: "主要做法：……\n主要成效：……", Contact: "联系人 0731-0000"}
		e.act(n.user, workflows.UpdateNominate, func(a workflows.Action) any { return workflows.NominateRequest{Action: a, NewEntry: in} })
	}
	e.act("m1.office", workflows.UpdateCloseNominations, func(a workflows.Action) any { return workflows.NoteRequest{Action: a} })
	for i := 1; i <= 3; i++ {
		e.act("m1.office", workflows.UpdateScreen, func(a workflows.Action) any {
			return workflows.ScreenRequest{Action: a, ScreenInput: domain.ScreenInput{Entry: i, Decision: domain.ScreenAccept}}
		})
	}
	e.act("m1.office", workflows.UpdateCloseScreening, func(a workflows.Action) any { return workflows.NoteRequest{Action: a} })
	return e.round()
}

// TestBrowserRoundScoringAndObjection drives headless Chromium over the
// real stack: an expert opens their reviews, scores one on its page (the
// criteria with their scales) and sees it done; once every review is in
// the convener confirms the proposed list on the round's page, and a
// member of the public — no account — opens the public notice and lodges
// an objection. Screenshots
// of each step, and of the office's round page with its assignments,
// ranking and the objection, are for a person to look at
// ($LIANXI_SCREENSHOTS).
func TestBrowserRoundScoringAndObjection(t *testing.T) {
	e := newRoundEnv(t)
	srv := webtest.NewServer(t, func(r chi.Router) {
		r.NotFound(e.pages.NotFound)
		e.pages.Routes(r)
	}, e.auth.Middleware)
	shots := webtest.ScreenshotDir(t)
	ctx := webtest.NewBrowser(t)
	x := e.toReview()
	signOut := func() { webtest.Follow(t, ctx, "form[action='/logout'] button") }

	// The expert scores their first review on its page.
	expert := "zj.b"
	mine := reviewsOf(x, expert)
	if len(mine) == 0 {
		t.Fatalf("%s has no review", expert)
	}
	webtest.Login(t, ctx, srv.URL, expert, meetingPassword)
	webtest.Open(t, ctx, srv.URL+"/reviews?lang=zh")
	if n := webtest.Count(t, ctx, "table.reviews tbody tr.review-pending"); n != len(mine) {
		t.Errorf("%d reviews to score listed, want %d", n, len(mine))
	}
	webtest.Screenshot(t, ctx, shots, "round-reviews-zh")
	first := selections.ReviewID(roundID, mine[0].ID)
	if status := webtest.Follow(t, ctx, "table.reviews a[href='/reviews/"+first+"']"); status != http.StatusOK {
		t.Fatalf("opening the review led to %d", status)
	}
	if hints := webtest.Texts(t, ctx, "#score .field.score .hint"); len(hints) != 3 || hints[0] != "0–100 分，权重 40.0%" {
		t.Errorf("the criteria's scales %q", hints)
	}
	webtest.Step(t, ctx, "fill the scores",
		chromedp.SendKeys(chromedp.CSS("#score-scores-innovativeness"), "86"),
		chromedp.SendKeys(chromedp.CSS("#score-scores-effectiveness"), "78.5"),
		chromedp.SendKeys(chromedp.CSS("#score-scores-operability"), "90"),
		chromedp.SendKeys(chromedp.CSS("#score-comment"), "做法扎实，成效数据详实，建议推广。"),
	)
	webtest.Screenshot(t, ctx, shots, "round-review-form-zh")
	if status := webtest.Follow(t, ctx, "#score button[type=submit]"); status != http.StatusOK {
		t.Fatalf("scoring led to %d", status)
	}
	if got := webtest.Text(t, ctx, "p.notice"); got != "评分已提交。评分结束前可以修改。" {
		t.Errorf("notice %q", got)
	}
	if n := webtest.Count(t, ctx, "table.reviews tbody tr.review-done"); n != 1 {
		t.Errorf("%d reviews marked scored, want 1", n)
	}
	// Read as the expert: nobody else sees the scores while scoring is open.
	now, err := e.sel.Get(context.Background(), e.users[expert], roundID)
	if err != nil {
		t.Fatal(err)
	}
	v := now.Review(mine[0].ID)
	if !v.Done() || v.Scores["effectiveness"] != 78.5 || v.Comment != "做法扎实，成效数据详实，建议推广。" {
		t.Fatalf("the review as recorded: %+v", v)
	}
	webtest.Screenshot(t, ctx, shots, "round-reviews-scored-zh")
	signOut()

	// The other reviews come in; the convener confirms the proposal.
	for _, r := range e.round().Reviews {
		if r.Done() || r.Replaced {
			continue
		}
		s := float64(100 - 10*r.Entry)
		if _, err := e.sel.Score(context.Background(), e.users[r.Expert], selections.ReviewID(roundID, r.ID),
			domain.ScoreInput{Scores: map[string]float64{"innovativeness": s, "effectiveness": s, "operability": s}}); err != nil {
			t.Fatal(err)
		}
	}
	e.waitRound("rank", func(x domain.Round) bool { return x.Phase == domain.RoundConfirmation })

	// The convener confirms the proposal on the round's page (in English).
	webtest.Login(t, ctx, srv.URL, "m1.convener", meetingPassword)
	webtest.Open(t, ctx, srv.URL+"/rounds/"+roundID+"?lang=en")
	if n := webtest.Count(t, ctx, "#confirm input[name=list]:checked"); n != 2 {
		t.Errorf("%d entries ticked, want the proposal's 2", n)
	}
	webtest.Screenshot(t, ctx, shots, "round-convener-confirm-en")
	if status := webtest.Follow(t, ctx, "#confirm button[type=submit]"); status != http.StatusOK {
		t.Fatalf("confirming led to %d", status)
	}
	if got := webtest.Text(t, ctx, "h1 + p .phase"); got != "Public notice" {
		t.Errorf("phase after confirming %q", got)
	}
	webtest.Open(t, ctx, srv.URL+"/rounds/"+roundID+"?lang=zh")
	signOut()

	// A member of the public objects, without signing in.
	webtest.Open(t, ctx, srv.URL+"/public/rounds/"+roundID+"?lang=zh")
	if items := webtest.Texts(t, ctx, "#notice ol.publicity > li > strong"); len(items) != 2 {
		t.Errorf("the notice lists %q", items)
	}
	webtest.Step(t, ctx, "fill the objection",
		chromedp.SetValue(chromedp.CSS("#object-entry"), "1"),
		chromedp.SendKeys(chromedp.CSS("#object-name"), "李四"),
		chromedp.SendKeys(chromedp.CSS("#object-contact"), "13800000000"),
		chromedp.SendKeys(chromedp.CSS("#object-text"), "该案例报送的成效数据与统计公报不一致。"),
	)
	webtest.Screenshot(t, ctx, shots, "round-public-notice-zh")
	if status := webtest.Follow(t, ctx, "#object button[type=submit]"); status != http.StatusOK {
		t.Fatalf("objecting led to %d", status)
	}
	if got := webtest.Text(t, ctx, "p.notice"); got != "异议已收到，评选办公室将核实处理。" {
		t.Errorf("notice %q", got)
	}
	if os := e.round().Objections; len(os) != 1 || os[0].Entry != 1 || os[0].Name != "李四" || os[0].Ruling != "" {
		t.Fatalf("objections %+v", os)
	}
	webtest.Phone(t, ctx)
	webtest.Open(t, ctx, srv.URL+"/public/rounds/"+roundID+"?lang=en")
	if webtest.Overflows(t, ctx) {
		t.Error("the public notice is wider than a phone screen")
	}
	webtest.Screenshot(t, ctx, shots, "round-public-notice-en-phone")
	webtest.Desktop(t, ctx)

	// The office's page: timeline, assignments with recusal, the ranking
	// sheet with its downloads, the objection with its ruling form.
	webtest.Login(t, ctx, srv.URL, "m1.office", meetingPassword)
	webtest.Open(t, ctx, srv.URL+"/rounds/"+roundID+"?lang=zh")
	if got := webtest.Text(t, ctx, "h1 + p .phase"); got != "公示" {
		t.Errorf("phase %q", got)
	}
	if n := webtest.Count(t, ctx, "table.assignments td.assign-recused"); n == 0 {
		t.Error("no recusal shown in the assignments")
	}
	if links := webtest.Texts(t, ctx, "#ranking .exports a"); len(links) != 3 || !strings.Contains(links[0], "排名表") {
		t.Errorf("downloads %q", links)
	}
	if n := webtest.Count(t, ctx, "#objections form"); n != 1 {
		t.Errorf("%d ruling forms, want 1", n)
	}
	webtest.Screenshot(t, ctx, shots, "round-office-notice-zh")
	webtest.Phone(t, ctx)
	webtest.Open(t, ctx, srv.URL+"/rounds/"+roundID+"?lang=zh")
	if webtest.Overflows(t, ctx) {
		t.Error("the round's page is wider than a phone screen")
	}
	webtest.Screenshot(t, ctx, shots, "round-office-zh-phone")
}
