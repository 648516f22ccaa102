package webui_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/webui"
	"lianxi/internal/webui/webtest"
)

// taskNow is a Wednesday afternoon in a month without holidays, so working
// days are plain weekdays.
var taskNow = time.Date(2026, 6, 10, 15, 0, 0, 0, calendar.Location)

// taskAccounts are DefaultAccounts plus the tax bureau's liaison (a
// co-handling department), a member of the land bureau (another
// department) and the culture committee's office.
func taskAccounts() []webtest.Account {
	mk := func(id int64, username, name string, g domain.Grant) webtest.Account {
		return webtest.Account{User: domain.User{ID: id, Username: username, DisplayName: name, Grants: []domain.Grant{g}}, Password: webtest.Password}
	}
	return append(webtest.DefaultAccounts(),
		mk(6, "sw.liaison", "周敏", domain.Grant{Role: domain.RoleLiaison, Department: "tax"}),
		mk(7, "gt.member", "孙磊", domain.Grant{Role: domain.RoleMember, Department: "land"}),
		mk(8, "wh.office", "吴静", domain.Grant{Role: domain.RoleOffice, Committee: "culture"}),
	)
}

// agendaForm is the form of the agenda-items task.
var agendaForm = []domain.FormField{
	{Name: "topic", Label: "议题名称", Type: domain.FieldText, Required: true},
	{Name: "summary", Label: "议题说明", Type: domain.FieldTextarea},
	{Name: "pages", Label: "材料页数", Type: domain.FieldNumber},
	{Name: "meeting_date", Label: "建议上会日期", Type: domain.FieldDate},
	{Name: "category", Label: "议题类别", Type: domain.FieldSelect, Required: true, Options: []string{"审议", "通报"}},
	{Name: "confirmed", Label: "已经单位主要负责人审定", Type: domain.FieldBoolean, Required: true},
}

type taskEnv struct {
	*env
	tasks *webtest.FakeTasks
	cal   *webtest.FakeCalendar
	ids   map[string]int64
}

// newTaskEnv is the pages over fakes with tasks: finance leads four science
// tasks (one overdue, one due soon, one submitted, one accepted), tax
// co-handles the overdue one, land leads a culture task.
func newTaskEnv(t *testing.T) *taskEnv {
	t.Helper()
	e, pages := newTaskPages(t)
	r := chi.NewRouter()
	r.Use(middleware.RequestID, e.auth.Middleware)
	r.NotFound(pages.NotFound)
	pages.Routes(r)
	e.h = r
	return e
}

