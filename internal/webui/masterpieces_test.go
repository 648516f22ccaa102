package webui_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.temporal.io/sdk/worker"

	"lianxi/activities"
	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/masterpieces"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
	"lianxi/internal/selections"
	"lianxi/internal/tasks"
	"lianxi/internal/temporal/devtest"
	"lianxi/internal/webui"
	"lianxi/workflows"
)

// The masterpiece service must fit the interface the pages declare.
var _ webui.Masterpieces = (*masterpieces.Service)(nil)

// mpExperts are the expert pool of the tests: as many as each application
// needs reviewers.
var mpExperts = []string{"zj.1", "zj.2", "zj.3", "zj.4", "zj.5"}

// mpEnv is the masterpiece pages over the real stack, on the meeting
// pages' test harness (its requests, sign-ins and page helpers):
// PostgreSQL with the plans' seed and programmes, an embedded Temporal
// server whose worker runs the project year, its expert review and its
// tasks, and the real services. The people: the culture committee's
// office and convener, the liaisons of the culture bureau and of the
// state-owned cultural enterprises (two sponsors), of the finance bureau,
// and five experts.
type mpEnv struct {
	*meetingEnv
	mp   *masterpieces.Service
	sel  *selections.Service
	year int
}

func newMasterpieceEnv(t *testing.T) *mpEnv {
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
	e := &mpEnv{meetingEnv: &meetingEnv{t: t, store: store, auth: svc, users: map[string]domain.User{}, cookies: map[string][]*http.Cookie{}},
		year: time.Now().In(calendar.Location).Year()}
	grants := map[string]domain.Grant{
		"wh.office":   {Role: domain.RoleOffice, Committee: "culture"},
		"wh.convener": {Role: domain.RoleConvener, Committee: "culture"},
		"wt.liaison":  {Role: domain.RoleLiaison, Department: "culture-bureau"},
		"gq.liaison":  {Role: domain.RoleLiaison, Department: "culture-soe"},
		"cz.liaison":  {Role: domain.RoleLiaison, Department: "finance"},
	}
	for _, x := range mpExperts {
		grants[x] = domain.Grant{Role: domain.RoleExpert}
	}
	for name, g := range grants {
		u, err := svc.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: "用户" + name, Password: meetingPassword,
			Grants: []domain.Grant{g}}, auth.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		e.users[name] = u
	}
	tc := devtest.Start(t)
	taskSvc := tasks.New(store, tc, nil)
	e.sel = selections.New(store, store, tc, taskSvc, nil)
	e.mp = masterpieces.New(store, tc, taskSvc, nil)
	w := worker.New(tc, workflows.TaskQueue, worker.Options{})
	w.RegisterWorkflow(workflows.Task)
	w.RegisterWorkflow(workflows.Selection)
	w.RegisterWorkflow(workflows.Masterpieces)
	w.RegisterActivity(&activities.Activities{Tasks: store})
	w.RegisterActivity(&activities.Processes{Store: store, Experts: store.Experts, StartTask: taskSvc.StartWorkflow, Now: time.Now})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	e.pages, err = webui.New(webui.Deps{Auth: svc, Directory: store, Tasks: taskSvc, Calendar: store, Notes: store, Programmes: store,
		Selections: e.sel, Masterpieces: e.mp, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(middleware.RequestID, svc.Middleware)
	r.NotFound(e.pages.NotFound)
	e.pages.Routes(r)
	e.h = r
	return e
}

// page is the address of a page of the test year ("" for its portfolio).
func (e *mpEnv) page(rest string) string { return "/masterpieces/" + strconv.Itoa(e.year) + rest }

// state reads the year as its office sees it.
func (e *mpEnv) state() domain.Masterpieces {
	e.t.Helper()
	m, err := e.mp.Get(context.Background(), e.users["wh.office"], e.year)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// waitYear reads the year until ok says it is as expected.
func (e *mpEnv) waitYear(what string, ok func(domain.Masterpieces) bool) domain.Masterpieces {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		m := e.state()
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("year never %s: phase %s", what, m.Phase)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// act sends one action to the year's workflow as a user, failing the test
// on a refusal.
func (e *mpEnv) act(user, update string, build func(workflows.Action) any) {
	e.t.Helper()
	if _, err := e.mp.Act(context.Background(), e.users[user], "", e.year, update, build); err != nil {
		e.t.Fatalf("%s as %s: %v", update, user, err)
	}
}

// redirect posts a form that must succeed and go to a page.
func (e *mpEnv) redirect(path, user, to string, kv ...string) {
	e.t.Helper()
	w := e.do("POST", path, user, formOf(kv...))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != to {
		e.t.Fatalf("POST %s as %s: %d to %q, want 303 to %q\n%s", path, user, w.Code, w.Header().Get("Location"), to, fieldErrors(w.Body.String()))
	}
}

// dayFrom is a day from today, as a date input writes it.
func dayFrom(days int) string { return calendar.DateOf(time.Now().AddDate(0, 0, days)).String() }

// scoreAll has every expert score each of their reviews of the year's
// round (the earlier applications the better) once the round is drawn,
// and waits for the ranking.
func (e *mpEnv) scoreAll(round string) domain.Masterpieces {
	e.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	var r domain.Round
	for {
		var err error
		if r, err = e.sel.Get(ctx, e.users["wh.office"], round); err != nil {
			e.t.Fatal(err)
		}
		if r.Phase == domain.RoundReview {
			break
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("round never drawn: %s", r.Phase)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, v := range r.Reviews {
		if v.Replaced {
			continue
		}
		s := float64(95 - 5*v.Entry)
		if _, err := e.sel.Score(ctx, e.users[v.Expert], selections.ReviewID(round, v.ID), domain.ScoreInput{Scores: map[string]float64{
			"artistic_merit": s, "theme": s, "feasibility": s, "local_character": s}}); err != nil {
			e.t.Fatal(err)
		}
	}
	return e.waitYear("ranked", func(m domain.Masterpieces) bool { return m.Phase == domain.MasterpieceSeminar })
}

// mpApplications are the test year's applications: two of the culture
// bureau (one for a memorial hall it answers for), one of the state-owned
// cultural enterprises.
var mpApplications = []struct{ user, unit, sponsor, title, genre string }{
	{"wt.liaison", "culture-bureau", "culture-bureau", "花鼓戏《齐白石》", "drama"},
	{"wt.liaison", "mao-memorial", "culture-bureau", "纪录片《韶山》", "film_tv"},
	{"gq.liaison", "culture-soe", "culture-soe", "国画长卷《湘潭八景》", "fine_art"},
}

// toPortfolio runs the year through the service to its projects: the
// three applications accepted and scored, and a planning seminar putting
// the first (two tranches) and the third (one tranche, due yesterday: its
// report is overdue) on the list.
func (e *mpEnv) toPortfolio() domain.Masterpieces {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.mp.Start(ctx, e.users["wh.office"], masterpieces.NewYear{Year: e.year}, auth.Meta{}); err != nil {
		e.t.Fatal(err)
	}
	day := func(days int) time.Time {
		d, _ := calendar.ParseDate(dayFrom(days))
		return d.At(17, 30)
	}
	for _, a := range mpApplications {
		in := domain.NewApplication{Unit: a.unit, Sponsor: a.sponsor, Title: a.title, Genre: a.genre, Creators: []string{"编剧甲", "导演乙"},
			Summary: "以湘潭红色文化为题材的原创作品。", Budget: 500000, Requested: 200000, Contact: "张老师 0731-5555",
			Schedule: []domain.MilestonePlan{{Title: "剧本完成", Due: day(60)}}}
		e.act(a.user, workflows.UpdateApply, func(x workflows.Action) any { return workflows.ApplyRequest{Action: x, NewApplication: in} })
	}
	e.act("wh.office", workflows.UpdateCloseCall, func(x workflows.Action) any { return workflows.NoteRequest{Action: x} })
	for id := 1; id <= len(mpApplications); id++ {
		e.act("wh.office", workflows.UpdateScreenApp, func(x workflows.Action) any {
			return workflows.ScreenApplicationRequest{Action: x, ScreenApplication: domain.ScreenApplication{Application: id, Decision: domain.AppAccepted}}
		})
	}
	e.act("wh.office", workflows.UpdateCloseAppScreen, func(x workflows.Action) any { return workflows.NoteRequest{Action: x} })
	e.scoreAll(e.state().Round)
	in := domain.SeminarInput{Kind: domain.SeminarPlanning, At: time.Now().Add(-time.Hour), Place: "市委宣传部三楼会议室", Attendees: []string{"市委宣传部", "市财政局"},
		Minutes: "会议研究确定年度文艺精品重点项目。", Decisions: []domain.Determination{
			{Application: 1, Support: 200000, Tranches: []domain.TrancheSpec{{Milestone: "剧本完成", Due: day(30), Amount: 120000}, {Milestone: "首演", Due: day(200), Amount: 80000}}},
			{Application: 3, Support: 60000, Tranches: []domain.TrancheSpec{{Milestone: "完稿", Due: day(-1), Amount: 60000}}}}}
	e.act("wh.office", workflows.UpdateRecordSeminar, func(x workflows.Action) any { return workflows.SeminarRequest{Action: x, SeminarInput: in} })
	e.act("wh.convener", workflows.UpdateConfirmSeminar, func(x workflows.Action) any { return workflows.ConfirmSeminarRequest{Action: x, Seminar: 1} })
	return e.waitYear("asking for reports", reportsAsked)
}

// reportsAsked says every project was asked for its first milestone report.
func reportsAsked(m domain.Masterpieces) bool {
	for _, p := range m.Projects {
		if p.Tranches[0].TaskID == 0 {
			return false
		}
	}
	return len(m.Projects) > 0
}

// report has a sponsor's liaison report a project's first milestone on
// its task's page and the office accept it there.
func (e *mpEnv) report(m domain.Masterpieces, project, user string) {
	e.t.Helper()
	task := fmt.Sprintf("/tasks/%d", m.Project(project).Tranches[0].TaskID)
	e.redirect(task+"/submit", user, task+"?done=submit", "values.report", "节点任务已完成。")
	e.redirect(task+"/accept", "wh.office", task+"?done=accept")
	e.waitYear("reported", func(m domain.Masterpieces) bool {
		return m.Project(project).Tranches[0].Status == domain.TrancheReported
	})
}

// rowOf returns the table row of the element with an id.
func rowOf(body, id string) string {
	return regexp.MustCompile(`(?s)<tr[^>]*id="` + regexp.QuoteMeta(id) + `".*?</tr>`).FindString(body)
}

// TestMasterpiecePagesThroughAYear walks a year through its pages, each
// role on its own: the office starts it (a bad year refused beside its
// input); the culture bureau applies (a schedule line that does not read
// refused beside the schedule, with what was typed kept) for itself and a
// memorial hall, the state-owned enterprises for themselves; each sponsor
// sees only its own applications; the office closes the call, screens and
// sends them to the experts; once scored, the office records the planning
// seminar (tranches not adding up refused beside them) and the convener
// confirms it. The portfolio lists the projects with the overdue report
// marked and the workbooks to download; a unit sees only its own project.
// The finance bureau's release is refused before the publicity
// department's approval with a message that says so; after it, it
// releases. The seminar's agenda and minutes print.
func TestMasterpiecePagesThroughAYear(t *testing.T) {
	e := newMasterpieceEnv(t)
	y := strconv.Itoa(e.year)
	year := e.page("")

	// Start: the office's form, a bad year refused in place.
	body := e.get("/masterpieces", "wh.office")
	if !hasForm(body, "/masterpieces") {
		t.Fatal("the office has no start form")
	}
	body = e.post("/masterpieces", "wh.office", http.StatusUnprocessableEntity, "year", "二〇二六")
	if fieldError(body, "start-year") == "" {
		t.Errorf("a bad year without its message:\n%s", fieldErrors(body))
	}
	if w := e.do("POST", "/masterpieces", "wt.liaison", formOf("year", y)); w.Code != http.StatusForbidden {
		t.Errorf("a liaison started a year: %d", w.Code)
	}
	e.redirect("/masterpieces", "wh.office", year+"?done=start", "year", y)

	// Applications, on the page.
	apply := func(unit, sponsor, title, genre, milestones string) []string {
		return []string{"unit", unit, "sponsor", sponsor, "title", title, "genre", genre, "creators", "编剧甲、导演乙", "summary", "原创作品。",
			"budget", "500,000", "requested", "200000", "contact", "张老师 0731-5555", "milestones", milestones}
	}
	body = e.get(year, "wt.liaison")
	if !hasForm(body, year+"/apply") || selected(body, "apply-sponsor") != "culture-bureau" {
		t.Fatalf("the bureau's application form: sponsor %q", selected(body, "apply-sponsor"))
	}
	bad := "剧本完成 " + dayFrom(60) + "\n首演 | " + dayFrom(200)
	body = e.post(year+"/apply", "wt.liaison", http.StatusUnprocessableEntity, apply("culture-bureau", "culture-bureau", "花鼓戏《齐白石》", "drama", bad)...)
	if msg := fieldError(body, "apply-milestones"); !strings.Contains(msg, "第 1 行") {
		t.Errorf("the unreadable line's message %q\n%s", msg, fieldErrors(body))
	}
	if !strings.Contains(body, "首演 | "+dayFrom(200)) || inputValue(body, "apply-title") != "花鼓戏《齐白石》" {
		t.Error("the refused application lost what was typed")
	}
	for _, a := range mpApplications {
		e.redirect(year+"/apply", a.user, year+"?done=apply", apply(a.unit, a.sponsor, a.title, a.genre, "剧本完成 | "+dayFrom(60)+"\n首演 | "+dayFrom(200))...)
	}
	m := e.state()
	if len(m.Applications) != 3 || m.Applications[1].UnitName != "韶山毛泽东同志纪念馆" || m.Applications[0].Budget != 500000 ||
		len(m.Applications[0].Creators) != 2 || len(m.Applications[0].Schedule) != 2 {
		t.Fatalf("applications %+v", m.Applications)
	}
	// Another department's application is refused by the workflow.
	if w := e.do("POST", year+"/apply", "gq.liaison", formOf(apply("mao-memorial", "culture-bureau", "借名申报", "drama", "剧本 | "+dayFrom(60))...)); w.Code != http.StatusForbidden {
		t.Errorf("applying under another sponsor: %d", w.Code)
	}
	// Those who see the whole year see every application.
	for _, user := range []string{"wh.office", "wh.convener", "cz.liaison"} {
		if body := e.get(year, user); !strings.Contains(body, "花鼓戏《齐白石》") || !strings.Contains(body, "国画长卷《湘潭八景》") {
			t.Errorf("%s does not see every application", user)
		}
	}
	body = e.get(year, "gq.liaison")
	if !strings.Contains(body, "国画长卷《湘潭八景》") || strings.Contains(body, "花鼓戏《齐白石》") {
		t.Error("a sponsor sees applications not its own")
	}

	// Screening and the review, on the page.
	e.redirect(year+"/close-call", "wh.office", year+"?done=close-call")
	body = e.get(year, "wh.office")
	if !hasForm(body, year+"/applications/2/screen") || !hasForm(body, year+"/close-screening") {
		t.Fatal("the office has no screening forms")
	}
	body = e.post(year+"/close-screening", "wh.office", http.StatusConflict)
	if !strings.Contains(fieldErrors(body), "未完成资格审查") {
		t.Errorf("closing screening with applications undecided: %q", fieldErrors(body))
	}
	body = e.post(year+"/applications/3/screen", "wh.office", http.StatusUnprocessableEntity, "decision", "rejected")
	if fieldError(body, "application-3-screen-reason") == "" {
		t.Errorf("a rejection without its reason: %q", fieldErrors(body))
	}
	for id := 1; id <= 3; id++ {
		e.redirect(fmt.Sprintf("%s/applications/%d/screen", year, id), "wh.office", year+"?done=screen", "decision", "accepted")
	}
	e.redirect(year+"/close-screening", "wh.office", year+"?done=close-screening")
	m = e.scoreAll(e.state().Round)

	// The seminar, on the page: the ranking, then the record.
	body = e.get(year, "wh.office")
	if !strings.Contains(body, `id="ranking"`) || !hasForm(body, year+"/record-seminar") {
		t.Fatal("no ranking or seminar form after the review")
	}
	at := time.Now().In(calendar.Location).Add(-time.Hour).Format("2006-01-02T15:04")
	seminar := func(firstTranches string) []string {
		return []string{"at", at, "place", "市委宣传部三楼会议室", "attendees", "市委宣传部\n市财政局", "agenda", "1", "agenda", "2", "agenda", "3",
			"minutes", "会议研究确定年度文艺精品重点项目。", "decision.1.support", "200000", "decision.1.tranches", firstTranches,
			"decision.3.support", "60000", "decision.3.tranches", "完稿 | " + dayFrom(-1) + " | 60000"}
	}
	body = e.post(year+"/record-seminar", "wh.office", http.StatusUnprocessableEntity,
		seminar("剧本完成 | "+dayFrom(30)+" | 120000\n首演 | "+dayFrom(200)+" | 70000")...)
	if msg := fieldError(body, "record-seminar-decision-1-tranches"); !strings.Contains(msg, "200000") {
		t.Errorf("tranches not adding up: %q\n%s", msg, fieldErrors(body))
	}
	e.redirect(year+"/record-seminar", "wh.office", year+"?done=record-seminar", seminar("剧本完成 | "+dayFrom(30)+" | 120000\n首演 | "+dayFrom(200)+" | 80000")...)
	if w := e.do("POST", year+"/seminars/1/confirm", "wh.office", formOf()); w.Code != http.StatusForbidden {
		t.Errorf("the office confirmed its own record: %d", w.Code)
	}
	if !hasForm(e.get(year, "wh.convener"), year+"/seminars/1/confirm") {
		t.Fatal("the convener has no confirmation form")
	}
	e.redirect(year+"/seminars/1/confirm", "wh.convener", year+"?done=confirm")
	m = e.waitYear("asking for reports", reportsAsked)
	first, third := y+"-1", y+"-3"
	if p := m.Project(first); p == nil || p.Support != 200000 || len(p.Tranches) != 2 || p.Tranches[1].Amount != 80000 {
		t.Fatalf("project 1 %+v", p)
	}

	// The portfolio: every project, the overdue one marked, the workbooks.
	body = e.get(year, "wh.office")
	for _, want := range []string{`href="` + e.page("/projects/"+first) + `"`, `href="` + e.page("/projects/"+third) + `"`,
		`href="/api/v1/masterpiece-rounds/` + y + `/portfolio.xlsx"`, `href="/api/v1/masterpiece-rounds/` + y + `/funding.xlsx"`} {
		if !strings.Contains(body, want) {
			t.Errorf("portfolio lacks %s", want)
		}
	}
	if row := rowOf(body, "project-"+third); !strings.Contains(row, "overdue") || !strings.Contains(row, "节点报告逾期") {
		t.Errorf("the overdue report is not marked: %s", row)
	}
	if row := rowOf(body, "project-"+first); strings.Contains(row, "overdue") || !strings.Contains(row, "0/2") {
		t.Errorf("project 1's row %s", row)
	}
	// A unit sees its own project only, and no workbooks.
	body = e.get(year, "gq.liaison")
	if !strings.Contains(body, e.page("/projects/"+third)) || strings.Contains(body, e.page("/projects/"+first)) || strings.Contains(body, "portfolio.xlsx") {
		t.Error("a unit's portfolio shows more than its own project")
	}
	if w := e.do("GET", e.page("/projects/"+first), "gq.liaison", nil); w.Code != http.StatusNotFound {
		t.Errorf("another unit's project: %d", w.Code)
	}

	// No release before the publicity department approves.
	tranche := e.page("/projects/" + first + "/tranches/1/")
	notApproved, _ := i18n.ErrorMessage(i18n.ZH, domain.Conflict("error.tranche_not_approved", map[string]any{"status": domain.TranchePending}))
	body = e.post(tranche+"release", "cz.liaison", http.StatusConflict)
	if msg := fieldErrors(body); !strings.Contains(msg, notApproved) {
		t.Errorf("the early release's message %q, want %q", msg, notApproved)
	}
	e.report(m, first, "wt.liaison")
	notApproved, _ = i18n.ErrorMessage(i18n.ZH, domain.Conflict("error.tranche_not_approved", map[string]any{"status": domain.TrancheReported}))
	body = e.post(tranche+"release", "cz.liaison", http.StatusConflict)
	if msg := fieldErrors(body); !strings.Contains(msg, notApproved) {
		t.Errorf("the release before approval's message %q, want %q", msg, notApproved)
	}
	if w := e.do("POST", tranche+"approve", "cz.liaison", formOf()); w.Code != http.StatusForbidden {
		t.Errorf("finance approved: %d", w.Code)
	}
	project := e.page("/projects/" + first)
	if body := e.get(project, "wh.office"); !hasForm(body, tranche+"approve") || hasForm(body, tranche+"release") {
		t.Error("the office's project page: no approval form, or a release form")
	}
	e.redirect(tranche+"approve", "wh.office", project+"?done=approve")
	if body := e.get(project, "cz.liaison"); !hasForm(body, tranche+"release") {
		t.Error("finance has no release form once approved")
	}
	e.redirect(tranche+"release", "cz.liaison", project+"?done=release")
	body = e.get(project, "wh.office")
	if row := rowOf(body, "tranche-1"); !strings.Contains(row, "已拨付") || !strings.Contains(row, "cz.liaison") {
		t.Errorf("the released tranche %s", row)
	}
	for _, want := range []string{"列入重点项目", "节点报告审核通过", "审批拨付", "资金拨付", "剧本完成 · 120,000.00 元"} {
		if !strings.Contains(body, want) {
			t.Errorf("the project's history lacks %q", want)
		}
	}
	if strings.Contains(body, `action="`+project+`/examine"`) {
		t.Error("an examination form before every milestone is reported")
	}

	// Project 3's only milestone reported, the panel examines it: a pass
	// with an item unmet is refused beside the checklist; rectification
	// asks the sponsor within its working days.
	e.report(m, third, "gq.liaison")
	m = e.waitYear("ready for acceptance", func(m domain.Masterpieces) bool { return m.Project(third).Stage == domain.StageAcceptance })
	examine := e.page("/projects/" + third + "/examine")
	if !hasForm(e.get(e.page("/projects/"+third), "wh.office"), examine) {
		t.Fatal("no examination form once every milestone is reported")
	}
	verdict := func(result string, items ...string) []string {
		kv := []string{"panel", "专家甲\n专家乙\n专家丙", "result", result, "comment", "解说词需修改", "rectify_days", "10"}
		for _, item := range items {
			kv = append(kv, "checklist", item)
		}
		return kv
	}
	body = e.post(examine, "wh.office", http.StatusUnprocessableEntity, verdict("pass", domain.AcceptanceChecklist[:4]...)...)
	if fieldError(body, "examine-checklist") == "" || !strings.Contains(body, `value="funds_used_as_approved" checked`) {
		t.Errorf("a pass with an item unmet: %q", fieldErrors(body))
	}
	e.redirect(examine, "wh.office", e.page("/projects/"+third)+"?done=examine", verdict("rectify", domain.AcceptanceChecklist[:4]...)...)
	m = e.waitYear("asking for rectification", func(m domain.Masterpieces) bool {
		p := m.Project(third)
		return p.Stage == domain.StageRectifying && p.Examinations[0].TaskID != 0
	})
	if ex := m.Project(third).Examinations[0]; len(ex.Panel) != 3 || ex.Checklist["public_presentation"] || !ex.Checklist["artistic_quality"] {
		t.Errorf("examination %+v", ex)
	}
	body = e.get(e.page("/projects/"+third), "wh.office")
	if !strings.Contains(body, "限期整改") || !strings.Contains(body, fmt.Sprintf(`href="/tasks/%d"`, m.Project(third).Examinations[0].TaskID)) {
		t.Error("the project page lacks the verdict or the rectification task")
	}

	// The seminar's documents print, for those who see the whole year.
	agenda := e.get(e.page("/seminars/1/agenda"), "wh.convener")
	one, two := strings.Index(agenda, "花鼓戏《齐白石》"), strings.Index(agenda, "纪录片《韶山》")
	if one < 0 || two < one || !strings.Contains(agenda, "市文体广新局") || !strings.Contains(agenda, "戏剧") || !strings.Contains(agenda, "200,000.00") ||
		!strings.Contains(agenda, "90.00") || !strings.Contains(agenda, `class="print-hint no-print"`) {
		t.Errorf("agenda:\n%s", agenda)
	}
	minutes := e.get(e.page("/seminars/1/minutes"), "wh.office")
	for _, want := range []string{"市委宣传部三楼会议室", "市委宣传部、市财政局", "会议研究确定年度文艺精品重点项目。", "200,000.00", "国画长卷《湘潭八景》",
		"第 2 期：首演，" + dayFrom(200) + "，80,000.00 元", "召集人 wh.convener 已于"} {
		if !strings.Contains(minutes, want) {
			t.Errorf("minutes lack %q", want)
		}
	}
	if w := e.do("GET", e.page("/seminars/1/minutes"), "wt.liaison", nil); w.Code != http.StatusNotFound {
		t.Errorf("a unit read the minutes: %d", w.Code)
	}
	if w := e.do("GET", e.page("/seminars/2/agenda"), "wh.office", nil); w.Code != http.StatusNotFound {
		t.Errorf("a sitting that never was: %d", w.Code)
	}

	// The menu leads the culture committee and finance here, not a unit.
	nav := regexp.MustCompile(`(?s)<nav class="site-nav".*?</nav>`)
	for user, want := range map[string]bool{"wh.office": true, "wh.convener": true, "cz.liaison": true, "wt.liaison": false} {
		if got := strings.Contains(nav.FindString(e.get("/", user)), `href="/masterpieces"`); got != want {
			t.Errorf("%s: menu entry %v, want %v", user, got, want)
		}
	}
	if body := e.get("/masterpieces", "cz.liaison"); !strings.Contains(body, year) || hasForm(body, "/masterpieces") {
		t.Error("finance's list of years")
	}

	// Every page in both languages, without a bare key or an unfilled
	// placeholder.
	keyish := regexp.MustCompile(`>\s*(masterpiece|cycle|round|task|error|validation)\.[a-z_.-]+\s*<`)
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	for _, path := range []string{"/masterpieces", year, project, e.page("/projects/" + third), e.page("/seminars/1/agenda"), e.page("/seminars/1/minutes")} {
		for _, lang := range []string{"zh", "en"} {
			b := e.get(path+"?lang="+lang, "wh.office")
			if m := keyish.FindString(b); m != "" {
				t.Errorf("%s %s: untranslated %s", path, lang, m)
			}
			if m := placeholder.FindString(b); m != "" {
				t.Errorf("%s %s: unfilled %s", path, lang, m)
			}
		}
	}
}
