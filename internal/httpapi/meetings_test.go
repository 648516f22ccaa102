package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
)

// cycleOut is the part of a cycle the tests read.
type cycleOut struct {
	ID          string              `json:"id"`
	Phase       string              `json:"phase"`
	Version     int                 `json:"version"`
	JointWith   string              `json:"joint_with"`
	WaitingFor  string              `json:"waiting_for"`
	WaitingOn   []string            `json:"waiting_on"`
	Missing     []string            `json:"missing"`
	Submissions []domain.Submission `json:"submissions"`
	Items       []domain.AgendaItem `json:"items"`
	Agenda      []domain.AgendaItem `json:"agenda"`
	Attendance  []domain.Attendance `json:"attendance"`
	Decisions   []domain.Decision   `json:"decisions"`
	AgendaVer   int                 `json:"agenda_version"`
}

// liaisons gives every member department of a committee a liaison,
// "l-<department>", and returns their signed-in clients.
func (e *env) liaisons(committee string) map[string]*http.Client {
	e.t.Helper()
	c, err := e.store.GetCommittee(context.Background(), committee)
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*http.Client{}
	for _, m := range c.Members {
		name := "l-" + m.Code
		if _, _, err := e.store.GetUserByUsername(context.Background(), name); err != nil {
			if _, err := e.auth.CreateUser(context.Background(), auth.System, domain.NewUser{Username: name, DisplayName: m.NameZH, Password: password,
				Grants: []domain.Grant{{Role: domain.RoleLiaison, Department: m.Code}}}, auth.Meta{}); err != nil {
				e.t.Fatal(err)
			}
		}
		out[m.Code] = e.client(name)
	}
	return out
}

// waitCycle reads a cycle until ok says it is as expected.
func (e *env) waitCycle(c *http.Client, id string, what string, ok func(cycleOut) bool) cycleOut {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp := e.do(c, "GET", "/api/v1/cycles/"+id, "")
		if resp.StatusCode != http.StatusOK {
			e.t.Fatalf("get cycle: %d", resp.StatusCode)
		}
		cy := decodeBody[cycleOut](e.t, resp)
		if ok(cy) {
			return cy
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("cycle never %s: %+v", what, cy)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *env) okJSON(c *http.Client, method, path, body string) cycleOut {
	e.t.Helper()
	resp := e.do(c, method, path, body)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusCreated {
		var p map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&p)
		e.t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, p)
	}
	return decodeBody[cycleOut](e.t, resp)
}

func itemsJSON(titles ...string) string {
	var parts []string
	for _, t := range titles {
		parts = append(parts, fmt.Sprintf(`{"title":%q,"summary":"情况说明","decision_requested":"请会议研究决定"}`, t))
	}
	return `{"values":{"items":[` + strings.Join(parts, ",") + `]}}`
}

