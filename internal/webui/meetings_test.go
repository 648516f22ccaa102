package webui_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	"lianxi/internal/meetings"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
	"lianxi/internal/tasks"
	"lianxi/internal/temporal/devtest"
	"lianxi/internal/webui"
	"lianxi/workflows"
)

// The meeting-cycle service must fit the interface the pages declare.
var _ webui.Meetings = (*meetings.Service)(nil)

const meetingPassword = "Lotus-city-2026"

// meetingEnv is the pages over the real stack: PostgreSQL with the plans'
// seed, an embedded Temporal server with a worker running the task and
// cycle workflows, and the real accounts, task and meeting services. The
// people: the science office and convener, the culture office and
// convener, the liaisons of finance, tax and the publicity department, and
// the culture bureau's liaison (no member of the science committee).
type meetingEnv struct {
	t       *testing.T
	store   *postgres.Store
	auth    *auth.Service
	meet    *meetings.Service
	pages   *webui.Pages
	h       http.Handler
	users   map[string]domain.User
	cookies map[string][]*http.Cookie
}

func newMeetingEnv(t *testing.T) *meetingEnv {
	t.Helper()
	ctx := context.Background()
	store := postgres.New(pgtest.NewPool(t))
	if _, err := store.LoadSeed(ctx, seed.Name, seed.Organisations(), seed.Committees()); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(store, auth.Options{Sleep: func(context.Context, time.Duration) {}})
	if err != nil {
		t.Fatal(err)
	}
	e := &meetingEnv{t: t, store: store, auth: svc, users: map[string]domain.User{}, cookies: map[string][]*http.Cookie{}}
	for name, g := range map[string]domain.Grant{
		"kj.office":   {Role: domain.RoleOffice, Committee: "science"},
		"kj.convener": {Role: domain.RoleConvener, Committee: "science"},
		"wh.office":   {Role: domain.RoleOffice, Committee: "culture"},
		"wh.convener": {Role: domain.RoleConvener, Committee: "culture"},
		"cz.liaison":  {Role: domain.RoleLiaison, Department: "finance"},
		"sw.liaison":  {Role: domain.RoleLiaison, Department: "tax"},
		"xc.liaison":  {Role: domain.RoleLiaison, Department: "publicity-dept"},
		"wt.liaison":  {Role: domain.RoleLiaison, Department: "culture-bureau"},
	} {
		u, err := svc.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: name, Password: meetingPassword, Grants: []domain.Grant{g}}, auth.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		e.users[name] = u
	}
	tc := devtest.Start(t)
	taskSvc := tasks.New(store, tc, nil)
	e.meet = meetings.New(store, tc, taskSvc, nil)
	w := worker.New(tc, workflows.TaskQueue, worker.Options{})
	w.RegisterWorkflow(workflows.Task)
	w.RegisterWorkflow(workflows.MeetingCycle)
	w.RegisterActivity(&activities.Activities{Tasks: store})
	w.RegisterActivity(&activities.Processes{Store: store, StartTask: taskSvc.StartWorkflow, Now: time.Now})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	e.pages, err = webui.New(webui.Deps{Auth: svc, Directory: store, Tasks: taskSvc, Ledger: store, Calendar: store, Notes: store, Meetings: e.meet,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
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

// do sends a request as a user ("" for nobody), with a form when one is
// given.
func (e *meetingEnv) do(method, path, user string, form url.Values) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if user != "" {
		if _, ok := e.cookies[user]; !ok {
			s, err := e.auth.Login(context.Background(), auth.LoginInput{Username: user, Password: meetingPassword})
			if err != nil {
				e.t.Fatalf("sign in %s: %v", user, err)
			}
			w := httptest.NewRecorder()
			auth.SetCookie(w, httptest.NewRequest("GET", "/", nil), s)
			e.cookies[user] = w.Result().Cookies()
		}
		for _, c := range e.cookies[user] {
			r.AddCookie(c)
		}
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// get reads a page and fails unless it answers 200.
func (e *meetingEnv) get(path, user string) string {
	e.t.Helper()
	w := e.do("GET", path, user, nil)
	if w.Code != http.StatusOK {
		e.t.Fatalf("GET %s as %s: %d\n%s", path, user, w.Code, w.Body.String())
	}
	return w.Body.String()
}

// post sends a form and fails unless the answer is the status wanted; it
// returns the body (the page shown again on a refusal).
func (e *meetingEnv) post(path, user string, status int, kv ...string) string {
	e.t.Helper()
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	w := e.do("POST", path, user, f)
	if w.Code != status {
		e.t.Fatalf("POST %s as %s: %d, want %d\n%s", path, user, w.Code, status, fieldErrors(w.Body.String()))
	}
	return w.Body.String()
}

// cycle reads a cycle's live state as the office would.
func (e *meetingEnv) cycle(id, as string) domain.Cycle {
	e.t.Helper()
	c, err := e.meet.Get(context.Background(), e.users[as], id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// wait reads a cycle until ok says it is as expected: the departments'
// tasks tell the cycle through Temporal, a moment after they answer.
func (e *meetingEnv) wait(id, as, what string, ok func(domain.Cycle) bool) domain.Cycle {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c := e.cycle(id, as)
		if ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("cycle never %s: %+v", what, c)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func allOpened(c domain.Cycle) bool {
	for _, s := range c.Submissions {
		if s.TaskID == 0 {
			return false
		}
	}
	return len(c.Submissions) > 0
}

func submission(c domain.Cycle, dept string) domain.Submission {
	for _, s := range c.Submissions {
		if s.Department == dept {
			return s
		}
	}
	return domain.Submission{}
}

func attendance(c domain.Cycle, dept string) domain.Attendance {
	for _, a := range c.Attendance {
		if a.Department == dept {
			return a
		}
	}
	return domain.Attendance{}
}

func submissionTask(c domain.Cycle, dept string) int64 { return submission(c, dept).TaskID }
func attendanceTask(c domain.Cycle, dept string) int64 { return attendance(c, dept).TaskID }

// fieldError returns the message shown beside an input, by the input's id.
func fieldError(body, id string) string {
	m := regexp.MustCompile(`<p class="field-error" id="` + regexp.QuoteMeta(id) + `-error">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// fieldErrors lists every message beside an input, to explain a failure.
func fieldErrors(body string) string {
	var out []string
	for _, m := range regexp.MustCompile(`<p class="(?:field-error|alert)"[^>]*>([^<]*)</p>`).FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return strings.Join(out, "\n")
}

// inputValue returns the value an input shows, by its id.
func inputValue(body, id string) string {
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// selected returns the value chosen in a select, by its id.
func selected(body, id string) string {
	m := regexp.MustCompile(`(?s)<select id="` + regexp.QuoteMeta(id) + `".*?</select>`).FindString(body)
	if s := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(m); s != nil {
		return s[1]
	}
	return ""
}

func hasForm(body, action string) bool { return strings.Contains(body, `action="`+action+`"`) }

func itemID(c domain.Cycle, title string) int {
	for _, it := range c.Items {
		if it.Title == title {
			return it.ID
		}
	}
	return 0
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCyclePagesThroughAScienceMeeting walks a science cycle through the
// pages alone: the office starts it (a second start is refused in the
// form), the finance bureau submits two items on its task page (a row
// without a title refused beside that row), tax has none, the office goes
// on without the rest, adds an item and compiles (a rejection without a
// reason refused), the convener returns then approves, the office sends the
// notice, finance and tax answer the attendance tasks, the office records
// the meeting with a decision (a decision row without a title refused),
// finance reports the result and the office accepts it, and the cycle
// closes. Each page shows the forms to whom may use them only.
func TestCyclePagesThroughAScienceMeeting(t *testing.T) {
	e := newMeetingEnv(t)
	const office, convener, finance, tax = "kj.office", "kj.convener", "cz.liaison", "sw.liaison"

	// The committee's cycles: a start form for its office only.
	body := e.get("/committees/science/cycles", office)
	if !hasForm(body, "/committees/science/cycles") || !strings.Contains(body, "尚未启动会议周期") {
		t.Fatal("the office's list lacks its start form")
	}
	if hasForm(e.get("/committees/science/cycles", finance), "/committees/science/cycles") {
		t.Error("a liaison is offered the start form")
	}
	if !strings.Contains(e.get("/committees/science", finance), `href="/committees/science/cycles"`) {
		t.Error("the committee's page does not link to its cycles")
	}
	// Malformed: each message beside its input, nothing started.
	body = e.post("/committees/science/cycles", office, http.StatusUnprocessableEntity, "period", "26H1", "planned_meeting_month", "June")
	if fieldError(body, "start-period") == "" || fieldError(body, "start-planned_meeting_month") == "" || inputValue(body, "start-period") != "26H1" {
		t.Fatalf("bad start: %s", fieldErrors(body))
	}
	if cs, _ := e.meet.List(context.Background(), e.users[office], "science"); len(cs) != 0 {
		t.Fatalf("a refused start started %d cycles", len(cs))
	}
	e.post("/committees/science/cycles", finance, http.StatusForbidden, "period", "2026H1")
	w := e.do("POST", "/committees/science/cycles", office, url.Values{"period": {"2026H1"}, "planned_meeting_month": {"2026-06"}})
	const id = "meeting:science:2026H1"
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/cycles/"+id+"?done=start" {
		t.Fatalf("start: %d %s", w.Code, w.Header().Get("Location"))
	}
	// A second start of the period: the 409 message in the form.
	body = e.post("/committees/science/cycles", office, http.StatusConflict, "period", "2026H1")
	if !strings.Contains(body, "已经启动，不能重复启动") || inputValue(body, "start-period") != "2026H1" {
		t.Fatalf("second start: %s", fieldErrors(body))
	}
	body = e.get("/committees/science/cycles", office)
	if !strings.Contains(body, `<a href="/cycles/`+id+`">2026H1</a>`) || !strings.Contains(body, "2026-06") || !strings.Contains(body, "议题征集") {
		t.Fatal("the list lacks the cycle")
	}

	// The agenda call: 29 tasks, the matrix, the forms of the phase.
	c := e.wait(id, office, "open its agenda tasks", allOpened)
	body = e.get("/cycles/"+id+"?done=start", office)
	if n := strings.Count(body, `<tr class="sub-pending">`); n != 29 {
		t.Errorf("%d pending lines in the matrix, want 29", n)
	}
	if !strings.Contains(body, "会议周期已启动") || !strings.Contains(body, `<li class="step-current" aria-current="step">`+"\n      "+`<span class="step-name">议题征集</span>`) {
		t.Error("no confirmation, or the timeline does not stand at the agenda call")
	}
	if !hasForm(body, "/cycles/"+id+"/close-agenda-call") || !hasForm(body, "/cycles/"+id+"/extend-agenda-call") || hasForm(body, "/cycles/"+id+"/compile") {
		t.Error("the office's forms of the agenda call are wrong")
	}
	body = e.get("/cycles/"+id, finance)
	if hasForm(body, "/cycles/"+id+"/close-agenda-call") || hasForm(body, "/cycles/"+id+"/add-item") {
		t.Error("a liaison is offered the office's forms")
	}
	if n := strings.Count(body, `href="/tasks/`); n != 1 || !strings.Contains(body, fmt.Sprintf(`href="/tasks/%d"`, submissionTask(c, "finance"))) {
		t.Errorf("a liaison sees %d task links, want its own only", n)
	}
	if w := e.do("GET", "/cycles/"+id, "wt.liaison", nil); w.Code != http.StatusForbidden {
		t.Errorf("a department outside the committee reads the cycle: %d", w.Code)
	}
	if w := e.do("GET", "/cycles/meeting:science:2031H1", office, nil); w.Code != http.StatusNotFound {
		t.Errorf("a cycle that does not exist: %d", w.Code)
	}

	// Finance's agenda task: five rows of items and the "no items" box.
	task := fmt.Sprintf("/tasks/%d", submissionTask(c, "finance"))
	body = e.get(task, finance)
	for _, want := range []string{`name="values.items.4.title"`, `name="values.items.0.decision_requested"`, "本次无议题", `href="/cycles/` + id + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the agenda task page lacks %s", want)
		}
	}
	if strings.Contains(body, `name="values.items.5.title"`) {
		t.Error("more than five rows")
	}
	// Nothing at all: the field says to submit items or none.
	body = e.post(task+"/submit", finance, http.StatusUnprocessableEntity)
	if !strings.Contains(fieldError(body, "values-items"), "本次无议题") {
		t.Fatalf("an empty submission: %s", fieldErrors(body))
	}
	// The second row has no title: the message is beside that row, and
	// what was typed in the fourth stays.
	body = e.post(task+"/submit", finance, http.StatusUnprocessableEntity,
		"values.items.1.summary", "缺标题的说明", "values.items.3.title", "科技金融改革试点", "values.items.3.summary", "试点方案")
	if fieldError(body, "values-items-1-title") != "必须填写。" || fieldError(body, "values-items-0-title") != "" || inputValue(body, "values-items-3-title") != "科技金融改革试点" {
		t.Fatalf("a row without a title: %s", fieldErrors(body))
	}
	w = e.do("POST", task+"/submit", finance, url.Values{
		"values.items.0.title": {"科技金融改革试点"}, "values.items.0.summary": {"试点方案"}, "values.items.0.decision_requested": {"请会议审议试点方案"},
		"values.items.2.title": {"设立科技成果转化基金"}, "values.items.2.decision_requested": {"请会议同意设立基金"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("submit items: %d %s", w.Code, fieldErrors(w.Body.String()))
	}
	body = e.get(w.Header().Get("Location"), finance)
	if !strings.Contains(body, "已报送，办公室已收到。") || !strings.Contains(body, "<strong>设立科技成果转化基金</strong>") {
		t.Error("the task does not show the items submitted")
	}
	e.post(fmt.Sprintf("/tasks/%d/submit", submissionTask(c, "tax")), tax, http.StatusSeeOther, "values.no_items", "true")
	c = e.wait(id, office, "take the answers", func(c domain.Cycle) bool {
		return len(c.Items) == 2 && submission(c, "tax").State == domain.SubmissionNoItems
	})
	if c.Items[0].DecisionRequested != "请会议审议试点方案" || c.Items[1].Title != "设立科技成果转化基金" {
		t.Fatalf("items %+v", c.Items)
	}

	// An extension to a day before the deadline is refused beside its input.
	body = e.post("/cycles/"+id+"/extend-agenda-call", office, http.StatusUnprocessableEntity, "due_at", "2020-01-06")
	if fieldError(body, "extend-agenda-call-due_at") == "" {
		t.Fatalf("an early extension: %s", fieldErrors(body))
	}
	// The office goes on without the 27 who did not answer.
	w = e.do("POST", "/cycles/"+id+"/close-agenda-call", office, url.Values{"note": {"按期召开"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("close: %d %s", w.Code, fieldErrors(w.Body.String()))
	}
	body = e.get(w.Header().Get("Location"), office)
	if n := strings.Count(body, `<tr class="sub-missing">`); n != 27 || !strings.Contains(body, "议题征集已截止") {
		t.Errorf("%d missing lines after closing, want 27", n)
	}
	e.post("/cycles/"+id+"/add-item", office, http.StatusUnprocessableEntity, "summary", "无标题")
	e.post("/cycles/"+id+"/add-item", office, http.StatusSeeOther, "title", "2026年科技创新工作要点", "summary", "办公室提出")
	c = e.cycle(id, office)
	pilot, fund, plan := itemID(c, "科技金融改革试点"), itemID(c, "设立科技成果转化基金"), itemID(c, "2026年科技创新工作要点")
	body = e.get("/cycles/"+id, office)
	if selected(body, "compile-item-"+itoa(plan)+"-place") != "agenda" || inputValue(body, "compile-item-"+itoa(plan)+"-position") != "3" {
		t.Error("the compile form does not start with every item on the agenda in order")
	}
	// A rejection without a reason: refused beside that row, nothing changed.
	row := func(id int, place, pos, into, reason string) []string {
		k := "item." + itoa(id) + "."
		return []string{k + "place", place, k + "position", pos, k + "into", into, k + "reason", reason}
	}
	compile := func(status int, rows ...[]string) string {
		var kv []string
		for _, r := range rows {
			kv = append(kv, r...)
		}
		return e.post("/cycles/"+id+"/compile", office, status, kv...)
	}
	body = compile(http.StatusUnprocessableEntity, row(pilot, "agenda", "1", "", ""), row(fund, "merge", "", itoa(pilot), ""), row(plan, "reject", "", "", ""))
	if fieldError(body, "compile-item-"+itoa(plan)+"-reason") != "必须填写。" || selected(body, "compile-item-"+itoa(fund)+"-place") != "merge" {
		t.Fatalf("a rejection without a reason: %s", fieldErrors(body))
	}
	// Merged into an item not on the agenda: the message at the merge target.
	body = compile(http.StatusUnprocessableEntity, row(pilot, "defer", "", "", "再议"), row(fund, "merge", "", itoa(pilot), ""), row(plan, "agenda", "1", "", ""))
	if fieldError(body, "compile-item-"+itoa(fund)+"-into") == "" {
		t.Fatalf("a merge into a deferred item: %s", fieldErrors(body))
	}
	if c := e.cycle(id, office); c.Phase != domain.PhaseCompilation {
		t.Fatalf("a refused compilation moved the cycle to %s", c.Phase)
	}
	compile(http.StatusSeeOther, row(pilot, "agenda", "2", "", ""), row(fund, "agenda", "1", "", ""), row(plan, "defer", "", "", "待调研后再议"))

	// The convener's forms; the office has none of them.
	if hasForm(e.get("/cycles/"+id, office), "/cycles/"+id+"/approve") {
		t.Error("the office is offered the convener's approval")
	}
	body = e.get("/cycles/"+id, convener)
	if !hasForm(body, "/cycles/"+id+"/approve") || !hasForm(body, "/cycles/"+id+"/return") {
		t.Fatal("the convener has no approval forms")
	}
	body = e.post("/cycles/"+id+"/return", convener, http.StatusUnprocessableEntity, "comments", " ")
	if fieldError(body, "return-comments") != "必须填写。" {
		t.Fatalf("a return without comments: %s", fieldErrors(body))
	}
	e.post("/cycles/"+id+"/approve", office, http.StatusForbidden)
	e.post("/cycles/"+id+"/return", convener, http.StatusSeeOther, "comments", "请将试点方案放在首位")
	body = e.get("/cycles/"+id, office)
	if !strings.Contains(body, "召集人退回意见：请将试点方案放在首位") || inputValue(body, "compile-item-"+itoa(fund)+"-position") != "1" {
		t.Error("the returned agenda lacks the comments or its order")
	}
	compile(http.StatusSeeOther, row(pilot, "agenda", "1", "", ""), row(fund, "agenda", "2", "", ""))
	e.post("/cycles/"+id+"/approve", convener, http.StatusSeeOther, "note", "同意")

	// The printable agenda: numbered, with who submitted each and what it asks.
	body = e.get("/cycles/"+id+"/agenda", finance)
	agenda := regexp.MustCompile(`(?s)<article class="doc agenda".*</article>`).FindString(body)
	for _, want := range []string{"市科技创新工作联席会议2026H1会议议程", `<span class="num">1.</span> 科技金融改革试点`, `<span class="num">2.</span> 设立科技成果转化基金`,
		"提出单位：市财政局", "需会议决定：请会议同意设立基金", "第 1 版", "计划于 2026-06 召开"} {
		if !strings.Contains(agenda, want) {
			t.Errorf("the agenda lacks %q", want)
		}
	}
	if strings.Contains(agenda, "2026年科技创新工作要点") || strings.Contains(agenda, "<form") || strings.Contains(agenda, "草案") {
		t.Error("the agenda shows a deferred item, a form or the draft mark")
	}
	if en := e.do("GET", "/cycles/"+id+"/agenda?lang=en", finance, nil).Body.String(); !strings.Contains(en, "Submitted by Finance Bureau") {
		t.Error("no English agenda")
	}

	// The notice: a past time is refused, then sent.
	body = e.post("/cycles/"+id+"/notice", office, http.StatusUnprocessableEntity, "starts_at", "2020-06-18T09:30", "place", "市政府第一会议室")
	if fieldError(body, "notice-starts_at") != "必须是将来的时间。" || inputValue(body, "notice-place") != "市政府第一会议室" {
		t.Fatalf("a notice in the past: %s", fieldErrors(body))
	}
	body = e.post("/cycles/"+id+"/notice", office, http.StatusUnprocessableEntity, "starts_at", "next week", "place", "市政府第一会议室")
	if !strings.Contains(fieldError(body, "notice-starts_at"), "2026-06-18 09:30") {
		t.Fatalf("a notice time that does not parse: %s", fieldErrors(body))
	}
	meetingAt := time.Now().In(calendar.Location).AddDate(0, 0, 10)
	e.post("/cycles/"+id+"/notice", office, http.StatusSeeOther, "starts_at", meetingAt.Format("2006-01-02")+"T09:30", "place", "市政府第一会议室")
	c = e.wait(id, office, "open its attendance tasks", func(c domain.Cycle) bool { return len(c.Attendance) == 29 && attendanceTask(c, "tax") != 0 })

	// The attendance tasks: choices in words; leave without a delegate is refused.
	att := fmt.Sprintf("/tasks/%d", attendanceTask(c, "finance"))
	body = e.get(att, finance)
	if !strings.Contains(body, `<option value="leave">请假（委托他人参会）</option>`) || !strings.Contains(body, "参会人姓名") {
		t.Fatal("the attendance form is not in words")
	}
	e.post(att+"/submit", finance, http.StatusSeeOther, "values.answer", "attend", "values.name", "李明", "values.post", "局长")
	taxAtt := fmt.Sprintf("/tasks/%d", attendanceTask(c, "tax"))
	body = e.post(taxAtt+"/submit", tax, http.StatusUnprocessableEntity, "values.answer", "leave")
	if fieldError(body, "values-delegate_name") != "必须填写。" || selected(body, "values-answer") != "leave" {
		t.Fatalf("leave without a delegate: %s", fieldErrors(body))
	}
	e.post(taxAtt+"/submit", tax, http.StatusSeeOther, "values.answer", "leave", "values.delegate_name", "赵强", "values.delegate_post", "副局长")
	e.wait(id, office, "take the attendance", func(c domain.Cycle) bool {
		return attendance(c, "finance").Answer == domain.AttendanceAttend && attendance(c, "tax").Answer == domain.AttendanceLeave
	})

	// The record form starts from the answers.
	body = e.get("/cycles/"+id, office)
	if selected(body, "record-att-finance-status") != "present" || inputValue(body, "record-att-finance-name") != "李明" ||
		selected(body, "record-att-tax-status") != "delegate" || inputValue(body, "record-att-tax-name") != "赵强" || selected(body, "record-att-land-status") != "absent" {
		t.Fatal("the record form does not start from the attendance answers")
	}
	if !strings.Contains(body, "<td data-label=\"回执\">参会</td>") {
		t.Error("the attendance list lacks finance's answer")
	}
	due := time.Now().In(calendar.Location).AddDate(0, 2, 0).Format("2006-01-02")
	record := []string{"minutes", "会议研究了科技金融改革等事项。", "minutes." + itoa(pilot), "原则同意试点方案",
		"att.finance.status", "present", "att.finance.name", "李明", "att.finance.post", "局长",
		"att.tax.status", "delegate", "att.tax.name", "赵强", "att.tax.post", "副局长",
		"decision.0.item", itoa(pilot), "decision.0.lead", "finance", "decision.0.co", "tax", "decision.0.co", "sci-tech", "decision.0.due", due,
		"decision.0.done_when", "方案印发"}
	// No title, and a present department without a name: refused beside both.
	body = e.post("/cycles/"+id+"/record", office, http.StatusUnprocessableEntity, append(record, "att.land.status", "present")...)
	if fieldError(body, "record-decision-0-title") != "必须填写。" || fieldError(body, "record-att-land-name") != "必须填写。" ||
		!strings.Contains(body, "会议研究了科技金融改革等事项。") || !hasSelected(body, "record-decision-0-co", "sci-tech") {
		t.Fatalf("a record without a decision's title: %s", fieldErrors(body))
	}
	w = e.do("POST", "/cycles/"+id+"/record", office, formOf(append(record, "decision.0.title", "印发科技金融改革试点方案")...))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("record: %d %s", w.Code, fieldErrors(w.Body.String()))
	}
	c = e.wait(id, office, "open its follow-up", func(c domain.Cycle) bool { return len(c.Decisions) == 1 && c.Decisions[0].TaskID != 0 })
	if d := c.Decisions[0]; d.Lead != "finance" || len(d.Co) != 2 || d.Item != pilot || d.DueAt.In(calendar.Location).Format("2006-01-02 15:04") != due+" 17:30" {
		t.Fatalf("decision %+v", d)
	}

	// The minutes: attendance, the item's minutes, the decision.
	body = e.get("/cycles/"+id+"/minutes", convener)
	for _, want := range []string{"会议纪要", "市财政局（李明（局长））", "市税务局（赵强（副局长））", "原则同意试点方案", "会议研究了科技金融改革等事项。",
		"印发科技金融改革试点方案", "市财政局</td>", "市税务局、市科技局", due + " 17:30", "市政府第一会议室"} {
		if !strings.Contains(body, want) {
			t.Errorf("the minutes lack %q", want)
		}
	}

	// Follow-up: finance reports the result, the office returns it once
	// (a reason is needed) and then accepts it; the cycle closes.
	result := fmt.Sprintf("/tasks/%d", c.Decisions[0].TaskID)
	e.post(result+"/submit", finance, http.StatusSeeOther, "values.result", "方案已起草")
	e.wait(id, office, "see the result", func(c domain.Cycle) bool { return c.Decisions[0].Status == domain.DecisionSubmitted })
	body = e.get("/cycles/"+id, office)
	if !hasForm(body, "/cycles/"+id+"/decisions/1/accept") || !hasForm(body, "/cycles/"+id+"/decisions/1/carry-over") {
		t.Fatal("no follow-up forms for a submitted result")
	}
	body = e.post("/cycles/"+id+"/decisions/1/return", office, http.StatusUnprocessableEntity, "reason", "")
	if fieldError(body, "decision-1-return-reason") == "" {
		t.Fatalf("a return without a reason: %s", fieldErrors(body))
	}
	e.post("/cycles/"+id+"/decisions/1/return", office, http.StatusSeeOther, "reason", "请附印发文件")
	e.wait(id, office, "see the return", func(c domain.Cycle) bool { return c.Decisions[0].Status == domain.DecisionOpen })
	e.post(result+"/submit", finance, http.StatusSeeOther, "values.result", "方案已印发")
	e.wait(id, office, "see the result again", func(c domain.Cycle) bool { return c.Decisions[0].Status == domain.DecisionSubmitted })
	e.post("/cycles/"+id+"/decisions/1/accept", office, http.StatusSeeOther, "note", "同意")
	e.wait(id, office, "close", func(c domain.Cycle) bool { return c.Phase == domain.PhaseClosed })

	body = e.get("/cycles/"+id, office)
	for _, want := range []string{`<span class="phase phase-closed">已结束</span>`, "已办结", "启动会议周期", "汇总议程", "退回议程", "意见：请将试点方案放在首位",
		"说明：按期召开", "记录会议", "确认办理结果"} {
		if !strings.Contains(body, want) {
			t.Errorf("the closed cycle's page lacks %q", want)
		}
	}
	if n := strings.Count(body, `method="post"`); n != 1 { // sign-out only
		t.Errorf("a closed cycle offers %d forms", n-1)
	}
	if n := strings.Count(body, `<li class="step-done">`); n != 6 {
		t.Errorf("%d phases done on the timeline, want 6", n)
	}
}

func formOf(kv ...string) url.Values {
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	return f
}

// hasSelected reports whether a select shows a value chosen.
func hasSelected(body, id, value string) bool {
	m := regexp.MustCompile(`(?s)<select id="` + regexp.QuoteMeta(id) + `".*?</select>`).FindString(body)
	return strings.Contains(m, `<option value="`+value+`" selected>`)
}

// TestCyclePagesOfACombinedSitting holds the culture committee's meeting
// together with the reform group (套开): the office's joint-section item,
// two agendas each numbered from 1, and the minutes in two parts.
func TestCyclePagesOfACombinedSitting(t *testing.T) {
	e := newMeetingEnv(t)
	const office, convener = "wh.office", "wh.convener"
	e.post("/committees/culture/cycles", office, http.StatusSeeOther, "period", "2026H1", "joint_with", "文化体制改革专项小组")
	const id = "meeting:culture:2026H1"
	c := e.wait(id, office, "open its agenda tasks", allOpened)
	body := e.get("/cycles/"+id, office)
	if !strings.Contains(body, "与文化体制改革专项小组套开") || !strings.Contains(body, `name="section"`) {
		t.Fatal("the combined sitting's page lacks the joint body or its section choice")
	}
	e.post(fmt.Sprintf("/tasks/%d/submit", submissionTask(c, "publicity-dept")), "xc.liaison", http.StatusSeeOther,
		"values.items.0.title", "文艺精品创作规划", "values.items.0.decision_requested", "审议规划")
	e.wait(id, office, "take the item", func(c domain.Cycle) bool { return len(c.Items) == 1 })
	e.post("/cycles/"+id+"/add-item", office, http.StatusSeeOther, "title", "国有文艺院团改革", "section", "joint", "department", "culture-bureau")
	e.post("/cycles/"+id+"/add-item", office, http.StatusSeeOther, "title", "文化市场综合执法", "section", "joint")
	e.post("/cycles/"+id+"/close-agenda-call", office, http.StatusSeeOther)
	e.post("/cycles/"+id+"/compile", office, http.StatusSeeOther, "item.1.place", "agenda", "item.1.position", "1",
		"item.2.place", "agenda", "item.2.position", "3", "item.3.place", "agenda", "item.3.position", "2")
	e.post("/cycles/"+id+"/approve", convener, http.StatusSeeOther)

	body = e.get("/cycles/"+id+"/agenda", office)
	own := regexp.MustCompile(`(?s)<h2>市文化创新工作联席会议议程</h2>(.*?)</section>`).FindStringSubmatch(body)
	joint := regexp.MustCompile(`(?s)<h2>文化体制改革专项小组议程</h2>(.*?)</section>`).FindStringSubmatch(body)
	if own == nil || joint == nil {
		t.Fatalf("the combined agenda lacks a section:\n%s", body)
	}
	if !strings.Contains(own[1], `<span class="num">1.</span> 文艺精品创作规划`) || strings.Contains(own[1], "国有文艺院团改革") {
		t.Errorf("the committee's agenda: %s", own[1])
	}
	// Numbered from 1 in the order of the positions given.
	if !regexp.MustCompile(`(?s)<span class="num">1.</span> 文化市场综合执法.*<span class="num">2.</span> 国有文艺院团改革`).MatchString(joint[1]) ||
		!strings.Contains(joint[1], "提出单位：市文体广新局") || !strings.Contains(joint[1], "提出单位：办公室") {
		t.Errorf("the joint agenda: %s", joint[1])
	}

	e.post("/cycles/"+id+"/notice", office, http.StatusSeeOther, "starts_at", time.Now().In(calendar.Location).AddDate(0, 0, 3).Format("2006-01-02")+"T15:00",
		"place", "市委宣传部会议室")
	body = e.get("/cycles/"+id, office)
	if !strings.Contains(body, `name="joint_minutes"`) || !strings.Contains(body, "文化体制改革专项小组部分纪要") {
		t.Fatal("the record form of a combined sitting lacks the joint minutes")
	}
	e.post("/cycles/"+id+"/record", office, http.StatusSeeOther, "minutes", "联席会议部分的纪要", "joint_minutes", "专项小组部分的纪要",
		"decision.0.title", "制定院团改革方案", "decision.0.item", "2", "decision.0.lead", "culture-bureau",
		"decision.0.due", time.Now().In(calendar.Location).AddDate(0, 1, 0).Format("2006-01-02"), "decision.0.done_when", "方案印发")
	c = e.wait(id, office, "record", func(c domain.Cycle) bool { return c.Phase == domain.PhaseFollowUp })
	if c.Decisions[0].Section != domain.SectionJoint {
		t.Errorf("the decision on a joint item is in section %q", c.Decisions[0].Section)
	}
	body = e.get("/cycles/"+id+"/minutes", office)
	own = regexp.MustCompile(`(?s)<h2>市文化创新工作联席会议部分</h2>(.*?)</section>`).FindStringSubmatch(body)
	joint = regexp.MustCompile(`(?s)<h2>文化体制改革专项小组部分</h2>(.*?)</section>`).FindStringSubmatch(body)
	if own == nil || joint == nil {
		t.Fatalf("the combined minutes lack a part:\n%s", body)
	}
	if !strings.Contains(own[1], "联席会议部分的纪要") || strings.Contains(own[1], "制定院团改革方案") || !strings.Contains(own[1], "无。") {
		t.Errorf("the committee's part: %s", own[1])
	}
	if !strings.Contains(joint[1], "专项小组部分的纪要") || !strings.Contains(joint[1], "制定院团改革方案") || !strings.Contains(joint[1], "议题 2") {
		t.Errorf("the joint part: %s", joint[1])
	}
	// The culture office is not the science office.
	if w := e.do("POST", "/committees/science/cycles", office, formOf("period", "2026H1")); w.Code != http.StatusForbidden {
		t.Errorf("another committee's office starts a science cycle: %d", w.Code)
	}

	// A special sitting, cancelled: a reason is needed; then the timeline
	// ends there and no form is left.
	e.post("/committees/culture/cycles", office, http.StatusSeeOther, "period", "2026-heritage", "planned_meeting_month", "2026-09")
	const special = "meeting:culture:2026-heritage"
	e.wait(special, office, "open its agenda tasks", allOpened)
	body = e.post("/cycles/"+special+"/cancel", office, http.StatusUnprocessableEntity, "reason", "")
	if fieldError(body, "cancel-reason") != "必须填写。" || !strings.Contains(body, `<details class="card cancel" open>`) {
		t.Fatalf("a cancellation without a reason: %s", fieldErrors(body))
	}
	e.post("/cycles/"+special+"/cancel", office, http.StatusSeeOther, "reason", "并入下半年例会")
	body = e.get("/cycles/"+special+"?lang=en", office)
	for _, want := range []string{`<li class="step-current" aria-current="step">` + "\n      " + `<span class="step-name">Cancelled</span>`,
		`<li class="step-skipped">`, "并入下半年例会", "Agenda call"} {
		if !strings.Contains(body, want) {
			t.Errorf("the cancelled cycle's page lacks %q", want)
		}
	}
	if n := strings.Count(body, `method="post"`); n != 1 { // sign-out only
		t.Errorf("a cancelled cycle offers %d forms", n-1)
	}
	e.post("/cycles/"+special+"/add-item", office, http.StatusConflict, "title", "太迟了")
}
