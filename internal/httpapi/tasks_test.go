package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/worker"

	"lianxi/internal/calendar"
	"lianxi/internal/temporal/devtest"
	"lianxi/workflows"
)

// newTaskEnv is newEnv with a real embedded Temporal server of its own and
// a worker.
func newTaskEnv(t *testing.T) *env { return newEnvWith(t, devtest.Start(t)) }

type taskOut struct {
	ID     int64          `json:"id"`
	Status string         `json:"status"`
	DueAt  time.Time      `json:"due_at"`
	Values map[string]any `json:"values"`
	Source struct {
		Kind      string `json:"kind"`
		Committee string `json:"committee"`
	} `json:"source"`
	History []struct {
		Kind  string `json:"kind"`
		Actor string `json:"actor"`
	} `json:"history"`
	Extension *struct {
		Reason string `json:"reason"`
	} `json:"extension"`
}

const newTaskBody = `{"title":"报送2026年下半年联席会议议题","body":"请各成员单位报送议题。","committee":"science",
 "lead_department":"finance","co_departments":["tax"],"due_working_days":5,
 "form":[{"name":"topic","label":"议题名称","type":"text","required":true},{"name":"pages","label":"材料页数","type":"number","required":false}]}`

func TestTaskLifecycleThroughTheAPI(t *testing.T) {
	e := newTaskEnv(t)
	office, liaison, tax, land := e.client("office1"), e.client("liaison1"), e.client("taxliaison"), e.client("landmember")

	resp := e.do(office, "POST", "/api/v1/tasks", newTaskBody)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	task := decodeBody[taskOut](t, resp)
	if task.ID == 0 || task.Status != "open" || task.Source.Kind != "adhoc" || task.Source.Committee != "science" {
		t.Fatalf("created %+v", task)
	}
	// Five working days from now, at the end of a working day.
	cal, _ := calendar.New(calendar.Options{})
	if !cal.IsWorkingDay(calendar.DateOf(task.DueAt)) || task.DueAt.In(calendar.Location).Format("15:04") != "17:30" {
		t.Fatalf("due %v", task.DueAt)
	}
	path := fmt.Sprintf("/api/v1/tasks/%d", task.ID)

	// Another department can neither read nor act on it; nor can an expert
	// or another committee's office.
	problem(t, e.do(land, "GET", path, ""), http.StatusForbidden)
	problem(t, e.do(land, "POST", path+"/submit", `{"values":{"topic":"x"}}`), http.StatusForbidden)
	problem(t, e.do(e.client("expert1"), "GET", path, ""), http.StatusForbidden)
	problem(t, e.do(e.client("cultureoffice"), "POST", path+"/accept", `{"reason":""}`), http.StatusForbidden)
	problem(t, e.do(land, "GET", "/api/v1/tasks/999999", ""), http.StatusNotFound)
	// The co-handling department sees it but cannot submit the whole.
	if resp := e.do(tax, "GET", path, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("co-handling department reads: %d", resp.StatusCode)
	}
	problem(t, e.do(tax, "POST", path+"/submit", `{"values":{"topic":"x"}}`), http.StatusForbidden)
	if resp := e.do(tax, "POST", path+"/contribute", `{"department":"tax","body":"税收政策相关意见"}`); resp.StatusCode != http.StatusOK {
		t.Fatalf("contribute: %d", resp.StatusCode)
	}
	// The office cannot accept what was not submitted.
	problem(t, e.do(office, "POST", path+"/accept", `{"reason":""}`), http.StatusConflict)

	// A missing required field: 422 naming it, and nothing stored.
	p := problem(t, e.do(liaison, "POST", path+"/submit", `{"values":{"pages":3}}`), http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Field != "values.topic" {
		t.Fatalf("errors %+v", p.Errors)
	}
	p = problem(t, e.do(liaison, "POST", path+"/submit", `{"values":{"topic":"x","pages":"many","extra":1}}`), http.StatusUnprocessableEntity)
	if len(p.Errors) != 2 {
		t.Fatalf("errors %+v", p.Errors)
	}
	got := decodeBody[taskOut](t, e.do(liaison, "GET", path, ""))
	if got.Status != "in_progress" || len(got.Values) != 0 {
		t.Fatalf("a refused submit changed the task: %+v", got)
	}

	// Two submissions at once: one succeeds, the other is refused with 409.
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"values":{"topic":"关于科技金融的议题 %d","pages":12}}`, i)
			req, _ := http.NewRequest("POST", e.srv.URL+path+"/submit", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			r, err := liaison.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			r.Body.Close()
			codes[i] = r.StatusCode
		}()
	}
	wg.Wait()
	if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
		t.Fatalf("concurrent submits: %v", codes)
	}
	problem(t, e.do(liaison, "POST", path+"/submit", `{"values":{"topic":"again"}}`), http.StatusConflict)

	// The office returns it with a reason, the department submits again, the
	// office accepts; the task is then closed to every action.
	problem(t, e.do(office, "POST", path+"/return", `{"reason":""}`), http.StatusUnprocessableEntity)
	if r := e.do(office, "POST", path+"/return", `{"reason":"请补充材料"}`); r.StatusCode != 200 {
		t.Fatalf("return %d", r.StatusCode)
	}
	if r := e.do(liaison, "POST", path+"/submit", `{"values":{"topic":"补充后的议题","pages":20}}`); r.StatusCode != 200 {
		t.Fatalf("resubmit %d", r.StatusCode)
	}
	done := decodeBody[taskOut](t, e.do(office, "POST", path+"/accept", `{"reason":"同意"}`))
	if done.Status != "accepted" || done.Values["topic"] != "补充后的议题" {
		t.Fatalf("accepted %+v", done)
	}
	problem(t, e.do(office, "POST", path+"/cancel", `{"reason":"x"}`), http.StatusConflict)

	full := decodeBody[taskOut](t, e.do(office, "GET", path, ""))
	var kinds []string
	for _, h := range full.History {
		kinds = append(kinds, h.Kind)
	}
	if strings.Join(kinds, ",") != "created,contribute,submit,return,submit,accept" {
		t.Fatalf("history %v", kinds)
	}
	// Every transition is in the audit trail.
	recs, _ := e.store.RecentAudit(context.Background(), 100)
	n := 0
	for _, r := range recs {
		if r.Object == fmt.Sprintf("task:%d", task.ID) {
			n++
		}
	}
	if n != 6 {
		t.Fatalf("%d audit records for the task, want 6", n)
	}

	// The recorded history replays against today's workflow code: a change
	// that would break running tasks fails here, not in production.
	replayer := worker.NewWorkflowReplayer()
	replayer.RegisterWorkflow(workflows.Task)
	iter := e.tc.GetWorkflowHistory(context.Background(), workflows.TaskID(task.ID), "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	if len(events) < 10 {
		t.Fatalf("history of %d events", len(events))
	}
	if err := replayer.ReplayWorkflowHistory(nil, &historypb.History{Events: events}); err != nil {
		t.Fatalf("replay: %v", err)
	}
}

func TestTaskExtensionsAndLists(t *testing.T) {
	e := newTaskEnv(t)
	office, liaison := e.client("office1"), e.client("liaison1")
	task := decodeBody[taskOut](t, e.do(office, "POST", "/api/v1/tasks", newTaskBody))
	path := fmt.Sprintf("/api/v1/tasks/%d", task.ID)

	later := task.DueAt.Add(72 * time.Hour).Format(time.RFC3339)
	p := problem(t, e.do(liaison, "POST", path+"/extension", `{"reason":"","due_at":"`+later+`"}`), http.StatusUnprocessableEntity)
	if p.Errors[0].Field != "reason" {
		t.Fatalf("errors %+v", p.Errors)
	}
	problem(t, e.do(office, "POST", path+"/extension/decision", `{"approve":true}`), http.StatusConflict)
	if r := e.do(liaison, "POST", path+"/extension", `{"reason":"需征求多部门意见","due_at":"`+later+`"}`); r.StatusCode != 200 {
		t.Fatalf("request extension %d", r.StatusCode)
	}
	problem(t, e.do(liaison, "POST", path+"/extension/decision", `{"approve":true}`), http.StatusForbidden)
	got := decodeBody[taskOut](t, e.do(office, "POST", path+"/extension/decision", `{"approve":true,"note":"同意延期"}`))
	if !got.DueAt.Equal(task.DueAt.Add(72*time.Hour)) || got.Extension != nil {
		t.Fatalf("after approval %+v", got)
	}

	// A second task for tax only; lists are per department and per office.
	body := strings.Replace(newTaskBody, `"lead_department":"finance","co_departments":["tax"]`, `"lead_department":"tax","co_departments":[]`, 1)
	if r := e.do(office, "POST", "/api/v1/tasks", body); r.StatusCode != http.StatusCreated {
		t.Fatalf("second task %d", r.StatusCode)
	}
	count := func(c *http.Client, query string) int {
		var out struct {
			Tasks []json.RawMessage `json:"tasks"`
		}
		out = decodeBody[struct {
			Tasks []json.RawMessage `json:"tasks"`
		}](t, e.do(c, "GET", "/api/v1/tasks"+query, ""))
		return len(out.Tasks)
	}
	if n := count(liaison, ""); n != 1 {
		t.Fatalf("finance sees %d tasks", n)
	}
	if n := count(e.client("taxliaison"), ""); n != 2 {
		t.Fatalf("tax (lead of one, co-handling the other) sees %d", n)
	}
	if n := count(e.client("landmember"), ""); n != 0 {
		t.Fatalf("land sees %d", n)
	}
	if n := count(office, ""); n != 2 {
		t.Fatalf("science office sees %d", n)
	}
	if n := count(e.client("cultureoffice"), ""); n != 0 {
		t.Fatalf("culture office sees %d", n)
	}
	if n := count(office, "?department=finance"); n != 1 {
		t.Fatalf("filter by department: %d", n)
	}
	if n := count(office, "?q="+"议题"); n != 2 {
		t.Fatalf("text search: %d", n)
	}
	// Keyset pages: one task per page, then the rest.
	page := decodeBody[struct {
		Tasks []taskOut `json:"tasks"`
		Next  string    `json:"next_cursor"`
	}](t, e.do(office, "GET", "/api/v1/tasks?limit=1", ""))
	if len(page.Tasks) != 1 || page.Next == "" {
		t.Fatalf("page %+v", page)
	}
	rest := decodeBody[struct {
		Tasks []taskOut `json:"tasks"`
	}](t, e.do(office, "GET", "/api/v1/tasks?limit=5&cursor="+page.Next, ""))
	if len(rest.Tasks) != 1 || rest.Tasks[0].ID == page.Tasks[0].ID {
		t.Fatalf("second page %+v", rest)
	}
	problem(t, e.do(office, "GET", "/api/v1/tasks?cursor=%%%&status=done", ""), http.StatusUnprocessableEntity)

	// Bad task input: field errors, nothing created; only an office assigns.
	p = problem(t, e.do(office, "POST", "/api/v1/tasks", `{"title":"","committee":"science","lead_department":"atlantis","due_working_days":0,"form":[{"name":"Bad Name","label":"x","type":"colour"}]}`), http.StatusUnprocessableEntity)
	fields := map[string]bool{}
	for _, f := range p.Errors {
		fields[f.Field] = true
	}
	for _, f := range []string{"title", "due_working_days", "form[0].name", "form[0].type"} {
		if !fields[f] {
			t.Errorf("no error for %s in %+v", f, p.Errors)
		}
	}
	problem(t, e.do(office, "POST", "/api/v1/tasks", strings.Replace(newTaskBody, `"finance"`, `"atlantis"`, 1)), http.StatusUnprocessableEntity)
	problem(t, e.do(liaison, "POST", "/api/v1/tasks", newTaskBody), http.StatusForbidden)
	problem(t, e.do(e.client("cultureoffice"), "POST", "/api/v1/tasks", newTaskBody), http.StatusForbidden)
	if n := count(office, ""); n != 2 {
		t.Fatalf("refused creations created tasks: %d", n)
	}
}
