package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lianxi/internal/consultations"
	"lianxi/internal/domain"
	"lianxi/internal/seed"
	"lianxi/internal/temporal/devtest"
)

type consultationOut struct {
	Slug        string                       `json:"slug"`
	Phase       domain.ConsultationPhase     `json:"phase"`
	Departments []domain.ConsultedDepartment `json:"departments"`
	Counts      domain.CommentCounts         `json:"counts"`
	Report      *domain.ConsultationReport   `json:"report"`
}

// commenterToken verifies a contact for a consultation through the public
// API and returns its token.
func (e *env) commenterToken(c *http.Client, slug, contact string) string {
	e.t.Helper()
	e.json(c, "POST", "/api/v1/public/consultations/"+slug+"/codes", `{"contact":"`+contact+`"}`, http.StatusAccepted, nil)
	norm, _, err := domain.NormaliseContact("contact", contact)
	if err != nil {
		e.t.Fatal(err)
	}
	var v consultations.Verified
	e.json(c, "POST", "/api/v1/public/consultations/"+slug+"/verify", `{"contact":"`+contact+`","code":"`+e.codes.code(norm)+`"}`, http.StatusOK, &v)
	return v.Token
}

func (e *env) waitConsultation(c *http.Client, slug, what string, ok func(consultationOut) bool) consultationOut {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var out consultationOut
		e.json(c, "GET", "/api/v1/consultations/"+slug, "", http.StatusOK, &out)
		if ok(out) {
			return out
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("consultation never %s: %+v", what, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func consultationBody(slug string, opens, closes, feedback time.Time, departments string) string {
	return fmt.Sprintf(`{"slug":%q,"title":"湘潭市推进创新常态化实施方案（征求意见稿）","notice":"请于截止前反馈修改意见。",
	  "sections":[{"key":"s1","heading":"大力创建国家创新型城市","body":"对标国家《建设创新型城市工作指引》。"},
	              {"key":"s2","heading":"建立联席会议制度","body":"联席会议原则上每半年召开一次。"}],
	  "opens_at":%q,"closes_at":%q,"feedback_due_at":%q,
	  "contact":{"office":"市科技局办公室","phone":"0731-58570297","fax":"0731-58570300","address":"湘潭市政府大楼1405-1号"},
	  "departments":%s}`, slug, opens.Format(time.RFC3339), closes.Format(time.RFC3339), feedback.Format(time.RFC3339), departments)
}

// A whole consultation through the API: the office publishes, a citizen
// comments on the whole and on a section, one department comments through
// its task and another never answers, the window closes by itself, the
// office answers every comment and only then publishes the report, which
// shows the comments without their contacts.
func TestConsultationThroughTheAPI(t *testing.T) {
	e := newEnvWith(t, devtest.Start(t))
	office, finance, tax, public := e.client("office1"), e.client("liaison1"), e.client("taxliaison"), e.client("")
	now := time.Now()
	closes, feedback := now.Add(8*time.Second), now.Add(12*time.Second)
	body := consultationBody("draft-2026", now.Add(-time.Minute), closes, feedback, `["finance","tax"]`)

	// Bad input: every field named, nothing created.
	p := problem(t, e.do(office, "POST", "/api/v1/consultations", `{"slug":"Bad Slug","title":"","sections":[{"key":"a"},{"key":"a","heading":"x"}],
	  "opens_at":"2026-01-02T00:00:00+08:00","closes_at":"2026-01-01T00:00:00+08:00","contact":{},"departments":["nowhere"]}`), http.StatusUnprocessableEntity)
	fields := map[string]bool{}
	for _, f := range p.Errors {
		fields[f.Field] = true
	}
	for _, f := range []string{"slug", "title", "sections[0].heading", "sections[1].key", "closes_at", "contact.office", "departments[0]"} {
		if !fields[f] {
			t.Errorf("no error on %s: %+v", f, p.Errors)
		}
	}
	problem(t, e.do(tax, "POST", "/api/v1/consultations", body), http.StatusForbidden)
	problem(t, e.do(office, "GET", "/api/v1/public/consultations/bad-slug", ""), http.StatusNotFound)

	var created consultationOut
	e.json(office, "POST", "/api/v1/consultations", body, http.StatusCreated, &created)
	problem(t, e.do(office, "POST", "/api/v1/consultations", body), http.StatusConflict)
	c := e.waitConsultation(office, "draft-2026", "open with tasks", func(c consultationOut) bool {
		return c.Phase == domain.ConsultationOpen && len(c.Departments) == 2 && c.Departments[0].TaskID != 0 && c.Departments[1].TaskID != 0
	})

	// The public reads it without an account; the countdown runs.
	var pub consultations.PublicConsultation
	e.json(public, "GET", "/api/v1/public/consultations/draft-2026", "", http.StatusOK, &pub)
	if !pub.Accepting || pub.SecondsLeft <= 0 || len(pub.Sections) != 2 || pub.Contact.Phone != "0731-58570297" {
		t.Fatalf("public view %+v", pub)
	}

	// Comments need a verified contact.
	problem(t, e.do(public, "POST", "/api/v1/public/consultations/draft-2026/comments", `{"body":"建议"}`), http.StatusUnauthorized)
	token := e.commenterToken(public, "draft-2026", "138 0013 8000")
	h := []string{"X-Commenter-Token", token}
	var whole, onSection domain.ConsultationComment
	e.json(public, "POST", "/api/v1/public/consultations/draft-2026/comments", `{"body":"建议增加对中小企业的支持。","name":"张三"}`, http.StatusCreated, &whole, h...)
	e.json(public, "POST", "/api/v1/public/consultations/draft-2026/comments", `{"section":"s2","body":"建议每季度召开一次。"}`, http.StatusCreated, &onSection, h...)
	if whole.Section != "" || onSection.Section != "s2" || whole.Contact != "" {
		t.Fatalf("comments %+v %+v", whole, onSection)
	}
	p = problem(t, e.do(public, "POST", "/api/v1/public/consultations/draft-2026/comments", `{"section":"s9","body":""}`, h...), http.StatusUnprocessableEntity)
	if len(p.Errors) != 2 || p.Errors[0].Field != "section" || p.Errors[1].Field != "body" {
		t.Fatalf("errors %+v", p.Errors)
	}
	problem(t, e.do(public, "POST", "/api/v1/public/consultations/draft-2026/comments", `{"body":"`+strings.Repeat("长", domain.MaxCommentChars+1)+`"}`, h...), http.StatusUnprocessableEntity)
	var mine struct{ Comments []domain.ConsultationComment }
	e.json(public, "GET", "/api/v1/public/consultations/draft-2026/comments", "", http.StatusOK, &mine, h...)
	if len(mine.Comments) != 2 {
		t.Fatalf("my comments %+v", mine)
	}

	// A department comments through its task: on a section, and both
	// "comments" and "no comments" is refused.
	var financeTask int64
	for _, d := range c.Departments {
		if d.Department == "finance" {
			financeTask = d.TaskID
		}
	}
	taskPath := fmt.Sprintf("/api/v1/tasks/%d/submit", financeTask)
	problem(t, e.do(finance, "POST", taskPath, `{"values":{"comments":[{"section":"s1","body":"x"}],"no_comments":true}}`), http.StatusUnprocessableEntity)
	problem(t, e.do(finance, "POST", taskPath, `{"values":{"comments":[{"section":"s7","body":"x"}]}}`), http.StatusUnprocessableEntity)
	e.json(finance, "POST", taskPath, `{"values":{"comments":[{"section":"s1","body":"建议明确研发投入的资金来源。"},{"section":"","body":"同意总体框架。"}]}}`, http.StatusOK, nil)
	c = e.waitConsultation(office, "draft-2026", "given finance's comments", func(c consultationOut) bool { return c.Counts.Department == 2 })
	if c.Counts.Public != 2 || c.Counts.Total != 4 {
		t.Fatalf("counts %+v", c.Counts)
	}

	// Not before the window closes.
	problem(t, e.do(office, "POST", "/api/v1/consultations/draft-2026/report", `{"summary":"x"}`), http.StatusConflict)

	// The window closes by itself: a comment now is 409 naming the dates.
	time.Sleep(time.Until(closes))
	p = problem(t, e.do(public, "POST", "/api/v1/public/consultations/draft-2026/comments", `{"body":"迟到的意见"}`, h...), http.StatusConflict)
	if !strings.Contains(p.Detail+p.Title, closes.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")) {
		t.Fatalf("the refusal does not name the window: %+v", p)
	}
	// Tax never answered: at the feedback deadline it is missed and its
	// task withdrawn.
	c = e.waitConsultation(office, "draft-2026", "past the feedback deadline", func(c consultationOut) bool {
		for _, d := range c.Departments {
			if d.Department == "tax" && d.Status == domain.DeptCommentMissed {
				return true
			}
		}
		return false
	})
	e.waitTask(tax, c.Departments[1].TaskID, "cancelled")

	// Every comment needs a reply before the report.
	p = problem(t, e.do(office, "POST", "/api/v1/consultations/draft-2026/report", `{"summary":"x"}`), http.StatusConflict)
	if p.Code != "error.comments_unreplied" {
		t.Fatalf("report refused with %+v", p)
	}
	var all struct{ Comments []domain.ConsultationComment }
	e.json(office, "GET", "/api/v1/consultations/draft-2026/comments", "", http.StatusOK, &all)
	if len(all.Comments) != 4 || all.Comments[0].Contact != "13800138000" || all.Comments[2].Department != "finance" {
		t.Fatalf("office's comments %+v", all.Comments)
	}
	problem(t, e.do(tax, "GET", "/api/v1/consultations/draft-2026/comments", ""), http.StatusForbidden)
	reply := func(id int64) string { return fmt.Sprintf("/api/v1/consultations/draft-2026/comments/%d/reply", id) }
	p = problem(t, e.do(office, "POST", reply(all.Comments[0].ID), `{"status":"not_adopted"}`), http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Field != "reply" {
		t.Fatalf("errors %+v", p.Errors)
	}
	problem(t, e.do(finance, "POST", reply(all.Comments[0].ID), `{"status":"adopted"}`), http.StatusForbidden)
	for i, status := range []string{"adopted", "partly", "not_adopted"} {
		e.json(office, "POST", reply(all.Comments[i].ID), `{"status":"`+status+`","reply":"已研究。"}`, http.StatusOK, nil)
	}
	p = problem(t, e.do(office, "POST", "/api/v1/consultations/draft-2026/report", `{"summary":"x"}`), http.StatusConflict)
	if p.Code != "error.comments_unreplied" {
		t.Fatalf("report refused with %+v", p)
	}
	e.json(office, "POST", reply(all.Comments[3].ID), `{"status":"out_of_scope"}`, http.StatusOK, nil)

	// The revised draft, then the report.
	fileID := e.uploadConsultationFile(office, "draft-2026", "修改稿.txt", "修改后的实施方案", true)
	var reported consultationOut
	e.json(office, "POST", "/api/v1/consultations/draft-2026/report", fmt.Sprintf(`{"summary":"共收到意见4条，采纳1条。","revised_draft":%d}`, fileID), http.StatusOK, &reported)
	if reported.Phase != domain.ConsultationReported || reported.Report == nil || reported.Report.Counts.Adopted != 1 || reported.Report.Counts.OutOfScope != 1 {
		t.Fatalf("reported %+v", reported)
	}
	problem(t, e.do(office, "POST", reply(all.Comments[3].ID), `{"status":"adopted"}`), http.StatusConflict)

	var rep consultations.Report
	e.json(public, "GET", "/api/v1/public/consultations/draft-2026/report", "", http.StatusOK, &rep)
	if len(rep.Comments) != 4 || rep.Report.Counts.Total != 4 || rep.Report.RevisedDraft != fileID {
		t.Fatalf("report %+v", rep)
	}
	for _, k := range rep.Comments {
		if k.Contact != "" || k.Reply == "" {
			t.Fatalf("report comment %+v", k)
		}
	}
	rawBytes, _ := io.ReadAll(e.do(public, "GET", "/api/v1/public/consultations/draft-2026/report", "").Body)
	if raw := string(rawBytes); strings.Contains(raw, "13800138000") || strings.Contains(raw, "138****8000") {
		t.Fatalf("the report shows a contact: %s", rawBytes)
	}
	if resp := e.do(public, "GET", fmt.Sprintf("/api/v1/public/consultations/draft-2026/files/%d", fileID), ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("revised draft: %d", resp.StatusCode)
	}
	// LIANXI_RECORD_HISTORIES=1 writes the history the replay test reads.
	if os.Getenv("LIANXI_RECORD_HISTORIES") != "" {
		devtest.WriteHistory(context.Background(), t, e.tc, domain.ConsultationID("draft-2026"), filepath.Join("..", "..", "workflows", "testdata", "consultation.json"))
	}
}

// The seed's own consultation is there as a finished example.
func TestSeedConsultationIsArchived(t *testing.T) {
	e := newEnvWith(t, devtest.Start(t))
	if _, err := e.store.LoadArchivedConsultation(context.Background(), seed.Consultation()); err != nil {
		t.Fatal(err)
	}
	again, err := e.store.LoadArchivedConsultation(context.Background(), seed.Consultation())
	if err != nil || again {
		t.Fatalf("loaded twice: %v %v", again, err)
	}
	public := e.client("")
	var pub consultations.PublicConsultation
	e.json(public, "GET", "/api/v1/public/consultations/"+seed.ConsultationSlug, "", http.StatusOK, &pub)
	if pub.Phase != domain.ConsultationArchived || pub.Accepting || len(pub.Sections) != 40 || !pub.Reported {
		t.Fatalf("seed consultation %+v", pub.Phase)
	}
	p := problem(t, e.do(public, "POST", "/api/v1/public/consultations/"+seed.ConsultationSlug+"/codes", `{"contact":"a@example.cn"}`), http.StatusConflict)
	if !strings.Contains(p.Detail+p.Title, "2018-09-29 09:27") {
		t.Fatalf("refusal %+v", p)
	}
	var rep consultations.Report
	e.json(public, "GET", "/api/v1/public/consultations/"+seed.ConsultationSlug+"/report", "", http.StatusOK, &rep)
	if rep.Report.Summary == "" || len(rep.Comments) != 0 {
		t.Fatalf("seed report %+v", rep.Report)
	}
}

// uploadConsultationFile uploads a file of a consultation as its office;
// revised marks the revised draft.
func (e *env) uploadConsultationFile(c *http.Client, slug, name, content string, revised bool) int64 {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if revised {
		_ = mw.WriteField("revised", "true")
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/consultations/"+slug+"/files", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var f domain.ConsultationFile
	if resp.StatusCode != http.StatusCreated || jsonDecode(resp.Body, &f) != nil || f.Revised != revised {
		e.t.Fatalf("upload: %d %+v", resp.StatusCode, f)
	}
	return f.ID
}

// waitTask waits until a task has a status.
func (e *env) waitTask(c *http.Client, id int64, status string) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got taskOut
		e.json(c, "GET", fmt.Sprintf("/api/v1/tasks/%d", id), "", http.StatusOK, &got)
		if got.Status == status {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("task %d is %s, never %s", id, got.Status, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
