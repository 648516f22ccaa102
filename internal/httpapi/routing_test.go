package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
)

func (e *env) upload(c *http.Client, path, name string, data []byte) *http.Response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestDeputiesDispatchCommentsAndAttachments(t *testing.T) {
	e := newTaskEnv(t)
	ctx := context.Background()
	svc, _ := auth.New(e.store, auth.Options{})
	for _, u := range []domain.NewUser{
		{Username: "fin.member", DisplayName: "财政干部", Grants: []domain.Grant{{Role: domain.RoleMember, Department: "finance"}}},
		{Username: "fin.deputy", DisplayName: "代理人", Grants: []domain.Grant{{Role: domain.RoleMember, Department: "audit"}}},
	} {
		u.Password = password
		if _, err := svc.CreateUser(ctx, auth.System, u, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	office, liaison, deputy := e.client("office1"), e.client("liaison1"), e.client("fin.deputy")
	task := decodeBody[taskOut](t, e.do(office, "POST", "/api/v1/tasks", newTaskBody))
	path := fmt.Sprintf("/api/v1/tasks/%d", task.ID)

	// The liaison hands the task to a member of finance, not to an outsider.
	p := problem(t, e.do(liaison, "POST", path+"/dispatch", `{"member":"landmember"}`), http.StatusUnprocessableEntity)
	if p.Errors[0].Field != "member" {
		t.Fatalf("errors %+v", p.Errors)
	}
	got := decodeBody[struct {
		AssignedTo string `json:"assigned_to"`
		Status     string `json:"status"`
	}](t, e.do(liaison, "POST", path+"/dispatch", `{"member":"fin.member"}`))
	if got.AssignedTo != "fin.member" || got.Status != "in_progress" {
		t.Fatalf("dispatched %+v", got)
	}

	// A deputy acts for the absent liaison only while the delegation runs.
	problem(t, e.do(deputy, "POST", path+"/submit?on_behalf_of=liaison1", `{"values":{"topic":"代报议题"}}`), http.StatusForbidden)
	today := calendar.DateOf(time.Now())
	problem(t, e.do(deputy, "POST", "/api/v1/deputies", fmt.Sprintf(`{"principal":"liaison1","deputy":"fin.deputy","starts_on":"%s","ends_on":"%s"}`, today, today.AddDays(7))), http.StatusForbidden)
	if r := e.do(liaison, "POST", "/api/v1/deputies", fmt.Sprintf(`{"deputy":"fin.deputy","starts_on":"%s","ends_on":"%s"}`, today, today.AddDays(7))); r.StatusCode != http.StatusCreated {
		t.Fatalf("add deputy %d", r.StatusCode)
	}
	problem(t, e.do(liaison, "POST", "/api/v1/deputies", `{"deputy":"nobody","starts_on":"2026-13-01","ends_on":"2026-01-01"}`), http.StatusUnprocessableEntity)
	if r := e.do(deputy, "POST", path+"/submit?on_behalf_of=liaison1", `{"values":{"topic":"代报议题"}}`); r.StatusCode != 200 {
		t.Fatalf("deputy submit %d", r.StatusCode)
	}
	history, err := e.store.TaskHistory(ctx, task.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := history[len(history)-1]
	if last.Kind != "submit" || last.Actor != "fin.deputy" || last.OnBehalfOf != "liaison1" {
		t.Fatalf("deputy's submit recorded as %+v", last)
	}

	// Comments, from the office and the department.
	if r := e.do(office, "POST", path+"/comments", `{"body":"请注明数据来源。"}`); r.StatusCode != http.StatusCreated {
		t.Fatalf("comment %d", r.StatusCode)
	}
	problem(t, e.do(office, "POST", path+"/comments", `{"body":"   "}`), http.StatusUnprocessableEntity)
	problem(t, e.do(e.client("landmember"), "POST", path+"/comments", `{"body":"x"}`), http.StatusForbidden)

	// Attachments: checked by content, checksummed, served as downloads.
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	resp := e.upload(liaison, path+"/attachments", "议题材料.pdf", pdf)
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload %d %s", resp.StatusCode, b)
	}
	att := decodeBody[domain.Attachment](t, resp)
	sum := sha256.Sum256(pdf)
	if att.SHA256 != hex.EncodeToString(sum[:]) || att.Size != len(pdf) || att.ContentType != "application/pdf" {
		t.Fatalf("attachment %+v", att)
	}
	p = problem(t, e.upload(liaison, path+"/attachments", "not-really.pdf", []byte("MZ\x90\x00 executable")), http.StatusUnprocessableEntity)
	if p.Errors[0].Field != "file" {
		t.Fatalf("errors %+v", p.Errors)
	}
	problem(t, e.upload(liaison, path+"/attachments", "run.exe", []byte("MZ")), http.StatusUnprocessableEntity)
	problem(t, e.upload(e.client("landmember"), path+"/attachments", "a.pdf", pdf), http.StatusForbidden)
	dl := e.do(office, "GET", fmt.Sprintf("%s/attachments/%d", path, att.ID), "")
	body, _ := io.ReadAll(dl.Body)
	if dl.StatusCode != 200 || !bytes.Equal(body, pdf) || dl.Header.Get("Content-Disposition") == "" || dl.Header.Get("Digest") != "sha-256="+att.SHA256 {
		t.Fatalf("download %d %q", dl.StatusCode, dl.Header)
	}
	problem(t, e.do(e.client("landmember"), "GET", fmt.Sprintf("%s/attachments/%d", path, att.ID), ""), http.StatusForbidden)

	full := decodeBody[struct {
		Comments    []domain.Comment    `json:"comments"`
		Attachments []domain.Attachment `json:"attachments"`
	}](t, e.do(liaison, "GET", path, ""))
	if len(full.Comments) != 1 || len(full.Attachments) != 1 {
		t.Fatalf("task page data %+v", full)
	}
}

func TestATaskFollowsItsDepartmentThroughAMerge(t *testing.T) {
	e := newTaskEnv(t)
	office, admin := e.client("office1"), e.client("admin")
	// A task for tax, then tax is merged into finance: finance's liaison now
	// sees and completes it; the record keeps tax as the lead.
	body := `{"title":"税收优惠政策落实情况","committee":"science","lead_department":"tax","due_working_days":3,"form":[]}`
	task := decodeBody[taskOut](t, e.do(office, "POST", "/api/v1/tasks", body))
	path := fmt.Sprintf("/api/v1/tasks/%d", task.ID)
	problem(t, e.do(e.client("liaison1"), "GET", path, ""), http.StatusForbidden)
	if r := e.do(admin, "POST", "/api/v1/organisations/tax/merge", `{"into":"finance"}`); r.StatusCode != 200 {
		t.Fatalf("merge %d", r.StatusCode)
	}
	liaison := e.client("liaison1")
	if r := e.do(liaison, "POST", path+"/submit", `{"values":{}}`); r.StatusCode != 200 {
		t.Fatalf("finance submits the merged department's task: %d", r.StatusCode)
	}
	list := decodeBody[struct {
		Tasks []struct {
			Lead string `json:"lead_department"`
		} `json:"tasks"`
	}](t, e.do(liaison, "GET", "/api/v1/tasks", ""))
	if len(list.Tasks) != 1 || list.Tasks[0].Lead != "tax" {
		t.Fatalf("finance's list %+v", list)
	}
}

func TestEscalationLadderPerCommittee(t *testing.T) {
	e := newEnv(t)
	office := e.client("office1")
	def := decodeBody[struct {
		Steps []map[string]any `json:"steps"`
	}](t, e.do(office, "GET", "/api/v1/committees/science/escalation", ""))
	if len(def.Steps) != 5 {
		t.Fatalf("default ladder %+v", def)
	}
	ladder := `{"steps":[{"rule":"due-2","audience":"department","due_in":2},{"rule":"overdue-2","audience":"office","overdue":2}]}`
	problem(t, e.do(e.client("liaison1"), "PUT", "/api/v1/committees/science/escalation", ladder), http.StatusForbidden)
	problem(t, e.do(e.client("cultureoffice"), "PUT", "/api/v1/committees/science/escalation", ladder), http.StatusForbidden)
	p := problem(t, e.do(office, "PUT", "/api/v1/committees/science/escalation", `{"steps":[{"rule":"Bad Rule","audience":"mayor","due_in":2,"overdue":1}]}`), http.StatusUnprocessableEntity)
	if len(p.Errors) != 3 {
		t.Fatalf("errors %+v", p.Errors)
	}
	if r := e.do(office, "PUT", "/api/v1/committees/science/escalation", ladder); r.StatusCode != 200 {
		t.Fatalf("set %d", r.StatusCode)
	}
	got, err := e.store.Ladders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if l := got("science"); len(l) != 2 || l[1].Overdue != 2 || l[1].Audience != "office" {
		t.Fatalf("stored ladder %+v", l)
	}
	if l := got("culture"); len(l) != 5 {
		t.Fatalf("another committee's ladder changed: %+v", l)
	}
}

func TestNotificationsAndChannelsThroughTheAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	liaison, office := e.client("liaison1"), e.client("office1")
	me, _, err := e.store.GetUserByUsername(ctx, "liaison1")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"【提醒】任务将于 3 个工作日内到期", "【催办】任务已逾期"} {
		if err := e.store.Notify(ctx, domain.Notification{UserID: me.ID, Subject: s, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	type page struct {
		Notifications []domain.Notification `json:"notifications"`
		Unread        int                   `json:"unread"`
	}
	got := decodeBody[page](t, e.do(liaison, "GET", "/api/v1/notifications", ""))
	if len(got.Notifications) != 2 || got.Unread != 2 || got.Notifications[0].Subject != "【催办】任务已逾期" {
		t.Fatalf("notifications %+v", got)
	}
	// Another user can neither see nor mark them.
	if other := decodeBody[page](t, e.do(office, "GET", "/api/v1/notifications", "")); len(other.Notifications) != 0 {
		t.Fatalf("office sees %+v", other)
	}
	problem(t, e.do(office, "POST", fmt.Sprintf("/api/v1/notifications/%d/read", got.Notifications[0].ID), ""), http.StatusNotFound)
	if r := e.do(liaison, "POST", fmt.Sprintf("/api/v1/notifications/%d/read", got.Notifications[0].ID), ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("read %d", r.StatusCode)
	}
	if n := decodeBody[page](t, e.do(liaison, "GET", "/api/v1/notifications", "")).Unread; n != 1 {
		t.Fatalf("unread %d", n)
	}
	if all := decodeBody[map[string]int](t, e.do(liaison, "POST", "/api/v1/notifications/read-all", "")); all["marked"] != 1 {
		t.Fatalf("read-all %v", all)
	}

	// Channels: one's own address; a department's webhook by its liaison.
	problem(t, e.do(liaison, "PUT", "/api/v1/me/channels", `{"email":"not an address"}`), http.StatusUnprocessableEntity)
	if r := e.do(liaison, "PUT", "/api/v1/me/channels", `{"email":"li@finance.example"}`); r.StatusCode != http.StatusNoContent {
		t.Fatalf("set email %d", r.StatusCode)
	}
	hook := `{"webhook":{"url":"https://bot.example/hook","secret":"0123456789abcdef"}}`
	problem(t, e.do(office, "PUT", "/api/v1/organisations/finance/channels", hook), http.StatusForbidden)
	problem(t, e.do(liaison, "PUT", "/api/v1/organisations/finance/channels", `{"webhook":{"url":"ftp://x","secret":"short"}}`), http.StatusUnprocessableEntity)
	if r := e.do(liaison, "PUT", "/api/v1/organisations/finance/channels", hook); r.StatusCode != http.StatusNoContent {
		t.Fatalf("set webhook %d", r.StatusCode)
	}
	hooks, err := e.store.DepartmentWebhooks(ctx, []string{"finance", "tax"})
	if err != nil || len(hooks) != 1 || hooks["finance"].URL != "https://bot.example/hook" {
		t.Fatalf("webhooks %+v %v", hooks, err)
	}
}