// newTaskPages builds the pages over fakes holding the fixture; the caller
// mounts them (in-process or behind a test server for the browser).
func newTaskPages(t *testing.T) (*taskEnv, *webui.Pages) {
	t.Helper()
	dir := webtest.NewFakeDirectory()
	fa := webtest.NewFakeAuth(dir, taskAccounts()...)
	now := func() time.Time { return taskNow }
	ft := webtest.NewFakeTasks(dir, now)
	fc := webtest.NewFakeCalendar()
	pages, err := webui.New(webui.Deps{Auth: fa, Directory: dir, Tasks: ft, Ledger: ft, Calendar: fc, Now: now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e := &taskEnv{env: &env{t: t, auth: fa, dir: dir}, tasks: ft, cal: fc, ids: map[string]int64{}}
	e.addFixture()
	return e, pages
}

func (e *taskEnv) addFixture() {
	at := func(month time.Month, day, hour, min int) time.Time {
		return time.Date(2026, month, day, hour, min, 0, 0, calendar.Location)
	}
	sci := domain.TaskSource{Kind: "adhoc", Committee: "science"}
	add := func(name string, t domain.Task) {
		e.ids[name] = e.tasks.Add(t).ID
	}
	add("agenda", domain.Task{Source: sci, Kind: domain.KindAgendaItems, Title: "报送2026年下半年联席会议议题", Body: "请各成员单位于期限前报送拟提交下次会议审议的议题。",
		Lead: "finance", Co: []string{"tax"}, Form: agendaForm, DueAt: at(6, 5, 17, 30), Priority: domain.PriorityHigh})
	add("decision", domain.Task{Source: sci, Kind: domain.KindDecision, Title: "落实第三次全体会议决定事项", Lead: "finance",
		DueAt: at(6, 12, 17, 30), Status: domain.TaskInProgress})
	add("submitted", domain.Task{Source: sci, Title: "报送上半年工作进展", Lead: "finance", DueAt: at(6, 15, 17, 30),
		Status: domain.TaskSubmitted, SubmittedAt: at(6, 9, 10, 0)})
	add("accepted", domain.Task{Source: sci, Title: "确认参会人员名单", Lead: "finance", DueAt: at(5, 29, 17, 30),
		Status: domain.TaskAccepted, SubmittedAt: at(5, 28, 9, 0)})
	add("culture", domain.Task{Source: domain.TaskSource{Kind: "adhoc", Committee: "culture"}, Title: "文化项目进展情况", Lead: "land",
		DueAt: at(6, 9, 17, 30)})
	// A deputy acted for the finance liaison once.
	e.tasks.AddEvent(e.ids["decision"], domain.TaskEvent{At: at(6, 8, 9, 30), Actor: "wang.deputy", OnBehalfOf: "cz.liaison", Kind: "contribute"})
}

func (e *taskEnv) path(name string) string { return fmt.Sprintf("/tasks/%d", e.ids[name]) }

func TestNavigationByRole(t *testing.T) {
	e := newTaskEnv(t)
	nav := regexp.MustCompile(`(?s)<nav class="site-nav".*?</nav>`)
	for user, want := range map[string][]string{
		"cz.liaison": {`href="/tasks"`, `href="/ledger"`},
		"kj.office":  {`href="/board"`, `href="/ledger"`},
		"convener":   {`href="/board"`, `href="/ledger"`},
		"admin":      {`href="/board"`, `href="/ledger"`, `href="/admin/calendar"`},
		"expert":     {},
	} {
		w := e.do(req{path: "/", user: user})
		wantStatus(t, w, http.StatusOK)
		got := nav.FindString(w.Body.String())
		for _, link := range []string{`href="/tasks"`, `href="/board"`, `href="/ledger"`, `href="/admin/calendar"`} {
			if has, want := strings.Contains(got, link), slicesContains(want, link); has != want {
				t.Errorf("%s: nav has %s: %v, want %v", user, link, has, want)
			}
		}
	}
}

func slicesContains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func TestInbox(t *testing.T) {
	e := newTaskEnv(t)
	w := e.do(req{path: "/tasks", user: "cz.liaison"})
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	// Not yet done, in due order; the accepted one and the other
	// department's are not there.
	wantContains(t, body, "报送2026年下半年联席会议议题", "落实第三次全体会议决定事项", "报送上半年工作进展",
		"逾期 3 个工作日", "还剩 2 个工作日", "市科技创新工作联席会议 · 临时交办", "配合:市税务局")
	wantNotContains(t, body, "确认参会人员名单", "文化项目进展情况")
	if i, j := strings.Index(body, "报送2026年下半年"), strings.Index(body, "落实第三次"); i > j {
		t.Error("tasks are not in due order")
	}
	// The overdue row is marked, in words as well as by its class.
	if !regexp.MustCompile(`<tr class="overdue">\s*<th scope="row"><a href="` + e.path("agenda") + `">`).MatchString(body) {
		t.Error("the overdue task's row is not marked")
	}

	// The status filter.
	w = e.do(req{path: "/tasks?status=accepted", user: "cz.liaison"})
	wantContains(t, w.Body.String(), "确认参会人员名单", `<option value="accepted" selected>`)
	wantNotContains(t, w.Body.String(), "落实第三次全体会议决定事项")
	w = e.do(req{path: "/tasks?status=overdue", user: "cz.liaison"})
	wantContains(t, w.Body.String(), "报送2026年下半年联席会议议题")
	wantNotContains(t, w.Body.String(), "落实第三次全体会议决定事项")

	// The co-handling department sees the task it co-handles; the land
	// bureau only its own.
	wantContains(t, e.do(req{path: "/tasks", user: "sw.liaison"}).Body.String(), "报送2026年下半年联席会议议题")
	w = e.do(req{path: "/tasks", user: "gt.member"})
	wantContains(t, w.Body.String(), "文化项目进展情况")
	wantNotContains(t, w.Body.String(), "报送2026年下半年联席会议议题")

	// English.
	w = e.do(req{path: "/tasks", user: "cz.liaison", lang: i18n.EN})
	wantContains(t, w.Body.String(), "My tasks", "3 working days overdue", "Not yet done", "Finance Bureau")

	// Signed out: to the sign-in page; an expert has no inbox.
	wantStatus(t, e.do(req{path: "/tasks"}), http.StatusSeeOther)
	wantStatus(t, e.do(req{path: "/tasks", user: "expert"}), http.StatusForbidden)
}

func TestInboxPages(t *testing.T) {
	e := newTaskEnv(t)
	for i := range 60 {
		e.tasks.Add(domain.Task{Source: domain.TaskSource{Committee: "science"}, Title: fmt.Sprintf("批量任务 %02d", i), Lead: "finance",
			DueAt: taskNow.Add(time.Duration(24+i) * time.Hour)})
	}
	w := e.do(req{path: "/tasks?status=open", user: "cz.liaison"})
	body := w.Body.String()
	next := regexp.MustCompile(`<a href="(/tasks\?[^"]+)" rel="next">`).FindStringSubmatch(body)
	if next == nil {
		t.Fatal("no next page")
	}
	if n := strings.Count(body, `<th scope="row">`); n != 50 {
		t.Errorf("first page holds %d tasks", n)
	}
	w = e.do(req{path: strings.ReplaceAll(next[1], "&amp;", "&"), user: "cz.liaison"})
	body = w.Body.String()
	// 61 open tasks: 50, then 11 with a way back and no way on.
	if n := strings.Count(body, `<th scope="row">`); n != 11 {
		t.Errorf("second page holds %d tasks", n)
	}
	wantContains(t, body, "批量任务 59", "回到第一页")
	wantNotContains(t, body, `rel="next"`, "批量任务 48")
}

func TestAnotherDepartmentsTaskIsForbidden(t *testing.T) {
	e := newTaskEnv(t)
	for _, c := range []struct {
		user, path string
		status     int
	}{
		{"gt.member", e.path("agenda"), http.StatusForbidden},   // another department's task
		{"wh.office", e.path("decision"), http.StatusForbidden}, // another committee's
		{"expert", e.path("agenda"), http.StatusForbidden},
		{"cz.liaison", "/tasks/9999", http.StatusNotFound}, // no such task
		{"cz.liaison", "/tasks/x", http.StatusNotFound},
	} {
		w := e.do(req{path: c.path, user: c.user})
		wantStatus(t, w, c.status)
		wantNotContains(t, w.Body.String(), "报送2026年下半年联席会议议题", "落实第三次")
	}
	// Acting on it is refused the same way, and changes nothing.
	b, ct := form("values.topic", "x", "values.category", "审议", "values.confirmed", "true")
	w := e.do(req{method: "POST", path: e.path("agenda") + "/submit", user: "gt.member", body: b, contentType: ct})
	wantStatus(t, w, http.StatusForbidden)
	if got := e.tasks.Task(e.ids["agenda"]).Status; got != domain.TaskOpen {
		t.Errorf("status %s", got)
	}
	// The refusals are audited.
	denied := 0
	for _, a := range e.auth.Audited() {
		if strings.HasSuffix(a, " denied") {
			denied++
		}
	}
	if denied < 4 {
		t.Errorf("%d refusals audited: %q", denied, e.auth.Audited())
	}
}

func TestTaskPageShowsTheForm(t *testing.T) {
	e := newTaskEnv(t)
	w := e.do(req{path: e.path("agenda"), user: "cz.liaison"})
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	wantContains(t, body,
		"<h1>报送2026年下半年联席会议议题</h1>", "逾期 3 个工作日", "请各成员单位于期限前报送",
		"市财政局", "市税务局", "2026-06-05 17:30", "重要",
		`<form method="post" action="`+e.path("agenda")+`/submit"`,
		// Labels with required markers, inputs by type.
		`<label for="values-topic">议题名称 <span class="req" aria-hidden="true">*</span>`,
		`<input id="values-topic" name="values.topic" type="text"`,
		`<textarea id="values-summary" name="values.summary"`,
		`<input id="values-pages" name="values.pages" type="text" inputmode="decimal"`,
		`<input id="values-meeting_date" name="values.meeting_date" type="date"`,
		`<select id="values-category" name="values.category" required`, `<option>通报</option>`,
		`<input id="values-confirmed" name="values.confirmed" type="checkbox"`,
		`action="`+e.path("agenda")+`/extension"`,
	)
	// Only the office reviews or cancels.
	wantNotContains(t, body, "/accept", "/return", "/cancel", "/extension-decision")
	if strings.Contains(body, `<label for="values-summary">议题说明 <span class="req"`) {
		t.Error("an optional field is marked required")
	}

	// The co-handling department gets the contribution form, not the
	// submission.
	body = e.do(req{path: e.path("agenda"), user: "sw.liaison"}).Body.String()
	wantContains(t, body, `action="`+e.path("agenda")+`/contribute"`, "以市税务局名义提交。")
	wantNotContains(t, body, `/submit"`, `/extension"`)

	// The office sees the task but not the department's forms.
	body = e.do(req{path: e.path("agenda"), user: "kj.office"}).Body.String()
	wantContains(t, body, `action="`+e.path("agenda")+`/cancel"`)
	wantNotContains(t, body, `/submit"`, `/accept"`, `/contribute"`)

	// History, with an action taken on someone's behalf.
	body = e.do(req{path: e.path("decision"), user: "cz.liaison"}).Body.String()
	wantContains(t, body, "办理记录", "交办", "wang.deputy(代 cz.liaison)")
	body = e.do(req{path: e.path("decision"), user: "cz.liaison", lang: i18n.EN}).Body.String()
	wantContains(t, body, "History", "wang.deputy (for cz.liaison)", "Added input")
}

func TestSubmitShowsFieldErrorsAndKeepsInput(t *testing.T) {
	e := newTaskEnv(t)
	path := e.path("agenda")
	b, ct := form("values.summary", "关于<科技>金融的议题", "values.pages", "十二", "values.meeting_date", "2026-07-01", "values.category", "通报")
	w := e.do(req{method: "POST", path: path + "/submit", user: "cz.liaison", body: b, contentType: ct})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	body := w.Body.String()
	wantContains(t, body,
		`<p class="alert" role="alert">输入有误,请按提示修改。</p>`,
		`<p class="field-error" id="values-topic-error">必须填写。</p>`,
		`<p class="field-error" id="values-pages-error">请填写数字。</p>`,
		`<p class="field-error" id="values-confirmed-error">必须填写。</p>`,
		`<input id="values-topic" name="values.topic" type="text" maxlength="2000" value="" required aria-required="true" aria-invalid="true" aria-describedby="values-topic-error">`,
		// What was typed is kept, escaped.
		`>关于&lt;科技&gt;金融的议题</textarea>`, `value="十二"`, `value="2026-07-01"`, `<option selected>通报</option>`,
	)
	wantNotContains(t, body, `id="values-summary-error"`, `id="values-category-error"`)
	if got := e.tasks.Task(e.ids["agenda"]).Status; got != domain.TaskOpen {
		t.Fatalf("a refused submission changed the task: %s", got)
	}

	// Corrected: submitted, and the browser is sent back to the task.
	b, ct = form("values.topic", "科技金融支持政策", "values.pages", "12", "values.category", "审议", "values.confirmed", "true")
	w = e.do(req{method: "POST", path: path + "/submit", user: "cz.liaison", body: b, contentType: ct})
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != path+"?done=submit" {
		t.Fatalf("redirect to %q", loc)
	}
	got := e.tasks.Task(e.ids["agenda"])
	if got.Status != domain.TaskSubmitted || got.Values["pages"] != 12.0 || got.Values["confirmed"] != true || got.Values["topic"] != "科技金融支持政策" {
		t.Fatalf("stored %+v", got)
	}
	body = e.do(req{path: path + "?done=submit", user: "cz.liaison"}).Body.String()
	wantContains(t, body, `<p class="notice" role="status">已报送,等待办公室审核。</p>`, "报送内容", "科技金融支持政策", "待审核")
	wantNotContains(t, body, `/submit"`)
}

func TestOfficeActions(t *testing.T) {
	e := newTaskEnv(t)
	path := e.path("submitted")

	// A department cannot accept, return or cancel: hidden, and refused
	// when sent anyway.
	body := e.do(req{path: path, user: "cz.liaison"}).Body.String()
	wantNotContains(t, body, `/accept"`, `/return"`, `/cancel"`)
	for _, action := range []string{"accept", "return", "cancel", "extension-decision"} {
		b, ct := form("reason", "x", "note", "x", "decision", "approve")
		wantStatus(t, e.do(req{method: "POST", path: path + "/" + action, user: "cz.liaison", body: b, contentType: ct}), http.StatusForbidden)
	}
	if len(e.tasks.Acts()) != 0 {
		t.Fatalf("refused actions reached the service: %q", e.tasks.Acts())
	}

	// The office sees all three; a return needs a reason.
	body = e.do(req{path: path, user: "kj.office"}).Body.String()
	wantContains(t, body, `action="`+path+`/accept"`, `action="`+path+`/return"`, `action="`+path+`/cancel"`)
	b, ct := form("reason", "  ")
	w := e.do(req{method: "POST", path: path + "/return", user: "kj.office", body: b, contentType: ct})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantContains(t, w.Body.String(), `<p class="field-error" id="return-reason-error">必须填写。</p>`)
	// Only the return form shows the message.
	wantNotContains(t, w.Body.String(), `id="cancel-reason-error"`, `id="accept-note-error"`)

	b, ct = form("reason", "请补充材料清单")
	wantStatus(t, e.do(req{method: "POST", path: path + "/return", user: "kj.office", body: b, contentType: ct}), http.StatusSeeOther)
	if got := e.tasks.Task(e.ids["submitted"]).Status; got != domain.TaskInProgress {
		t.Fatalf("after return: %s", got)
	}
	body = e.do(req{path: path, user: "kj.office"}).Body.String()
	wantContains(t, body, "退回修改", "理由:请补充材料清单")
	// Accepting what is not submitted: the conflict is shown at the form.
	b, ct = form("note", "")
	w = e.do(req{method: "POST", path: path + "/accept", user: "kj.office", body: b, contentType: ct})
	wantStatus(t, w, http.StatusConflict)
	wantContains(t, w.Body.String(), "任务当前状态(in_progress)下不能进行这项操作。")

	// Extension: the department asks, the office decides.
	b, ct = form("due_at", "2026/06/30", "reason", "")
	w = e.do(req{method: "POST", path: path + "/extension", user: "cz.liaison", body: b, contentType: ct})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantContains(t, w.Body.String(), `id="extension-due_at-error">请按 年-月-日 填写日期`, `value="2026/06/30"`)
	b, ct = form("due_at", "2026-06-12", "reason", "")
	w = e.do(req{method: "POST", path: path + "/extension", user: "cz.liaison", body: b, contentType: ct})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantContains(t, w.Body.String(), `id="extension-due_at-error">必须晚于当前的办理期限。`, `id="extension-reason-error">必须填写。`)
	b, ct = form("due_at", "2026-06-30", "reason", "需征求税务部门意见")
	wantStatus(t, e.do(req{method: "POST", path: path + "/extension", user: "cz.liaison", body: b, contentType: ct}), http.StatusSeeOther)
	body = e.do(req{path: path, user: "kj.office"}).Body.String()
	wantContains(t, body, "延期申请待审批", "cz.liaison 申请延期至 2026-06-30 17:30。", `action="`+path+`/extension-decision"`)
	b, ct = form("decision", "approve", "note", "同意")
	wantStatus(t, e.do(req{method: "POST", path: path + "/extension-decision", user: "kj.office", body: b, contentType: ct}), http.StatusSeeOther)
	if got := e.tasks.Task(e.ids["submitted"]); got.Extension != nil || !got.DueAt.Equal(time.Date(2026, 6, 30, 17, 30, 0, 0, calendar.Location)) {
		t.Fatalf("after approval: %+v", got)
	}

	// Cancel, with its reason.
	b, ct = form("reason", "议题已合并")
	wantStatus(t, e.do(req{method: "POST", path: path + "/cancel", user: "kj.office", body: b, contentType: ct}), http.StatusSeeOther)
	body = e.do(req{path: path + "?done=cancel", user: "kj.office", lang: i18n.EN}).Body.String()
	wantContains(t, body, "The task was cancelled.", "Cancelled")
	wantNotContains(t, body, `/cancel"`)

	// The co-handling department adds its part.
	b, ct = form("body", "")
	w = e.do(req{method: "POST", path: e.path("agenda") + "/contribute", user: "sw.liaison", body: b, contentType: ct})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantContains(t, w.Body.String(), `id="contribute-body-error"`)
	b, ct = form("body", "建议增加税收优惠政策议题")
	wantStatus(t, e.do(req{method: "POST", path: e.path("agenda") + "/contribute", user: "sw.liaison", body: b, contentType: ct}), http.StatusSeeOther)
	wantContains(t, e.do(req{path: e.path("agenda"), user: "cz.liaison"}).Body.String(), "建议增加税收优惠政策议题", "市税务局")

	// An unknown action is not there at all; GET never acts.
	wantStatus(t, e.do(req{method: "POST", path: path + "/approve-all", user: "kj.office"}), http.StatusNotFound)
	wantStatus(t, e.do(req{path: path + "/cancel", user: "kj.office"}), http.StatusMethodNotAllowed)
}

func TestBoard(t *testing.T) {
	e := newTaskEnv(t)
	w := e.do(req{path: "/board", user: "kj.office"})
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	wantContains(t, body, "督办看板", "市科技创新工作联席会议", `id="col-open"`, `id="col-in_progress"`, `id="col-submitted"`,
		"等待:", "本办公室审核验收", "其中 1 项已逾期。")
	wantNotContains(t, body, "确认参会人员名单", "文化项目进展情况")
	// Each card says who is waited on: the lead department for open work.
	if !regexp.MustCompile(`(?s)报送2026年下半年联席会议议题</a>\s*<p class="waiting"><span class="muted">等待:</span> 市财政局</p>`).MatchString(body) {
		t.Error("the open task does not wait on the finance bureau")
	}
	// Another committee's board is refused; so is a department.
	wantStatus(t, e.do(req{path: "/board?committee=culture", user: "kj.office"}), http.StatusForbidden)
	wantStatus(t, e.do(req{path: "/board", user: "cz.liaison"}), http.StatusForbidden)
	// An administrator may choose.
	w = e.do(req{path: "/board?committee=culture", user: "admin", lang: i18n.EN})
	wantContains(t, w.Body.String(), "Supervision board", "文化项目进展情况", "Land and Resources Bureau")
}

func TestLedgerPage(t *testing.T) {
	e := newTaskEnv(t)
	w := e.do(req{path: "/ledger", user: "kj.office"})
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	// Finance leads four science tasks: one done on time, one overdue.
	stats := regexp.MustCompile(`(?s)<th scope="row"><a href="[^"]*department=finance[^"]*">市财政局</a></th>(.*?)</tr>`).FindStringSubmatch(body)
	if stats == nil {
		t.Fatalf("no finance line:\n%s", body)
	}
	cells := regexp.MustCompile(`<td class="num[^"]*"[^>]*>([^<]*)</td>`).FindAllStringSubmatch(stats[1], -1)
	var got []string
	for _, c := range cells {
		got = append(got, c[1])
	}
	if strings.Join(got, " ") != "4 2 1 1 100.0% 1" {
		t.Errorf("finance line %q", got)
	}
	wantContains(t, body, "合计", `href="/api/v1/ledger.xlsx?"`, `href="/api/v1/ledger.csv?"`, "报送2026年下半年联席会议议题")
	wantNotContains(t, body, "文化项目进展情况")

	// Filters reach the statistics, the list and the export links.
	w = e.do(req{path: "/ledger?overdue=1&from=2026-06-01&to=2026-06-05&q=议题", user: "kj.office"})
	body = w.Body.String()
	wantContains(t, body, "报送2026年下半年联席会议议题",
		`href="/api/v1/ledger.xlsx?due_from=2026-06-01T00%3A00%3A00%2B08%3A00&amp;due_to=2026-06-06T00%3A00%3A00%2B08%3A00&amp;overdue=true&amp;q=%E8%AE%AE%E9%A2%98"`)
	wantNotContains(t, body, "落实第三次全体会议决定事项")
	// A date that does not parse is shown beside its field.
	w = e.do(req{path: "/ledger?from=June", user: "kj.office"})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantContains(t, w.Body.String(), `<p class="field-error" id="from-error">`, `value="June"`)

	// A department sees its own; an expert none.
	body = e.do(req{path: "/ledger", user: "gt.member", lang: i18n.EN}).Body.String()
	wantContains(t, body, "Supervision ledger", "Land and Resources Bureau", "Export to Excel")
	wantNotContains(t, body, "Finance Bureau</a>")
	wantStatus(t, e.do(req{path: "/ledger", user: "expert"}), http.StatusForbidden)
}

func TestCalendarAdmin(t *testing.T) {
	e := newTaskEnv(t)
	wantStatus(t, e.do(req{path: "/admin/calendar", user: "kj.office"}), http.StatusForbidden)
	b, ct := form("date", "2028-01-31", "working", "off", "note", "2028年春节")
	wantStatus(t, e.do(req{method: "POST", path: "/admin/calendar", user: "kj.office", body: b, contentType: ct}), http.StatusForbidden)

	w := e.do(req{path: "/admin/calendar", user: "admin"})
	wantStatus(t, w, http.StatusOK)
	body := w.Body.String()
	// 2026 and 2027 are in the library; 2028 is not.
	wantContains(t, body, "2002–2027", "2026 年没有调整。")
	if !regexp.MustCompile(`(?s)>2028</a></th>\s*<td><span class="late">.*?缺少数据`).MatchString(body) {
		t.Error("2028 is not flagged as lacking holiday data")
	}

	// Mistakes are shown beside their fields, with what was typed.
	b, ct = form("date", "2028-02-30", "working", "maybe", "note", "春节")
	w = e.do(req{method: "POST", path: "/admin/calendar", user: "admin", body: b, contentType: ct})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantContains(t, w.Body.String(), `id="date-error"`, `id="working-error"`, `value="春节"`, `value="2028-02-30"`)

	b, ct = form("date", "2028-01-31", "working", "off", "note", "2028年春节")
	w = e.do(req{method: "POST", path: "/admin/calendar", user: "admin", body: b, contentType: ct})
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/admin/calendar?done=set&year=2028" {
		t.Fatalf("redirect %q", loc)
	}
	body = e.do(req{path: "/admin/calendar?year=2028&done=set", user: "admin"}).Body.String()
	wantContains(t, body, "已保存。", "2028-01-31", "星期一", "休息日(放假)", "2028年春节", "缺少数据,已有人工调整")
	if recs := e.cal.Audited(); len(recs) != 1 || recs[0].Actor != "admin" || recs[0].Object != "calendar:2028-01-31" {
		t.Errorf("audit %+v", recs)
	}
	// The override counts at once: the calendar answers from it.
	cal, _ := e.cal.Calendar(t.Context())
	if cal.IsWorkingDay(calendar.Date{Year: 2028, Month: 1, Day: 31}) {
		t.Error("the override did not take")
	}

	b, ct = form("date", "2028-01-31")
	wantStatus(t, e.do(req{method: "POST", path: "/admin/calendar/delete", user: "admin", body: b, contentType: ct}), http.StatusSeeOther)
	body = e.do(req{path: "/admin/calendar?year=2028", user: "admin", lang: i18n.EN}).Body.String()
	wantContains(t, body, "Working-day calendar", "No adjustments in 2028.")
}