func TestScienceCycleWithAllTwentyNineDepartments(t *testing.T) {
	e := newTaskEnv(t)
	office, convener := e.client("office1"), e.client("convener1")
	depts := e.liaisons("science")
	if len(depts) != 29 {
		t.Fatalf("science has %d members", len(depts))
	}

	// One start, one cycle; the second start is refused.
	resp := e.do(office, "POST", "/api/v1/committees/science/cycles", `{"period":"2026H1","planned_meeting_month":"2026-06"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("start: %d", resp.StatusCode)
	}
	started := decodeBody[cycleOut](t, resp)
	if started.ID != "meeting:science:2026H1" || resp.Header.Get("Location") != "/api/v1/cycles/meeting:science:2026H1" {
		t.Fatalf("started %+v", started)
	}
	problem(t, e.do(office, "POST", "/api/v1/committees/science/cycles", `{"period":"2026H1","planned_meeting_month":"2026-06"}`), http.StatusConflict)
	problem(t, e.do(depts["finance"], "POST", "/api/v1/committees/science/cycles", `{"period":"2026H2"}`), http.StatusForbidden)
	if p := problem(t, e.do(office, "POST", "/api/v1/committees/science/cycles", `{"period":"26H1","planned_meeting_month":"June"}`), http.StatusUnprocessableEntity); len(p.Errors) != 2 {
		t.Fatalf("bad start fields: %+v", p.Errors)
	}
	id := started.ID
	path := "/api/v1/cycles/" + id

	// 29 agenda tasks, one per department, each in its own inbox.
	cy := e.waitCycle(office, id, "open its agenda tasks", func(c cycleOut) bool {
		for _, s := range c.Submissions {
			if s.TaskID == 0 {
				return false
			}
		}
		return len(c.Submissions) == 29
	})
	if cy.Phase != "agenda_call" || cy.WaitingFor != "departments" || len(cy.WaitingOn) != 29 {
		t.Fatalf("agenda call %+v", cy)
	}
	taskOf := map[string]int64{}
	for _, s := range cy.Submissions {
		taskOf[s.Department] = s.TaskID
	}
	inbox := decodeBody[struct {
		Tasks []taskOut `json:"tasks"`
	}](t, e.do(depts["finance"], "GET", "/api/v1/tasks", ""))
	if len(inbox.Tasks) != 1 || inbox.Tasks[0].ID != taskOf["finance"] {
		t.Fatalf("finance's inbox %+v", inbox.Tasks)
	}
	// Another department's agenda task is not theirs.
	problem(t, e.do(depts["tax"], "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", taskOf["finance"]), itemsJSON("x")), http.StatusForbidden)
	// Items and "no items" at once, or neither, is refused with the field named.
	for _, body := range []string{`{"values":{}}`, `{"values":{"no_items":true,"items":[{"title":"x"}]}}`, `{"values":{"items":[{"summary":"no title"}]}}`} {
		p := problem(t, e.do(depts["finance"], "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", taskOf["finance"]), body), http.StatusUnprocessableEntity)
		if len(p.Errors) == 0 {
			t.Fatalf("%s: no field errors", body)
		}
	}
	// Finance, tax and education submit items; the office adds one; everyone
	// else, at once, has none.
	submissions := map[string]string{
		"finance":   itemsJSON("科技金融改革试点", "设立科技成果转化基金"),
		"tax":       itemsJSON("研发费用加计扣除政策落实"),
		"education": itemsJSON("高校科技成果转化"),
	}
	e.okJSON(office, "POST", path+"/items", `{"item":{"title":"2026年科技创新工作要点","summary":"办公室提出"}}`)
	var wg sync.WaitGroup
	errs := make(chan string, 29)
	for dept, c := range depts {
		body, ok := submissions[dept]
		if !ok {
			body = `{"values":{"no_items":true}}`
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/tasks/%d/submit", e.srv.URL, taskOf[dept]), strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := c.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Sprintf("%s: %d", dept, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	cy = e.waitCycle(office, id, "move to compilation", func(c cycleOut) bool { return c.Phase == "compilation" })
	if len(cy.Items) != 5 || cy.WaitingFor != "office" || len(cy.Missing) != 0 {
		t.Fatalf("compilation %+v", cy)
	}
	idOf := map[string]int{}
	for _, it := range cy.Items {
		idOf[it.Title] = it.ID
	}
	// Compile: the office's item first; the fund merged into the pilot;
	// education's deferred; tax's rejected with a reason.
	order := fmt.Sprintf(`{"order":[%d,%d],"merge":[{"item":%d,"into":%d}],"defer":[{"item":%d,"reason":"待调研后再议"}],"reject":[{"item":%d,"reason":"属部门日常职责"}]}`,
		idOf["2026年科技创新工作要点"], idOf["科技金融改革试点"], idOf["设立科技成果转化基金"], idOf["科技金融改革试点"], idOf["高校科技成果转化"], idOf["研发费用加计扣除政策落实"])
	problem(t, e.do(depts["finance"], "POST", path+"/compile", order), http.StatusForbidden)
	e.okJSON(office, "POST", path+"/compile", order)
	problem(t, e.do(office, "POST", path+"/approve", `{}`), http.StatusForbidden)
	cy = e.okJSON(convener, "POST", path+"/return", `{"comments":"请将科技金融议题放在首位"}`)
	if cy.Phase != "compilation" {
		t.Fatalf("returned: %s", cy.Phase)
	}
	e.okJSON(office, "POST", path+"/compile", fmt.Sprintf(`{"order":[%d,%d]}`, idOf["科技金融改革试点"], idOf["2026年科技创新工作要点"]))
	cy = e.okJSON(convener, "POST", path+"/approve", `{"note":"同意"}`)
	if cy.Phase != "notice" || cy.AgendaVer != 1 || len(cy.Agenda) != 2 || cy.Agenda[0].Title != "科技金融改革试点" || cy.Agenda[0].Number != 1 {
		t.Fatalf("approved %+v", cy)
	}
	// Tax was told its item was rejected.
	notes := decodeBody[struct {
		Notifications []domain.Notification `json:"notifications"`
	}](t, e.do(depts["tax"], "GET", "/api/v1/notifications", ""))
	if len(notes.Notifications) == 0 || !strings.Contains(notes.Notifications[0].Body, "属部门日常职责") {
		t.Fatalf("tax's notifications %+v", notes.Notifications)
	}

	// Notice and attendance.
	meetingAt := time.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Minute)
	e.okJSON(office, "POST", path+"/notice", fmt.Sprintf(`{"starts_at":%q,"place":"市政府第一会议室"}`, meetingAt.Format(time.RFC3339)))
	cy = e.waitCycle(office, id, "open attendance tasks", func(c cycleOut) bool { return len(c.Attendance) == 29 && c.Attendance[28].TaskID != 0 })
	attendance := map[string]int64{}
	for _, a := range cy.Attendance {
		attendance[a.Department] = a.TaskID
	}
	e.do(depts["finance"], "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", attendance["finance"]), `{"values":{"answer":"attend","name":"李明","post":"局长"}}`)
	p := problem(t, e.do(depts["tax"], "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", attendance["tax"]), `{"values":{"answer":"leave"}}`), http.StatusUnprocessableEntity)
	if len(p.Errors) != 2 {
		t.Fatalf("leave without a delegate: %+v", p.Errors)
	}
	e.do(depts["tax"], "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", attendance["tax"]), `{"values":{"answer":"leave","delegate_name":"赵强","delegate_post":"副局长"}}`)
	e.waitCycle(office, id, "take the answers", func(c cycleOut) bool {
		n := 0
		for _, a := range c.Attendance {
			if a.Answer != "pending" {
				n++
			}
		}
		return n == 2
	})
	resp = e.do(office, "GET", "/api/v1/committees/science/meetings.ics", "")
	ics := readAll(t, resp)
	if !strings.Contains(ics, "UID:meeting:science:2026H1@lianxi") || !strings.Contains(ics, "DTSTART:"+meetingAt.Format("20060102T150405Z")) {
		t.Fatalf("ics:\n%s", ics)
	}

	// The record, with three decisions.
	due := time.Now().Add(60 * 24 * time.Hour).UTC().Format(time.RFC3339)
	record := fmt.Sprintf(`{"minutes":"会议研究了科技金融改革等事项。","items":[{"item":%d,"text":"原则同意试点方案"}],"decisions":[
	 {"item":%d,"title":"印发科技金融改革试点方案","lead_department":"finance","co_departments":["tax","sci-tech"],"due_at":%q,"done_when":"方案印发"},
	 {"item":%d,"title":"编制年度工作要点","lead_department":"sci-tech","due_at":%q,"done_when":"要点印发"},
	 {"title":"建立成果转化统计制度","lead_department":"statistics","due_at":%q,"done_when":"制度出台"}]}`,
		idOf["科技金融改革试点"], idOf["科技金融改革试点"], due, idOf["2026年科技创新工作要点"], due, due)
	cy = e.okJSON(office, "POST", path+"/record", record)
	if cy.Phase != "follow_up" || len(cy.Decisions) != 3 || cy.WaitingFor != "departments" {
		t.Fatalf("recorded %+v", cy)
	}
	present := 0
	for _, a := range cy.Attendance {
		if a.Recorded == "present" || a.Recorded == "delegate" {
			present++
		}
	}
	if present != 2 {
		t.Fatalf("attendance %+v", cy.Attendance)
	}
	// The follow-ups are in the lead departments' inboxes and the ledger.
	decisionTask := map[int]int64{}
	for _, d := range cy.Decisions {
		decisionTask[d.ID] = d.TaskID
	}
	inbox = decodeBody[struct {
		Tasks []taskOut `json:"tasks"`
	}](t, e.do(depts["finance"], "GET", "/api/v1/tasks?status=open", ""))
	if len(inbox.Tasks) != 1 || inbox.Tasks[0].ID != decisionTask[1] {
		t.Fatalf("finance's open tasks %+v", inbox.Tasks)
	}
	ledger := readAll(t, e.do(office, "GET", "/api/v1/ledger.csv?source=meeting:"+id, ""))
	if !strings.Contains(ledger, "印发科技金融改革试点方案") || !strings.Contains(ledger, "建立成果转化统计制度") {
		t.Fatalf("ledger:\n%s", ledger)
	}

	// Results: the first accepted after one return, the second accepted,
	// the third carried over.
	submit := func(dept string, task int64, text string) {
		t.Helper()
		if resp := e.do(depts[dept], "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", task), `{"values":{"result":"`+text+`"}}`); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s submits: %d", dept, resp.StatusCode)
		}
	}
	submit("finance", decisionTask[1], "方案已起草")
	e.waitCycle(office, id, "see the first result", func(c cycleOut) bool { return c.Decisions[0].Status == "submitted" })
	if resp := e.do(office, "POST", path+"/decisions/1/return", `{"reason":"请附印发文件"}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("return: %d", resp.StatusCode)
	}
	e.waitCycle(office, id, "see the return", func(c cycleOut) bool { return c.Decisions[0].Status == "open" })
	submit("finance", decisionTask[1], "方案已印发（附文件）")
	submit("sci-tech", decisionTask[2], "要点已印发")
	e.waitCycle(office, id, "see both results", func(c cycleOut) bool {
		return c.Decisions[0].Status == "submitted" && c.Decisions[1].Status == "submitted"
	})
	for _, n := range []int{1, 2} {
		if resp := e.do(office, "POST", fmt.Sprintf("%s/decisions/%d/accept", path, n), `{"reason":"同意"}`); resp.StatusCode != http.StatusOK {
			t.Fatalf("accept %d: %d", n, resp.StatusCode)
		}
	}
	problem(t, e.do(office, "POST", path+"/decisions/3/carry-over", `{"reason":""}`), http.StatusUnprocessableEntity)
	e.okJSON(office, "POST", path+"/decisions/3/carry-over", `{"reason":"需统计局与省厅对接后完成"}`)
	cy = e.waitCycle(office, id, "close", func(c cycleOut) bool { return c.Phase == "closed" })
	problem(t, e.do(office, "POST", path+"/items", `{"item":{"title":"太迟了"}}`), http.StatusConflict)

	// The next cycle's agenda call carries the deferred item and the
	// unfinished decision over.
	next := e.okJSON(office, "POST", "/api/v1/committees/science/cycles", `{"period":"2026H2"}`)
	var carried []string
	for _, it := range next.Items {
		if it.CarriedFrom == id {
			carried = append(carried, it.Title)
		}
	}
	if len(carried) != 2 || carried[0] != "高校科技成果转化" || carried[1] != "建立成果转化统计制度" {
		t.Fatalf("carried over %v", carried)
	}
	history := decodeBody[struct {
		Events []domain.CycleEvent `json:"events"`
	}](t, e.do(office, "GET", path+"/history", ""))
	kinds := map[string]int{}
	for _, ev := range history.Events {
		kinds[ev.Kind]++
	}
	if kinds["agenda-submitted"] != 29 || kinds["compiled"] != 2 || kinds["agenda-returned"] != 1 || kinds["closed"] != 1 {
		t.Fatalf("history %v", kinds)
	}
}

