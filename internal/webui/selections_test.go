package webui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"

	"lianxi/activities"
	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
	"lianxi/internal/selections"
	"lianxi/internal/tasks"
	"lianxi/internal/temporal/devtest"
	"lianxi/internal/webui"
	"lianxi/workflows"
)

// The selection-round service must fit the interface the pages declare.
var _ webui.Selections = (*selections.Service)(nil)

// The round of the tests: M1 of 2026, with a notice of its own length
// of working days (no other span of the definition has it), which the
// test's clock makes last e.notice.
const (
	roundNoticeDays = 3
	roundID         = "selection:management-cases:2026"
	roundPage       = "/rounds/" + roundID
	publicURL       = "/public/rounds/" + roundID
)

// roundEnv is the round pages over the real stack, on the meeting pages'
// test harness (its requests, sign-ins and page helpers): PostgreSQL with
// the plans' seed and programmes, an embedded Temporal server whose worker
// runs the task and selection workflows, and the real services. M1 is
// edited to fit a test: two reviewers per entry, two places, public
// nominations taken. The people: the management office and convener, the
// liaisons of finance, education and tax (tax is no member of the
// management meeting), three experts (zj.a works at the finance bureau),
// and the science office.
type roundEnv struct {
	*meetingEnv
	sel *selections.Service
	// notice is how long a public notice lasts from the convener's
	// confirmation, whatever the definition's working days say.
	notice atomic.Int64
}

