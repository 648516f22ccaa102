package webui_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/worker"

	"lianxi/activities"
	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/contests"
	"lianxi/internal/domain"
	"lianxi/internal/httpapi"
	"lianxi/internal/pgtest"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
	"lianxi/internal/tasks"
	"lianxi/internal/temporal/devtest"
	"lianxi/internal/webui"
	"lianxi/workflows"
)

// The contest service must fit the interface the pages declare.
var _ webui.Contests = (*contests.Service)(nil)

// codeInbox keeps the last one-time code sent to each contact, in place of
// the SMS gateway and the mail server.
type codeInbox struct {
	mu    sync.Mutex
	codes map[string]string
}

func (b *codeInbox) SendCode(_ context.Context, contact string, _ bool, code, _ string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.codes[contact] = code
	return nil
}

func (b *codeInbox) code(contact string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.codes[contact]
}

// contestEnv is the contest's pages over the real stack, on the meeting
// pages' harness (its requests and sign-ins): PostgreSQL with the plans'
// seed and programmes, an embedded Temporal server whose worker runs the
// task, selection and contest workflows, the real services, and codes
// kept in memory. The people: the reform office (the management
// meeting's office) and the management convener, who is not the office.
// The contest is of this year.
type contestEnv struct {
	*meetingEnv
	pool  *pgxpool.Pool
	svc   *contests.Service
	codes *codeInbox
	year  int
	base  string
}