func TestCultureCycleHeldAsACombinedSitting(t *testing.T) {
	e := newTaskEnv(t)
	office, convener := e.client("cultureoffice"), e.client("cultureconvener")
	depts := e.liaisons("culture")
	c := e.okJSON(office, "POST", "/api/v1/committees/culture/cycles", `{"period":"2026H1","joint_with":"文化体制改革专项小组"}`)
	path := "/api/v1/cycles/" + c.ID
	cy := e.waitCycle(office, c.ID, "open its agenda tasks", func(c cycleOut) bool {
		return len(c.Submissions) > 0 && c.Submissions[len(c.Submissions)-1].TaskID != 0
	})
	if cy.JointWith != "文化体制改革专项小组" || len(cy.Submissions) != 12 {
		t.Fatalf("culture cycle %+v", cy)
	}
	// Only the publicity department answers; the office goes on without the rest.
	if resp := e.do(depts["publicity-dept"], "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", cy.Submissions[1].TaskID), itemsJSON("文艺精品创作规划")); resp.StatusCode != http.StatusOK {
		t.Fatalf("submit: %d", resp.StatusCode)
	}
	e.waitCycle(office, c.ID, "take the items", func(c cycleOut) bool { return len(c.Items) == 1 })
	e.okJSON(office, "POST", path+"/items", `{"item":{"section":"joint","title":"国有文艺院团改革"}}`)
	cy = e.okJSON(office, "POST", path+"/close-agenda-call", `{"note":"按期召开"}`)
	if cy.Phase != "compilation" || len(cy.Missing) != 11 {
		t.Fatalf("closed call %+v", cy)
	}
	e.okJSON(office, "POST", path+"/compile", `{"order":[1,2]}`)
	cy = e.okJSON(convener, "POST", path+"/approve", `{}`)
	// Two agendas, each numbered from 1.
	if len(cy.Agenda) != 2 || cy.Agenda[0].Number != 1 || cy.Agenda[1].Section != "joint" || cy.Agenda[1].Number != 1 {
		t.Fatalf("combined agenda %+v", cy.Agenda)
	}
	e.okJSON(office, "POST", path+"/notice", fmt.Sprintf(`{"starts_at":%q,"place":"市委宣传部会议室"}`, time.Now().Add(72*time.Hour).UTC().Format(time.RFC3339)))
	cy = e.okJSON(office, "POST", path+"/record", `{"minutes":"联席会议部分","joint_minutes":"专项小组部分","decisions":[]}`)
	cy = e.waitCycle(office, c.ID, "close", func(c cycleOut) bool { return c.Phase == "closed" })
	// Missing departments' agenda tasks were withdrawn.
	task := decodeBody[taskOut](t, e.do(office, "GET", fmt.Sprintf("/api/v1/tasks/%d", cy.Submissions[0].TaskID), ""))
	if task.Status != "cancelled" {
		t.Fatalf("missing department's task: %s", task.Status)
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", resp.Request.URL.Path, resp.StatusCode)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