func newRoundEnv(t *testing.T) *roundEnv {
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
	e := &roundEnv{meetingEnv: &meetingEnv{t: t, store: store, auth: svc, users: map[string]domain.User{}, cookies: map[string][]*http.Cookie{}}}
	e.notice.Store(int64(time.Hour))
	for name, g := range map[string]domain.Grant{
		"m1.office":   {Role: domain.RoleOffice, Committee: "management"},
		"m1.convener": {Role: domain.RoleConvener, Committee: "management"},
		"kj.office":   {Role: domain.RoleOffice, Committee: "science"},
		"cz.liaison":  {Role: domain.RoleLiaison, Department: "finance"},
		"jy.liaison":  {Role: domain.RoleLiaison, Department: "education"},
		"sw.liaison":  {Role: domain.RoleLiaison, Department: "tax"},
		"zj.a":        {Role: domain.RoleExpert},
		"zj.b":        {Role: domain.RoleExpert},
		"zj.c":        {Role: domain.RoleExpert},
	} {
		u, err := svc.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: "用户" + name, Password: meetingPassword,
			Grants: []domain.Grant{g}}, auth.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		e.users[name] = u
	}
	for name, org := range map[string]string{"zj.a": "finance", "zj.b": "", "zj.c": ""} {
		if _, err := store.SetExpertProfile(ctx, domain.Expert{Username: name, Affiliation: org, Fields: []string{"管理创新"}},
			domain.AuditRecord{Actor: "admin", Action: "expert.set", Result: domain.AuditOK}); err != nil {
			t.Fatal(err)
		}
	}
	m1, err := store.Programme(ctx, "management-cases")
	if err != nil {
		t.Fatal(err)
	}
	m1.ReviewersPerEntry, m1.Quota, m1.RevisionDays, m1.NoticeDays = 2, 2, 2, roundNoticeDays
	m1.Nominators = append(m1.Nominators, domain.NominatorPublic)
	if _, err := store.SaveProgramme(ctx, m1, domain.AuditRecord{Actor: "admin", Action: "programme.save", Result: domain.AuditOK}); err != nil {
		t.Fatal(err)
	}

	tc := devtest.Start(t)
	taskSvc := tasks.New(store, tc, nil)
	e.sel = selections.New(store, store, tc, taskSvc, nil)
	w := worker.New(tc, workflows.TaskQueue, worker.Options{})
	w.RegisterWorkflow(workflows.Task)
	w.RegisterWorkflow(workflows.Selection)
	w.RegisterActivity(&activities.Activities{Tasks: store})
	w.RegisterActivity(&activities.Processes{Store: store, Experts: store.Experts, StartTask: taskSvc.StartWorkflow, Now: time.Now})
	w.RegisterActivityWithOptions(func(ctx context.Context, in activities.DeadlineInput) (time.Time, error) {
		if in.Days == roundNoticeDays {
			return time.Now().Add(time.Duration(e.notice.Load())), nil
		}
		return time.Now().AddDate(0, 0, in.Days+4), nil
	}, activity.RegisterOptions{Name: "Deadline", DisableAlreadyRegisteredCheck: true})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	e.pages, err = webui.New(webui.Deps{Auth: svc, Directory: store, Tasks: taskSvc, Calendar: store, Notes: store, Programmes: store,
		Selections: e.sel, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
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

// round reads the round as its office sees it.
func (e *roundEnv) round() domain.Round {
	e.t.Helper()
	x, err := e.sel.Get(context.Background(), e.users["m1.office"], roundID)
	if err != nil {
		e.t.Fatal(err)
	}
	return x
}

// waitRound reads the round until ok says it is as expected.
func (e *roundEnv) waitRound(what string, ok func(domain.Round) bool) domain.Round {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		x := e.round()
		if ok(x) {
			return x
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("round never %s: phase %s", what, x.Phase)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// redirect posts a form that must succeed and go to a page.
func (e *roundEnv) redirect(path, user, to string, kv ...string) {
	e.t.Helper()
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	w := e.do("POST", path, user, f)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != to {
		e.t.Fatalf("POST %s as %s: %d to %q, want 303 to %q\n%s", path, user, w.Code, w.Header().Get("Location"), to, fieldErrors(w.Body.String()))
	}
}

// reviewsOf are an expert's reviews not handed over.
func reviewsOf(x domain.Round, expert string) []domain.Review {
	var out []domain.Review
	for _, v := range x.Reviews {
		if v.Expert == expert && !v.Replaced {
			out = append(out, v)
		}
	}
	return out
}

func callsOpened(x domain.Round) bool {
	return len(x.Calls) > 0 && !slices.ContainsFunc(x.Calls, func(c domain.NominationTask) bool { return c.TaskID == 0 })
}

// TestRoundPagesThroughAManagementRound walks M1's round of 2026 through
// the pages alone, each role on its own page: the office starts it (a bad
// year refused beside its input), finance nominates two cases (an empty
// form refused, a nomination in the tax bureau's name refused as 403),
// education one, the office one for a unit, the public one on the public
// page; the office screens (a rejection without a reason refused), returns
// one that finance revises on its page, and draws the reviewers; the
// assignments table shows the recusal of the finance bureau's expert; a
// reassignment without a reason is refused; the experts score on their
// review pages (a score out of scale and one that is no number refused,
// nothing recorded; another expert's review refused); the convener
// confirms (a change without a reason refused); the public objects during
// the notice (a form without its text refused) and the office dismisses
// it; the office announces with the publicity list and the public page
// shows the results.
func TestRoundPagesThroughAManagementRound(t *testing.T) {
	e := newRoundEnv(t)
	const office, convener, finance, education, tax = "m1.office", "m1.convener", "cz.liaison", "jy.liaison", "sw.liaison"
	ctx := context.Background()

	// The programme's rounds: a start form for its office only.
	list := "/programmes/management-cases/rounds"
	body := e.get(list, office)
	if !hasForm(body, list) || !strings.Contains(body, "尚未启动评选") || inputValue(body, "start-year") == "" {
		t.Fatal("the office's list lacks its start form")
	}
	if hasForm(e.get(list, finance), list) || hasForm(e.get(list, "kj.office"), list) {
		t.Error("a liaison or another committee's office is offered the start form")
	}
	body = e.post(list, office, http.StatusUnprocessableEntity, "year", "20x6")
	if fieldError(body, "start-year") != "请填写数字。" || inputValue(body, "start-year") != "20x6" {
		t.Fatalf("bad year: %s", fieldErrors(body))
	}
	body = e.post(list, office, http.StatusUnprocessableEntity, "year", "1990")
	if fieldError(body, "start-year") == "" {
		t.Fatalf("a year out of range: %s", fieldErrors(body))
	}
	e.post(list, finance, http.StatusForbidden, "year", "2026")
	if rs, _ := e.sel.List(ctx, e.users[office], "management-cases"); len(rs) != 0 {
		t.Fatalf("refused starts started %d rounds", len(rs))
	}
	e.redirect(list, office, roundPage+"?done=start", "year", "2026")
	body = e.post(list, office, http.StatusConflict, "year", "2026")
	if !strings.Contains(body, "已经启动，不能重复启动") {
		t.Fatalf("second start: %s", fieldErrors(body))
	}
	e.waitRound("open its calls", callsOpened)
	body = e.get(roundPage+"?done=start", office)
	if !strings.Contains(body, "评选已启动") || !strings.Contains(body, `<li class="step-current" aria-current="step">`+"\n      "+`<span class="step-name">推荐申报</span>`) {
		t.Error("no confirmation, or the timeline does not stand at the call")
	}
	if !hasForm(body, roundPage+"/close-nominations") || !hasForm(body, roundPage+"/nominate") || !hasForm(body, roundPage+"/cancel") {
		t.Error("the office lacks its forms of the call")
	}

	// Finance: its call, its nomination form, nothing of the others.
	body = e.get(roundPage, finance)
	if !hasForm(body, roundPage+"/nominate") || hasForm(body, roundPage+"/close-nominations") || strings.Contains(body, "教育局") {
		t.Fatal("finance's page: no nomination form, or the office's forms, or another department's call")
	}
	if selected(body, "nominate-department") != "finance" {
		t.Errorf("the nomination form nominates for %q", selected(body, "nominate-department"))
	}
	body = e.post(roundPage+"/nominate", finance, http.StatusUnprocessableEntity, "department", "finance", "title", "", "unit", "", "summary", " ", "contact", "张三")
	if fieldError(body, "nominate-title") == "" || fieldError(body, "nominate-unit") == "" || fieldError(body, "nominate-summary") == "" ||
		inputValue(body, "nominate-contact") != "张三" {
		t.Fatalf("empty nomination: %s", fieldErrors(body))
	}
	e.post(roundPage+"/nominate", finance, http.StatusForbidden, "department", "tax", "title", "冒名", "unit", "税务局", "summary", "x", "contact", "y")
	e.post(roundPage+"/nominate", tax, http.StatusForbidden, "department", "tax", "title", "非成员", "unit", "税务局", "summary", "x", "contact", "y")
	nominate := func(user, dept, title string) {
		t.Helper()
		e.redirect(roundPage+"/nominate", user, roundPage+"?done=nominate", "department", dept, "title", title, "unit", title+"实施单位",
			"summary", title+"的做法与成效", "contact", "联系人 0731-0000")
	}
	nominate(finance, "finance", "预算绩效管理改革")
	nominate(finance, "finance", "政府采购电子化")
	nominate(education, "education", "集团化办学")
	nominate(office, "", "园区一网通办")
	if len(e.round().Entries) != 4 {
		t.Fatal("the nominations did not all arrive")
	}
	body = e.get(roundPage, finance)
	if !strings.Contains(body, "预算绩效管理改革") || strings.Contains(body, "集团化办学") || strings.Contains(body, "园区一网通办") {
		t.Error("finance sees another department's entry, or not its own")
	}

	// The public: the call with its form, no sign-in needed.
	body = e.get(publicURL, "")
	if !hasForm(body, publicURL+"/nominate") || !strings.Contains(body, "创新性") {
		t.Fatal("the public call lacks its form or its criteria")
	}
	body = e.post(publicURL+"/nominate", "", http.StatusUnprocessableEntity, "title", "市民推荐", "unit", "", "summary", "", "contact", "")
	if fieldError(body, "nominate-unit") == "" || inputValue(body, "nominate-title") != "市民推荐" {
		t.Fatalf("empty public nomination: %s", fieldErrors(body))
	}
	e.redirect(publicURL+"/nominate", "", publicURL+"?done=nominate", "title", "社区网格化治理", "unit", "某街道", "summary", "做法", "contact", "王五 138")
	if !strings.Contains(e.get(publicURL+"?done=nominate", ""), "推荐已收到") {
		t.Error("no confirmation for the public")
	}
	x := e.round()
	if len(x.Entries) != 5 || x.Entries[4].NominatedBy != workflows.PublicActor || x.Entries[4].Department != "" {
		t.Fatalf("the public's entry %+v", x.Entries[len(x.Entries)-1])
	}
	e.redirect(roundPage+"/close-nominations", office, roundPage+"?done=close-nominations")

	// Screening.
	body = e.get(roundPage, office)
	if !hasForm(body, roundPage+"/entries/1/screen") || !hasForm(body, roundPage+"/close-screening") || hasForm(body, roundPage+"/nominate") {
		t.Fatal("the office's screening forms are missing, or the call's still shown")
	}
	body = e.post(roundPage+"/entries/5/screen", office, http.StatusUnprocessableEntity, "decision", "reject", "reason", "")
	if fieldError(body, "entry-5-screen-reason") == "" || selected(body, "entry-5-screen-decision") != "reject" {
		t.Fatalf("a rejection without its reason: %s", fieldErrors(body))
	}
	e.post(roundPage+"/entries/1/screen", finance, http.StatusForbidden, "decision", "accept")
	for _, n := range []string{"1", "3", "4"} {
		e.redirect(roundPage+"/entries/"+n+"/screen", office, roundPage+"?done=screen", "decision", "accept")
	}
	e.redirect(roundPage+"/entries/5/screen", office, roundPage+"?done=screen", "decision", "reject", "reason", "不属于党政机关管理创新案例")
	e.redirect(roundPage+"/entries/2/screen", office, roundPage+"?done=screen", "decision", "return", "reason", "请补充成效数据")
	body = e.post(roundPage+"/close-screening", office, http.StatusConflict)
	if !strings.Contains(body, "未完成资格审查") {
		t.Errorf("closing with a returned entry: %s", fieldErrors(body))
	}
	// Finance revises its returned entry on its page.
	body = e.get(roundPage, finance)
	if !hasForm(body, roundPage+"/entries/2/revise") || inputValue(body, "entry-2-revise-title") != "政府采购电子化" || !strings.Contains(body, "请补充成效数据") {
		t.Fatal("finance lacks the revision form, prefilled, with the office's reason")
	}
	if hasForm(e.get(roundPage, education), roundPage+"/entries/2/revise") {
		t.Error("education is offered finance's revision")
	}
	body = e.post(roundPage+"/entries/2/revise", finance, http.StatusUnprocessableEntity, "title", "", "unit", "财政局", "summary", "补充", "contact", "张三")
	if fieldError(body, "entry-2-revise-title") == "" {
		t.Fatalf("a revision without its title: %s", fieldErrors(body))
	}
	e.post(roundPage+"/entries/2/revise", education, http.StatusForbidden, "title", "x", "unit", "y", "summary", "z", "contact", "w")
	e.redirect(roundPage+"/entries/2/revise", finance, roundPage+"?done=revise", "title", "政府采购全流程电子化", "unit", "市财政局",
		"summary", "补充了成效数据", "contact", "张三")
	e.redirect(roundPage+"/entries/2/screen", office, roundPage+"?done=screen", "decision", "accept")
	e.redirect(roundPage+"/close-screening", office, roundPage+"?done=close-screening")

	// The assignments: two reviewers per entry, the finance bureau's
	// expert recused from finance's entries, shown with the affiliation.
	x = e.round()
	if x.Phase != domain.RoundReview || len(x.Reviews) != 8 {
		t.Fatalf("drawn: %s, %d reviews", x.Phase, len(x.Reviews))
	}
	body = e.get(roundPage, office)
	if n := strings.Count(body, `class="state assign-recused"`); n != 2 {
		t.Errorf("%d recused cells, want 2 (zj.a, finance's two entries)", n)
	}
	if !strings.Contains(body, "市财政局") || !strings.Contains(body, "（无单位）") || !hasForm(body, roundPage+"/reassign") {
		t.Error("the assignments table lacks the affiliations, or the reassign form")
	}
	body = e.post(roundPage+"/reassign", office, http.StatusUnprocessableEntity, "review", "1", "expert", "", "reason", "")
	if fieldError(body, "reassign-reason") == "" || selected(body, "reassign-review") != "1" {
		t.Fatalf("a reassignment without its reason: %s", fieldErrors(body))
	}
	e.post(roundPage+"/reassign", convener, http.StatusForbidden, "review", "1", "reason", "x")
	if strings.Contains(e.get(roundPage, convener), `action="`+roundPage+`/reassign"`) {
		t.Error("the convener is offered the reassign form")
	}

	// The experts score on their pages.
	if w := e.do("GET", "/reviews", finance, nil); w.Code != http.StatusForbidden {
		t.Errorf("a liaison's reviews: %d", w.Code)
	}
	var mine, theirs domain.Review
	for _, expert := range []string{"zj.a", "zj.b", "zj.c"} {
		if rs := reviewsOf(x, expert); len(rs) > 0 && mine.ID == 0 {
			mine = rs[0]
		} else if len(rs) > 0 && theirs.ID == 0 {
			theirs = rs[0]
		}
	}
	reviewPath := func(v domain.Review) string { return "/reviews/" + selections.ReviewID(roundID, v.ID) }
	body = e.get("/reviews", mine.Expert)
	if !strings.Contains(body, `href="`+reviewPath(mine)+`"`) || strings.Contains(body, `href="`+reviewPath(theirs)+`"`) {
		t.Fatal("an expert's list lacks their review, or shows another's")
	}
	body = e.get(reviewPath(mine), mine.Expert)
	if !hasForm(body, reviewPath(mine)) || !strings.Contains(body, "0–100 分，权重 40.0%") || !hasForm(body, reviewPath(mine)+"/conflict") {
		t.Fatalf("the scoring form lacks its scales or the conflict form")
	}
	if w := e.do("GET", reviewPath(theirs), mine.Expert, nil); w.Code != http.StatusForbidden {
		t.Errorf("another expert's review: %d", w.Code)
	}
	e.post(reviewPath(theirs), mine.Expert, http.StatusForbidden, "scores.innovativeness", "80", "scores.effectiveness", "80", "scores.operability", "80")
	body = e.post(reviewPath(mine), mine.Expert, http.StatusUnprocessableEntity,
		"scores.innovativeness", "八十", "scores.effectiveness", "101", "scores.operability", "", "comment", "初评")
	if fieldError(body, "score-scores-innovativeness") != "请填写数字。" || fieldError(body, "score-scores-effectiveness") == "" ||
		fieldError(body, "score-scores-operability") == "" || inputValue(body, "score-scores-effectiveness") != "101" {
		t.Fatalf("bad scores: %s", fieldErrors(body))
	}
	if now := e.round(); now.Review(mine.ID).Done() {
		t.Fatal("refused scores were recorded")
	}
	body = e.post(reviewPath(mine)+"/conflict", mine.Expert, http.StatusUnprocessableEntity, "reason", "")
	if fieldError(body, "conflict-reason") == "" {
		t.Fatalf("a conflict without its reason: %s", fieldErrors(body))
	}
	// Everyone scores: entry n is worth 100 − 10n.
	for _, v := range x.Reviews {
		s := itoa(100 - 10*v.Entry)
		e.redirect(reviewPath(v), v.Expert, "/reviews?done=score", "scores.innovativeness", s, "scores.effectiveness", s, "scores.operability", s,
			"comment", "意见")
	}
	x = e.waitRound("rank", func(x domain.Round) bool { return x.Phase == domain.RoundConfirmation })
	if !slices.Equal(x.Proposed, []int{1, 2}) {
		t.Fatalf("proposed %v", x.Proposed)
	}
	body = e.get(reviewPath(mine), mine.Expert)
	if hasForm(body, reviewPath(mine)) || !strings.Contains(body, "评分已结束") {
		t.Error("the scoring form is still offered after scoring closed")
	}

	// The ranking sheet: the office and convener, with its downloads; the
	// experts and departments never.
	body = e.get(roundPage, office)
	if !strings.Contains(body, `href="/api/v1/rounds/`+roundID+`/ranking.xlsx"`) || !strings.Contains(body, `/archive.json"`) ||
		!strings.Contains(body, "用户zj.b（zj.b）") || !strings.Contains(body, "创新性（平均分）") || hasForm(body, roundPage+"/confirm") {
		t.Fatal("the office's ranking sheet or its downloads are missing, or it is offered the confirmation")
	}
	for _, who := range []string{mine.Expert, finance} {
		if b := e.get(roundPage, who); strings.Contains(b, "ranking.xlsx") || strings.Contains(b, "评审排名表") {
			t.Errorf("%s sees the ranking sheet", who)
		}
	}
	body = e.get(roundPage, convener)
	if !hasForm(body, roundPage+"/confirm") || strings.Contains(body, "/archive.json") {
		t.Fatal("the convener lacks the confirm form, or is offered the archive")
	}
	body = e.post(roundPage+"/confirm", convener, http.StatusUnprocessableEntity, "list", "1", "list", "3", "reason", "")
	if fieldError(body, "confirm-reason") == "" || !strings.Contains(body, `value="3" checked`) {
		t.Fatalf("a change without a reason: %s", fieldErrors(body))
	}
	e.post(roundPage+"/confirm", office, http.StatusForbidden, "list", "1", "list", "2")
	e.notice.Store(int64(8 * time.Second))
	e.redirect(roundPage+"/confirm", convener, roundPage+"?done=confirm", "list", "1", "list", "2")

	// The notice: the public objects.
	body = e.get(publicURL, "")
	if !hasForm(body, publicURL+"/object") || !strings.Contains(body, "预算绩效管理改革") || strings.Contains(body, "集团化办学") ||
		strings.Contains(body, "联系人 0731") {
		t.Fatal("the public notice lacks its list or form, or shows what it should not")
	}
	body = e.post(publicURL+"/object", "", http.StatusUnprocessableEntity, "entry", "", "name", "李四", "contact", "138", "text", "")
	if fieldError(body, "object-text") == "" || fieldError(body, "object-entry") == "" || inputValue(body, "object-name") != "李四" {
		t.Fatalf("an objection without its text: %s", fieldErrors(body))
	}
	e.redirect(publicURL+"/object", "", publicURL+"?done=object", "entry", "1", "name", "李四", "contact", "13800000000", "text", "成效数据有误")
	body = e.get(roundPage, office)
	if !hasForm(body, roundPage+"/objections/1/rule") || !strings.Contains(body, "成效数据有误") || !strings.Contains(body, "13800000000") {
		t.Fatal("the office lacks the objection or its ruling form")
	}
	body = e.post(roundPage+"/objections/1/rule", office, http.StatusUnprocessableEntity, "ruling", "dismissed", "reason", "")
	if fieldError(body, "objection-1-rule-reason") == "" {
		t.Fatalf("a ruling without its reason: %s", fieldErrors(body))
	}
	e.post(roundPage+"/objections/1/rule", convener, http.StatusForbidden, "ruling", "dismissed", "reason", "x")
	e.redirect(roundPage+"/objections/1/rule", office, roundPage+"?done=rule", "ruling", "dismissed", "reason", "经核实数据属实")

	// The notice ends; the office announces with the publicity list.
	e.waitRound("end its notice", func(x domain.Round) bool { return x.Phase == domain.RoundAnnouncing })
	body = e.get(roundPage, office)
	if !hasForm(body, roundPage+"/announce") || inputValue(body, "announce-publicity-1") != "" {
		t.Fatal("the office lacks the announce form")
	}
	body = e.post(roundPage+"/announce", office, http.StatusUnprocessableEntity, "publicity.1", strings.Repeat("很长的媒体名称", 40))
	if fieldError(body, "announce-publicity-1") == "" {
		t.Fatalf("a medium's name too long: %s", fieldErrors(body))
	}
	e.redirect(roundPage+"/announce", office, roundPage+"?done=announce", "publicity.1", "湘潭日报、湘潭电视台", "publicity.2", "")
	body = e.get(publicURL, "")
	if !strings.Contains(body, "评选结果") || !strings.Contains(body, "湘潭日报、湘潭电视台") || !strings.Contains(body, "政府采购全流程电子化") ||
		strings.Contains(body, "zj.") {
		t.Fatal("the public results lack the list or its media, or name an expert")
	}
	if !strings.Contains(e.get(publicURL+"?lang=en", ""), "Results") {
		t.Error("no English results page")
	}
	body = e.get(roundPage, office)
	for _, ev := range []string{"启动评选", "发出推荐通知", "资格审查", "抽取评审专家", "评分结束并排名", "审定名单", "收到异议", "异议处理", "公布结果"} {
		if !strings.Contains(body, `<span class="what">`+ev+`</span>`) {
			t.Errorf("the history lacks %q", ev)
		}
	}
	// A round that has ended takes no more forms.
	body = e.post(roundPage+"/cancel", office, http.StatusConflict, "reason", "x")
	if !strings.Contains(body, "评选已结束") {
		t.Errorf("cancelling an announced round: %s", fieldErrors(body))
	}
	if w := e.do("GET", "/public/rounds/selection:management-cases:1999", "", nil); w.Code != http.StatusNotFound {
		t.Errorf("an unknown round's public page: %d", w.Code)
	}
}