func newContestEnv(t *testing.T) *contestEnv {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := postgres.New(pool)
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
	year := time.Now().In(calendar.Location).Year()
	e := &contestEnv{meetingEnv: &meetingEnv{t: t, store: store, auth: svc, users: map[string]domain.User{}, cookies: map[string][]*http.Cookie{}},
		pool: pool, codes: &codeInbox{codes: map[string]string{}}, year: year, base: "/contests/" + strconv.Itoa(year)}
	for name, g := range map[string]domain.Grant{
		"gg.office":   {Role: domain.RoleOffice, Committee: contests.Committee},
		"gg.convener": {Role: domain.RoleConvener, Committee: contests.Committee},
	} {
		u, err := svc.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: name, Password: meetingPassword,
			Grants: []domain.Grant{g}}, auth.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		e.users[name] = u
	}
	tc := devtest.Start(t)
	taskSvc := tasks.New(store, tc, nil)
	// Limits a test from one address does not reach.
	e.svc = contests.New(store, tc, taskSvc, e.codes, contests.Config{CodesPerContact: 100, CodesPerAddress: 1 << 20, VotesPerAddress: 1 << 20,
		VotesPerVoter: 1 << 20, IdeasPerAddress: 1 << 20, IdeasPerContact: 1 << 20, VerifiesPerAddress: 1 << 20}, nil)
	w := worker.New(tc, workflows.TaskQueue, worker.Options{})
	w.RegisterWorkflow(workflows.Task)
	w.RegisterWorkflow(workflows.Selection)
	w.RegisterWorkflow(workflows.Contest)
	w.RegisterActivity(&activities.Activities{Tasks: store})
	w.RegisterActivity(&activities.Processes{Store: store, Experts: store.Experts, StartTask: taskSvc.StartWorkflow, Now: time.Now})
	w.RegisterActivity(&activities.Contests{Store: store})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	e.pages, err = webui.New(webui.Deps{Auth: svc, Directory: store, Tasks: taskSvc, Contests: e.svc, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
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

// start starts the year's contest through the service, with tallies
// public while voting.
func (e *contestEnv) start() {
	e.t.Helper()
	in, err := e.svc.Defaults(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	in.Year, in.Theme, in.Rules.VotesPerVoter = e.year, "服务发展，助推改革", 2
	if _, err := e.svc.Start(context.Background(), e.users["gg.office"], in, auth.Meta{}); err != nil {
		e.t.Fatal(err)
	}
}

// act sends an office action to the contest's workflow through the
// service.
func (e *contestEnv) act(update string) {
	e.t.Helper()
	if _, err := e.svc.Act(context.Background(), e.users["gg.office"], "", e.year, update, func(a workflows.Action) any {
		return workflows.NoteRequest{Action: a}
	}); err != nil {
		e.t.Fatalf("%s: %v", update, err)
	}
}

// public sends a request of someone with no account, with the voter's
// cookie when there is one; a form is url-encoded, a *multipartForm sent
// as such.
func (e *meetingEnv) public(method, path string, form any, voter *http.Cookie) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	ct := ""
	switch f := form.(type) {
	case url.Values:
		body, ct = strings.NewReader(f.Encode()), "application/x-www-form-urlencoded"
	case *multipartForm:
		body, ct = bytes.NewReader(f.buf.Bytes()), f.contentType
	}
	r := httptest.NewRequest(method, path, body)
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	if voter != nil {
		r.AddCookie(voter)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// multipartForm is the idea form as a browser sends it.
type multipartForm struct {
	buf         bytes.Buffer
	contentType string
}

func ideaForm(t *testing.T, files map[string]string, kv ...string) *multipartForm {
	t.Helper()
	f := &multipartForm{}
	mw := multipart.NewWriter(&f.buf)
	for i := 0; i+1 < len(kv); i += 2 {
		if err := mw.WriteField(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range files {
		part, err := mw.CreateFormFile("attachments", name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = part.Write([]byte(content))
	}
	if len(files) == 0 { // an input left empty still sends its part
		if _, err := mw.CreateFormFile("attachments", ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	f.contentType = mw.FormDataContentType()
	return f
}

// verify goes through the code flow of a page (back: "submit" or
// "ideas") and returns the cookie it leaves.
func (e *contestEnv) verify(back, contact string) *http.Cookie {
	e.t.Helper()
	w := e.public("POST", e.base+"/code?back="+back, formOf("contact", contact), nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "验证码已发送至") || !hasForm(w.Body.String(), e.base+"/verify?back="+back) {
		e.t.Fatalf("code to %s: %d\n%s", contact, w.Code, fieldErrors(w.Body.String()))
	}
	norm, _, err := domain.NormaliseContact("contact", contact)
	if err != nil {
		e.t.Fatal(err)
	}
	w = e.public("POST", e.base+"/verify?back="+back, formOf("contact", contact, "code", e.codes.code(norm)), nil)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), e.base+"/"+back) {
		e.t.Fatalf("verify %s: %d to %q\n%s", contact, w.Code, w.Header().Get("Location"), fieldErrors(w.Body.String()))
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == httpapi.VoterCookie {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" || c.Value == "" {
				e.t.Fatalf("voter cookie %+v", c)
			}
			return c
		}
	}
	e.t.Fatalf("verify %s set no %s cookie", contact, httpapi.VoterCookie)
	return nil
}

// countRows counts a table's rows.
func (e *contestEnv) countRows(table string) int {
	e.t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// trackingCodeOf finds the tracking code shown large on a page.
func trackingCodeOf(body string) string {
	m := regexp.MustCompile(`<p class="tracking-code">([^<]+)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// alertOf returns the page's messages at the top (role=alert).
func alertOf(body string) string {
	var out []string
	for _, m := range regexp.MustCompile(`<p class="alert" role="alert">([^<]*)</p>`).FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return strings.Join(out, "\n")
}

// TestContestPagesForThePublic walks a citizen through the contest's
// public pages: the home page; the submission form behind the contact's
// verification (a contact that is none and a wrong code refused beside
// their inputs); an idea with bad fields refused field by field with
// nothing stored, not even its file; a good one with a file, answered
// with its tracking code; the tracking page (a code typed in lower case
// found, an unknown one not); and, once the office has screened and the
// vote opened, a vote on the vote page, the same vote again refused, a
// vote with no verified contact refused.
func TestContestPagesForThePublic(t *testing.T) {
	e := newContestEnv(t)
	e.start()

	home := e.get(e.base, "")
	wantContains(t, home, "服务发展，助推改革", "征集中", `href="`+e.base+`/submit"`, "经济发展", "一等奖")

	// The submission page asks for a verified contact first.
	page := e.get(e.base+"/submit", "")
	if !hasForm(page, e.base+"/code?back=submit") || hasForm(page, e.base+"/submit") {
		t.Fatal("the submission page offers the idea form before the contact is verified")
	}
	body := e.public("POST", e.base+"/code?back=submit", formOf("contact", "abc"), nil)
	if body.Code != http.StatusUnprocessableEntity || fieldError(body.Body.String(), "contact-code-contact") != "请填写有效的手机号码或电子邮箱。" {
		t.Fatalf("a contact that is none: %d %q", body.Code, fieldError(body.Body.String(), "contact-code-contact"))
	}
	body = e.public("POST", e.base+"/code?back=submit", formOf("contact", "138 0000 0001"), nil)
	if body.Code != http.StatusOK || !strings.Contains(body.Body.String(), "138****0001") {
		t.Fatalf("code: %d", body.Code)
	}
	if inputValue(body.Body.String(), "contact-verify-contact") != "138 0000 0001" {
		t.Errorf("the code step lost the contact: %q", inputValue(body.Body.String(), "contact-verify-contact"))
	}
	good := e.codes.code("13800000001")
	wrong := strconv.Itoa((mustInt(t, good)+1)%1000000 + 1000000)[1:]
	body = e.public("POST", e.base+"/verify?back=submit", formOf("contact", "138 0000 0001", "code", wrong), nil)
	if body.Code != http.StatusUnprocessableEntity || fieldError(body.Body.String(), "contact-verify-code") != "验证码不正确或已过期。" {
		t.Fatalf("a wrong code: %d %q", body.Code, fieldError(body.Body.String(), "contact-verify-code"))
	}
	submitter := e.verify("submit", "13800000001")
	page = e.public("GET", e.base+"/submit", nil, submitter).Body.String()
	if !hasForm(page, e.base+"/submit") || !strings.Contains(page, "已验证：138****0001") {
		t.Fatal("no idea form for a verified contact")
	}

	// Bad fields: each refused beside its input, what was typed kept,
	// nothing stored.
	bad := e.public("POST", e.base+"/submit", ideaForm(t, map[string]string{"方案.txt": "附件内容"},
		"name", "张三", "category", "space", "title", "", "problem", "老旧小区没有电梯", "idea", "", "effect", "方便老人"), submitter)
	b := bad.Body.String()
	if bad.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad idea: %d\n%s", bad.Code, fieldErrors(b))
	}
	for _, id := range []string{"idea-category", "idea-title", "idea-idea"} {
		if fieldError(b, id) == "" {
			t.Errorf("no message beside %s:\n%s", id, fieldErrors(b))
		}
	}
	if fieldError(b, "idea-name") != "" || inputValue(b, "idea-name") != "张三" || !strings.Contains(b, "老旧小区没有电梯</textarea>") {
		t.Error("the refused form lost what was typed")
	}
	if !strings.Contains(b, "请重新选择附件") {
		t.Error("the refused form does not ask for the files again")
	}
	if n, f := e.countRows("contest_ideas"), e.countRows("contest_files"); n != 0 || f != 0 {
		t.Fatalf("a refused idea stored %d ideas and %d files", n, f)
	}

	// A good idea with a file: its tracking code, large.
	ok := e.public("POST", e.base+"/submit", ideaForm(t, map[string]string{"方案.txt": "加装电梯实施方案"},
		"name", "张三", "category", "livelihood", "title", "老旧小区加装电梯", "problem", "老旧小区多为六层无电梯住宅，老人上下楼困难。",
		"idea", "由街道牵头协调业主，财政按户补贴。", "effect", "方便老人出行。"), submitter)
	loc := ok.Header().Get("Location")
	if ok.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/contests/track/LC"+strconv.Itoa(e.year)+"-") || !strings.HasSuffix(loc, "?done=submitted") {
		t.Fatalf("good idea: %d to %q\n%s", ok.Code, loc, fieldErrors(ok.Body.String()))
	}
	tracked := e.get(loc, "")
	code := trackingCodeOf(tracked)
	if code == "" || !strings.HasPrefix(loc, "/contests/track/"+code) {
		t.Fatalf("tracking code shown %q, went to %q", code, loc)
	}
	wantContains(t, tracked, "提交成功！", `href="/contests/track/`+code+`"`, "待审核", "138****0001", "老旧小区加装电梯")
	if n := e.countRows("contest_files"); n != 1 {
		t.Errorf("%d files stored, want the idea's one", n)
	}

	// Tracking: by the form (lower case, spaces), an unknown code.
	w := e.do("GET", "/contests/track?code="+url.QueryEscape(" "+strings.ToLower(code)+" "), "", nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/contests/track/"+code {
		t.Fatalf("track form: %d to %q", w.Code, w.Header().Get("Location"))
	}
	page = e.get("/contests/track/"+code, "")
	wantContains(t, page, "您的创意已收到，正在等待审核。")
	if strings.Contains(page, "提交成功！") {
		t.Error("the tracking page says just submitted without ?done")
	}
	w = e.do("GET", "/contests/track/LC2000-NOPE", "", nil)
	if w.Code != http.StatusNotFound || fieldError(w.Body.String(), "track-code") != "找不到这个查询码，请核对后重试。" {
		t.Fatalf("unknown tracking code: %d %q", w.Code, fieldError(w.Body.String(), "track-code"))
	}

	// The office admits the idea and opens the vote.
	ideas, err := e.svc.Ideas(context.Background(), e.users["gg.office"], e.year, postgres.IdeaFilter{})
	if err != nil || len(ideas) != 1 {
		t.Fatalf("ideas %+v %v", ideas, err)
	}
	id := ideas[0].ID
	if _, err := e.svc.Screen(context.Background(), e.users["gg.office"], e.year, id, domain.ScreenIdea{Decision: domain.IdeaEligible}, auth.Meta{}); err != nil {
		t.Fatal(err)
	}
	e.act(workflows.UpdateCloseSubmissions)
	e.act(workflows.UpdateOpenVoting)
	if got := e.get(e.base+"/submit", ""); !strings.Contains(got, "暂不接受新的创意") {
		t.Error("the submission page takes ideas while voting")
	}

	// The vote page: the verification, then a vote.
	page = e.get(e.base+"/ideas", "")
	if !hasForm(page, e.base+"/code?back=ideas") || !strings.Contains(page, `id="idea-`+itoa(int(id))+`"`) || hasForm(page, e.base+"/votes?back=ideas") {
		t.Fatal("the vote page without a verified contact: want the verification and the idea without a vote form")
	}
	voter := e.verify("ideas", "voter@example.cn")
	page = e.public("GET", e.base+"/ideas?category=livelihood", nil, voter).Body.String()
	wantContains(t, page, "还可投 2 票", "老旧小区加装电梯", "张*")
	if !hasForm(page, e.base+"/votes?back=ideas") {
		t.Fatal("no vote form for a verified voter")
	}
	w = e.public("POST", e.base+"/votes?back=ideas", formOf("idea", itoa(int(id)), "category", "livelihood"), voter)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != e.base+"/ideas?category=livelihood&done=vote#idea-"+itoa(int(id)) {
		t.Fatalf("vote: %d to %q\n%s", w.Code, w.Header().Get("Location"), alertOf(w.Body.String()))
	}
	page = e.public("GET", e.base+"/ideas?category=livelihood&done=vote", nil, voter).Body.String()
	wantContains(t, page, "投票成功", "还可投 1 票", "✓ 已投票", `href="`+e.base+`/ideas/`+itoa(int(id))+`"`)

	// The same vote again, and a vote with no verified contact: the
	// page again with the reason at the top.
	w = e.public("POST", e.base+"/votes?back=ideas", formOf("idea", itoa(int(id))), voter)
	if w.Code != http.StatusConflict || alertOf(w.Body.String()) != "您已经为这条创意投过票。" {
		t.Fatalf("the same vote again: %d %q", w.Code, alertOf(w.Body.String()))
	}
	w = e.public("POST", e.base+"/votes?back=idea", formOf("idea", itoa(int(id))), nil)
	if w.Code != http.StatusUnauthorized || alertOf(w.Body.String()) != "请先验证您的手机号码或电子邮箱。" || !strings.Contains(w.Body.String(), "由街道牵头协调业主") {
		t.Fatalf("a vote with no contact: %d %q", w.Code, alertOf(w.Body.String()))
	}
	mine, err := e.svc.Votes(context.Background(), mustVoter(t, e, voter))
	if err != nil || len(mine.Votes) != 1 {
		t.Fatalf("votes stored %+v %v", mine, err)
	}

	// The idea's page: the idea, its file, the voter's standing; no
	// tally, which the default rules keep hidden while voting.
	page = e.public("GET", e.base+"/ideas/"+itoa(int(id)), nil, voter).Body.String()
	wantContains(t, page, "由街道牵头协调业主", "/api/v1/public/contests/"+strconv.Itoa(e.year)+"/ideas/"+itoa(int(id))+"/files/", "✓ 已投票")
	if strings.Contains(page, `class="votes"`) {
		t.Error("the idea's page shows the tally the rules hide")
	}
	if w := e.do("GET", e.base+"/results", "", nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "评选结果尚未公布") {
		t.Errorf("results before the announcement: %d", w.Code)
	}
	for _, path := range []string{e.base, e.base + "/submit", e.base + "/ideas", e.base + "/ideas/" + itoa(int(id)), e.base + "/results",
		"/contests/track", "/contests/track/" + code} {
		for _, c := range []*http.Cookie{nil, voter} {
			wantComplete(t, path, func(lang string) string { return e.public("GET", path+"?lang="+lang, nil, c).Body.String() })
		}
	}
}

// wantComplete reads a page in each language and fails on the marks of a
// forgotten translation: a bare key, an unfilled placeholder.
func wantComplete(t *testing.T, path string, read func(lang string) string) {
	t.Helper()
	keyish := regexp.MustCompile(`>\s*(contest|nav|object|error|validation|form|cycle|task)\.[a-z_.-]+\s*<`)
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	for _, lang := range []string{"zh", "en"} {
		b := read(lang)
		if m := keyish.FindString(b); m != "" {
			t.Errorf("%s in %s: untranslated %s", path, lang, m)
		}
		if m := placeholder.FindString(b); m != "" {
			t.Errorf("%s in %s: unfilled %s", path, lang, m)
		}
	}
}

func mustInt(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// mustVoter reads the voter of a cookie through the service.
func mustVoter(t *testing.T, e *contestEnv, c *http.Cookie) domain.Voter {
	t.Helper()
	v, err := e.svc.Voter(context.Background(), e.year, c.Value)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestContestPagesForTheOffice runs the reform office's pages: the list
// with its start form (an empty theme refused beside its input, then the
// contest started), the manage page with its screening forms (ineligible
// without a reason refused beside the reason; a likely duplicate flagged
// and merged into its original, which its tracking page then names), the
// phase's actions, and the convener, who is not the office, refused with
// 403 on every office page and form.
func TestContestPagesForTheOffice(t *testing.T) {
	e := newContestEnv(t)
	const office, convener = "gg.office", "gg.convener"
	y := strconv.Itoa(e.year)
	manage := e.base + "/manage"

	list := e.get("/contests", office)
	if !hasForm(list, "/contests") || inputValue(list, "start-year") != y {
		t.Fatal("no start form with this year on the list")
	}
	body := e.post("/contests", office, http.StatusUnprocessableEntity, "year", y, "theme", " ")
	if fieldError(body, "start-theme") != "必须填写。" {
		t.Fatalf("empty theme: %q\n%s", fieldError(body, "start-theme"), fieldErrors(body))
	}
	e.redirectTo("/contests", office, manage+"?done=start", "year", y, "theme", "服务发展，助推改革")
	body = e.post("/contests", office, http.StatusConflict, "year", y, "theme", "再来一次")
	if !strings.Contains(body, "已经开始") {
		t.Errorf("the same year again: %s", fieldErrors(body))
	}

	// Three ideas from the public, the third a near-duplicate of the first.
	token := e.verify("submit", "ideas@example.cn")
	submit := func(title, problem, idea string) string {
		w := e.public("POST", e.base+"/submit", ideaForm(t, nil, "name", "李四", "category", "governance", "title", title,
			"problem", problem, "idea", idea, "effect", "群众满意度提升"), token)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("submit %s: %d\n%s", title, w.Code, fieldErrors(w.Body.String()))
		}
		return strings.TrimSuffix(strings.TrimPrefix(w.Header().Get("Location"), "/contests/track/"), "?done=submitted")
	}
	submit("智慧停车平台建设", "医院学校周边停车位紧张，违停严重，泊位信息不透明", "建设全市停车信息平台，错时共享机关单位车位，动态调价")
	submit("垃圾分类积分", "居民分类意识弱，混投现象普遍", "推行积分兑换，定时定点投放")
	dup := submit("智慧停车平台建设建议", "医院学校周边停车位紧张，违停严重，泊位信息不透明", "建设全市停车信息平台，首批错时共享机关单位车位，动态调价")
	ideas, err := e.svc.Ideas(context.Background(), e.users[office], e.year, postgres.IdeaFilter{})
	if err != nil || len(ideas) != 3 {
		t.Fatalf("ideas %d %v", len(ideas), err)
	}
	first, second, third := ideas[0].ID, ideas[1].ID, ideas[2].ID
	ref := func(id int64) string { return itoa(int(id)) }

	page := e.get(manage, office)
	wantContains(t, page, "征集中", `<span class="count-n">3</span>`, "疑似重复", `href="#idea-`+ref(first)+`"`)
	for _, id := range []int64{first, second, third} {
		if !hasForm(page, manage+"/ideas/"+ref(id)+"/screen") {
			t.Fatalf("no screening form for idea %d", id)
		}
	}
	if inputValue(page, "idea-"+ref(third)+"-screen-merged_into") != ref(first) {
		t.Errorf("the duplicate's merge input shows %q, want its original %d", inputValue(page, "idea-"+ref(third)+"-screen-merged_into"), first)
	}
	if !hasForm(page, manage+"/close-submissions") || hasForm(page, manage+"/open-voting") || !hasForm(page, manage+"/cancel") {
		t.Error("the actions of the submission phase are not the ones offered")
	}

	// Screening: ineligible without a reason refused beside the reason.
	body = e.post(manage+"/ideas/"+ref(second)+"/screen", office, http.StatusUnprocessableEntity, "decision", "ineligible", "reason", "", "view", "status=submitted")
	if fieldError(body, "idea-"+ref(second)+"-screen-reason") != "必须填写。" || selected(body, "idea-"+ref(second)+"-screen-decision") != "ineligible" {
		t.Fatalf("ineligible without a reason: %q\n%s", fieldError(body, "idea-"+ref(second)+"-screen-reason"), fieldErrors(body))
	}
	e.redirectTo(manage+"/ideas/"+ref(first)+"/screen", office, manage+"?status=submitted&done=screen#idea-"+ref(first), "decision", "eligible",
		"view", "status=submitted")
	e.redirectTo(manage+"/ideas/"+ref(second)+"/screen", office, manage+"?done=screen#idea-"+ref(second), "decision", "ineligible",
		"reason", "不属于本届大赛主题")
	e.redirectTo(manage+"/ideas/"+ref(third)+"/screen", office, manage+"?done=screen#idea-"+ref(third), "decision", "merged",
		"merged_into", ref(first), "reason", "与原创意重复")
	page = e.get(manage+"?status=submitted&done=screen", office)
	wantContains(t, page, "审核结论已保存。", "没有符合条件的创意。")
	tracked := e.get("/contests/track/"+dup, "")
	wantContains(t, tracked, "已合并", "与原创意重复", `href="`+e.base+`/ideas/`+ref(first)+`"`)

	// The phase's actions: close submissions, open the vote.
	e.redirectTo(manage+"/close-submissions", office, manage+"?done=close-submissions", "note", "提前截止")
	page = e.get(manage, office)
	if !hasForm(page, manage+"/open-voting") || hasForm(page, manage+"/close-submissions") {
		t.Error("after closing submissions: want the vote's opening only")
	}
	e.redirectTo(manage+"/open-voting", office, manage+"?done=open-voting")
	page = e.get(manage, office)
	wantContains(t, page, "投票中", "投票异常报告", "未发现异常投票。")
	if hasForm(page, manage+"/ideas/"+ref(first)+"/screen") {
		t.Error("screening forms offered once the vote is open")
	}
	// A form of a phase gone by: said at the top.
	body = e.post(manage+"/close-submissions", office, http.StatusConflict)
	if !strings.Contains(alertOf(body), "大赛当前阶段") {
		t.Errorf("closing submissions again: %q", alertOf(body))
	}

	// Not the office: 403 on every office page and form.
	for _, c := range []struct{ method, path string }{
		{"GET", "/contests"}, {"GET", manage}, {"POST", "/contests"}, {"POST", manage + "/close-voting"},
		{"POST", manage + "/ideas/" + ref(first) + "/screen"},
	} {
		if w := e.do(c.method, c.path, convener, formOf("year", y, "theme", "x", "decision", "eligible")); w.Code != http.StatusForbidden {
			t.Errorf("%s %s as the convener: %d, want 403", c.method, c.path, w.Code)
		}
	}
	if w := e.do("GET", manage, "", nil); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
		t.Errorf("the manage page signed out: %d to %q", w.Code, w.Header().Get("Location"))
	}
	if c, _ := e.svc.Get(context.Background(), e.users[office], e.year); c.Phase != domain.ContestVoting {
		t.Errorf("the convener's forms changed the contest: %s", c.Phase)
	}
	for _, path := range []string{"/contests", manage, manage + "?status=eligible"} {
		wantComplete(t, path, func(lang string) string {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			return e.get(path+sep+"lang="+lang, office)
		})
	}
}

// redirectTo posts a form that must succeed and go to a page.
func (e *contestEnv) redirectTo(path, user, to string, kv ...string) {
	e.t.Helper()
	w := e.do("POST", path, user, formOf(kv...))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != to {
		e.t.Fatalf("POST %s as %s: %d to %q, want 303 to %q\n%s", path, user, w.Code, w.Header().Get("Location"), to, fieldErrors(w.Body.String()))
	}
}
