package webui_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
)

// ocLocal is a time as a datetime-local input writes it, in Beijing time.
func ocLocal(t time.Time) string { return t.In(calendar.Location).Format("2006-01-02T15:04") }

// ocUser adds a person of the stack with one grant.
func (e *consultationEnv) ocUser(name string, g domain.Grant) {
	e.t.Helper()
	u, err := e.auth.CreateUser(context.Background(), auth.System, domain.NewUser{Username: name, DisplayName: name, Password: meetingPassword,
		Grants: []domain.Grant{g}}, auth.Meta{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.users[name] = u
}

// ocComment puts a public comment in through the service: a code to the
// contact, its verification, the comment.
func (e *consultationEnv) ocComment(slug, contact string, in domain.NewComment) domain.ConsultationComment {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.svc.RequestCode(ctx, slug, contact, "192.0.2.7"); err != nil {
		e.t.Fatal(err)
	}
	v, err := e.svc.Verify(ctx, slug, contact, e.codes.code(contact), "192.0.2.7")
	if err != nil {
		e.t.Fatal(err)
	}
	k, err := e.svc.Comment(ctx, slug, v.Token, in, "192.0.2.7")
	if err != nil {
		e.t.Fatal(err)
	}
	return k
}

// ocComments are a consultation's comments as its office reads them.
func (e *consultationEnv) ocComments(slug string, unreplied bool) []domain.ConsultationComment {
	e.t.Helper()
	cs, err := e.svc.Comments(context.Background(), e.users["kj.office"], slug, postgres.CommentFilter{UnrepliedOnly: unreplied})
	if err != nil {
		e.t.Fatal(err)
	}
	return cs
}

// ocGet reads a consultation's live state as its office.
func (e *consultationEnv) ocGet(slug string) domain.Consultation {
	e.t.Helper()
	c, err := e.svc.Get(context.Background(), e.users["kj.office"], slug)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// ocWaitDept waits until a consulted department's answer is in.
func (e *consultationEnv) ocWaitDept(slug string, dept domain.Code, status string) domain.Consultation {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		c := e.ocGet(slug)
		if d := c.Department(dept); d != nil && d.Status == status {
			return c
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s never %s on %s: %+v", dept, status, slug, c.Departments)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ocUpload sends the manage page's upload form as a browser does.
func (e *consultationEnv) ocUpload(slug, user, name string, data []byte, revised bool) *httptest.ResponseRecorder {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if revised {
		if err := mw.WriteField("revised", "true"); err != nil {
			e.t.Fatal(err)
		}
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			e.t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	e.do("GET", "/", user, nil) // signs in
	r := httptest.NewRequest("POST", "/consultations/"+slug+"/manage/files", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	for _, c := range e.cookies[user] {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// ocSeeOther posts a form that must succeed and go to a page.
func (e *consultationEnv) ocSeeOther(path, user, to string, kv ...string) {
	e.t.Helper()
	w := e.do("POST", path, user, formOf(kv...))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != to {
		e.t.Fatalf("POST %s as %s: %d to %q, want 303 to %q\n%s", path, user, w.Code, w.Header().Get("Location"), to, fieldErrors(w.Body.String()))
	}
}

// ocTextarea returns the text a textarea shows, by its id.
func ocTextarea(body, id string) string {
	m := regexp.MustCompile(`(?s)<textarea id="` + regexp.QuoteMeta(id) + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// ocChecked reports whether a checkbox of a name and value is ticked.
func ocChecked(body, name, value string) bool {
	return regexp.MustCompile(`<input type="checkbox" name="` + regexp.QuoteMeta(name) + `" value="` + regexp.QuoteMeta(value) + `" checked>`).MatchString(body)
}

// ocPublishForm is a good publication form, open now for an hour.
func ocPublishForm(slug string, now time.Time, kv ...string) []string {
	return append([]string{"slug", slug, "title", "湘潭市科技创新券管理办法（征求意见稿）", "notice", "现公开征求社会各界意见。",
		"committee", "science",
		"sections", "总则\r\n为规范科技创新券管理，制定本办法。\r\n\r\n\r\n适用范围\r\n本办法适用于本市中小微企业。\r\n多行正文。\r\n\r\n附则",
		"opens_at", ocLocal(now.Add(-time.Minute)), "closes_at", ocLocal(now.Add(2 * time.Hour)), "feedback_due_at", "",
		"contact.office", "市科技局办公室", "contact.phone", "0731-58570297", "contact.email", "kjj@example.cn",
		"contact.address", "湘潭市政府大楼1405-1号", "contact.postcode", "411104", "departments", "finance", "departments", "tax",
		"reply_days", "12"}, kv...)
}

// ocWithField replaces a field's values in a form's pairs.
func ocWithField(kv []string, name string, vals ...string) []string {
	var out []string
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i] != name {
			out = append(out, kv[i], kv[i+1])
		}
	}
	for _, v := range vals {
		out = append(out, name, v)
	}
	return out
}

// TestConsultOfficePublishing publishes a draft through the office's
// form: the menu leads there; a bad form is refused field by field — a
// section's message on the sections with its block's number, the
// window's and the contact's beside their inputs — with everything typed
// kept and nothing created; a good one lands on the manage page with its
// sections numbered 1, 2, 3; the same address again is the conflict; a
// liaison and a user of another committee are refused.
func TestConsultOfficePublishing(t *testing.T) {
	e := newConsultationEnv(t)
	const office = "kj.office"
	e.ocUser("wh.office", domain.Grant{Role: domain.RoleOffice, Committee: "culture"})
	nav := regexp.MustCompile(`(?s)<nav class="site-nav".*?</nav>`)
	for user, want := range map[string]bool{office: true, "kj.convener": true, "wh.office": true, "cz.liaison": false} {
		menu := nav.FindString(e.get("/", user))
		if got := strings.Contains(menu, `href="/office/consultations"`); got != want {
			t.Errorf("%s: office menu entry %v, want %v", user, got, want)
		}
		if !strings.Contains(menu, `href="/consultations"`) {
			t.Errorf("%s: no public consultations entry", user)
		}
	}
	if w := e.do("GET", "/login", "", nil); !strings.Contains(w.Body.String(), `href="/consultations"`) {
		t.Error("signed out: no link to the public consultations")
	}

	list := e.get("/office/consultations", office)
	wantContains(t, list, `href="/office/consultations/new"`, `aria-current="page">征求意见<`)
	if w := e.do("GET", "/office/consultations", "cz.liaison", nil); w.Code != http.StatusForbidden {
		t.Errorf("the liaison's list: %d", w.Code)
	}
	if w := e.do("GET", "/office/consultations/new", "kj.convener", nil); w.Code != http.StatusForbidden {
		t.Errorf("the convener's publication form: %d", w.Code)
	}
	if body := e.get("/office/consultations", "kj.convener"); strings.Contains(body, `href="/office/consultations/new"`) {
		t.Error("the convener is offered the publication form")
	}

	form := e.get("/office/consultations/new", office)
	wantContains(t, form, `action="/office/consultations/new"`, `<input type="hidden" name="committee" value="science">`,
		`type="datetime-local"`, "条目按顺序自动编号为 1、2、3", `name="departments" value="finance"`, "市财政局")
	if strings.Contains(form, `value="culture-bureau"`) {
		t.Error("a department outside the science meeting is offered")
	}
	if inputValue(form, "publish-reply_days") != "10" || inputValue(form, "publish-opens_at") == "" {
		t.Errorf("defaults: reply days %q, opens %q", inputValue(form, "publish-reply_days"), inputValue(form, "publish-opens_at"))
	}

	// A bad form: every message beside its input, everything kept, nothing
	// created.
	now := time.Now()
	bad := ocPublishForm("tech-vouchers", now)
	bad = ocWithField(bad, "title", " ")
	bad = ocWithField(bad, "sections", "总则\n正文\n\n"+strings.Repeat("长", domain.MaxTitleChars+1)+"\n正文二")
	bad = ocWithField(bad, "closes_at", "明天")
	bad = ocWithField(bad, "contact.office", "")
	bad = ocWithField(bad, "contact.email", "不是邮箱")
	bad = ocWithField(bad, "departments", "finance", "finance")
	body := e.post("/office/consultations/new", office, http.StatusUnprocessableEntity, bad...)
	for id, want := range map[string]string{
		"publish-title":          "必须填写。",
		"publish-sections":       "第 2 段：不能超过 200 个字符。",
		"publish-closes_at":      "请输入日期和时间，例如 2026-06-18 09:30。",
		"publish-contact-office": "必须填写。",
		"publish-contact-email":  "请填写有效的电子邮箱地址。",
		"publish-departments":    "“finance”重复。",
	} {
		if got := fieldError(body, id); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	if got := alertOf(body); got != "输入有误,请按提示修改。" {
		t.Errorf("alert %q", got)
	}
	if inputValue(body, "publish-slug") != "tech-vouchers" || inputValue(body, "publish-contact-phone") != "0731-58570297" ||
		inputValue(body, "publish-closes_at") != "明天" || !strings.Contains(ocTextarea(body, "publish-sections"), "正文二") ||
		!ocChecked(body, "departments", "finance") || ocChecked(body, "departments", "tax") {
		t.Error("the refused form lost what was typed")
	}
	if _, err := e.svc.Get(context.Background(), e.users[office], "tech-vouchers"); domain.KindOf(err) != domain.KindNotFound {
		t.Fatalf("a refused form created the consultation: %v", err)
	}
	// The window's order named by its labels, not the domain's fields.
	body = e.post("/office/consultations/new", office, http.StatusUnprocessableEntity,
		ocWithField(ocPublishForm("tech-vouchers", now), "feedback_due_at", ocLocal(now.Add(time.Hour)))...)
	if got := fieldError(body, "publish-feedback_due_at"); got != "不能早于 截止时间。" {
		t.Errorf("feedback before the close: %q", got)
	}

	// A good form: the manage page.
	e.ocSeeOther("/office/consultations/new", office, "/consultations/tech-vouchers/manage?done=publish", ocPublishForm("tech-vouchers", now)...)
	c := e.ocGet("tech-vouchers")
	if len(c.Sections) != 3 || c.Sections[0] != (domain.DraftSection{Key: "1", Heading: "总则", Body: "为规范科技创新券管理，制定本办法。"}) ||
		c.Sections[1] != (domain.DraftSection{Key: "2", Heading: "适用范围", Body: "本办法适用于本市中小微企业。\n多行正文。"}) ||
		c.Sections[2] != (domain.DraftSection{Key: "3", Heading: "附则"}) {
		t.Errorf("sections %+v", c.Sections)
	}
	if c.Committee != "science" || c.ReplyDays != 12 || c.Contact.Office != "市科技局办公室" || c.Contact.Postcode != "411104" ||
		len(c.Departments) != 2 || c.Departments[0].Department != "finance" || c.Departments[1].Department != "tax" {
		t.Errorf("published %+v", c)
	}
	if ocLocal(c.OpensAt) != ocLocal(now.Add(-time.Minute)) || !c.FeedbackDueAt.Equal(c.ClosesAt) {
		t.Errorf("window %v–%v, feedback %v", c.OpensAt, c.ClosesAt, c.FeedbackDueAt)
	}
	page := e.get("/consultations/tech-vouchers/manage?done=publish", office)
	wantContains(t, page, "已发布征求意见稿。", "湘潭市科技创新券管理办法（征求意见稿）", "2 适用范围", `href="/consultations/tech-vouchers"`, "市财政局", "市税务局")

	// The same address again.
	body = e.post("/office/consultations/new", office, http.StatusConflict, ocPublishForm("tech-vouchers", now)...)
	if got := alertOf(body); !strings.Contains(got, "已有链接名为“tech-vouchers”的征求意见") {
		t.Errorf("the same slug again: %q", got)
	}
	// Another committee's office cannot publish for science.
	if w := e.do("POST", "/office/consultations/new", "wh.office", formOf(ocPublishForm("culture-draft", now)...)); w.Code != http.StatusForbidden {
		t.Errorf("culture's office published for science: %d", w.Code)
	}

	// The list: the new one with its phase, window and links.
	list = e.get("/office/consultations", office)
	wantContains(t, list, `href="/consultations/tech-vouchers/manage"`, `href="/consultations/tech-vouchers"`, "湘潭市科技创新券管理办法")
	if !strings.Contains(list, "征集意见中") && !strings.Contains(list, "即将开始") {
		t.Error("no phase on the list")
	}
	if strings.Contains(e.get("/office/consultations", "wh.office"), "tech-vouchers") {
		t.Error("culture's office sees science's consultation")
	}

	// Withdrawal: a reason is required.
	manage := "/consultations/tech-vouchers/manage"
	body = e.post(manage+"/cancel", office, http.StatusUnprocessableEntity, "reason", " ")
	if fieldError(body, "cancel-reason") != "必须填写。" {
		t.Errorf("cancel without a reason: %s", fieldErrors(body))
	}
	if w := e.do("POST", manage+"/cancel", "wh.office", formOf("reason", "x")); w.Code != http.StatusForbidden {
		t.Errorf("culture's office withdrew science's draft: %d", w.Code)
	}
	e.ocSeeOther(manage+"/cancel", office, manage+"?done=cancel", "reason", "政策调整")
	page = e.get(manage+"?done=cancel", office)
	wantContains(t, page, "征求意见已撤回。", "已撤回", "政策调整")
	if hasForm(page, manage+"/cancel") || hasForm(page, manage+"/files") {
		t.Error("forms offered on a withdrawn consultation")
	}
	// The seed's archived consultation has its manage page too.
	seeded := e.get("/consultations/"+seed.ConsultationSlug+"/manage", office)
	wantContains(t, seeded, "已归档", `href="/consultations/`+seed.ConsultationSlug+`/report"`)
	if hasForm(seeded, "/consultations/"+seed.ConsultationSlug+"/manage/cancel") {
		t.Error("an archived consultation offers its withdrawal")
	}
	for _, path := range []string{"/office/consultations", "/office/consultations/new", manage, "/consultations/" + seed.ConsultationSlug + "/manage"} {
		ocComplete(t, path, func(lang string) string { return e.get(path+"?lang="+lang, office) })
	}
}

// ocComplete is wantComplete with the consultation's keys too: no bare
// key, no unfilled placeholder, in either language.
func ocComplete(t *testing.T, path string, read func(lang string) string) {
	t.Helper()
	wantComplete(t, path, read)
	keyish := regexp.MustCompile(`>\s*consultation\.[a-z_.]+\s*<`)
	for _, lang := range []string{"zh", "en"} {
		if m := keyish.FindString(read(lang)); m != "" {
			t.Errorf("%s in %s: untranslated %s", path, lang, m)
		}
	}
}

// TestConsultOfficeManagePage: the manage page lists the public's comments
// with their contacts to the office and the convener (who has no forms),
// and is the forbidden page to a liaison and to another committee; a reply
// not adopted without its reason is refused at that comment with nothing
// stored; the report is refused while a comment is unreplied, the message
// on the page; a revised draft uploaded is offered in the report's form,
// an attachment is not; once every comment has its reply the report is
// published with it.
func TestConsultOfficeManagePage(t *testing.T) {
	e := newConsultationEnv(t)
	const office, slug = "kj.office", "replies"
	manage := "/consultations/" + slug + "/manage"
	e.ocUser("wh.office", domain.Grant{Role: domain.RoleOffice, Committee: "culture"})
	now := time.Now()
	closes := now.Add(5 * time.Second)
	e.publish(slug, now.Add(-time.Minute), closes, closes)
	e.waitPhase(slug, domain.ConsultationOpen)
	onSection := e.ocComment(slug, "zhang@example.cn", domain.NewComment{Section: "s2", Body: "建议明确人才公寓的申请条件。", Name: "张三"})
	whole := e.ocComment(slug, "13807320000", domain.NewComment{Body: "建议增加对中小企业的支持。"})

	page := e.get(manage, office)
	wantContains(t, page, "建议明确人才公寓的申请条件。", "张三", "zhang@example.cn", "13807320000", "s2 完善科技创新人才服务支持体系",
		"全文", "未署名", `id="comment-`+strconv.FormatInt(whole.ID, 10)+`"`)
	if !hasForm(page, manage+"/comments/"+strconv.FormatInt(onSection.ID, 10)+"/reply") || !hasForm(page, manage+"/files") {
		t.Error("the office has no reply or upload form")
	}
	if hasForm(page, manage+"/report") || !strings.Contains(page, "意见征集截止后才能公布采纳情况。") {
		t.Error("the report offered while the window is open")
	}
	conv := e.get(manage, "kj.convener")
	wantContains(t, conv, "zhang@example.cn", "建议增加对中小企业的支持。")
	if hasForm(conv, manage+"/comments/"+strconv.FormatInt(onSection.ID, 10)+"/reply") || hasForm(conv, manage+"/cancel") {
		t.Error("the convener is offered the office's forms")
	}
	for _, user := range []string{"cz.liaison", "wh.office"} {
		w := e.do("GET", manage, user, nil)
		if w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), "zhang@example.cn") {
			t.Errorf("%s read the manage page: %d", user, w.Code)
		}
		if w := e.do("POST", manage+"/comments/"+strconv.FormatInt(whole.ID, 10)+"/reply", user, formOf("status", "adopted")); w.Code != http.StatusForbidden {
			t.Errorf("%s replied: %d", user, w.Code)
		}
	}

	// Not adopted without a reason: refused at that comment.
	replyURL := func(k domain.ConsultationComment) string {
		return manage + "/comments/" + strconv.FormatInt(k.ID, 10) + "/reply"
	}
	form := "reply-" + strconv.FormatInt(whole.ID, 10)
	body := e.post(replyURL(whole), office, http.StatusUnprocessableEntity, "status", "not_adopted", "reply", "  ")
	if got := fieldError(body, form+"-reply"); got != "不予采纳时必须说明理由。" {
		t.Errorf("not adopted without a reason: %q\n%s", got, fieldErrors(body))
	}
	if selected(body, form+"-status") != "not_adopted" || fieldError(body, "reply-"+strconv.FormatInt(onSection.ID, 10)+"-reply") != "" {
		t.Error("the refusal is not at its comment")
	}
	if n := len(e.ocComments(slug, true)); n != 2 {
		t.Fatalf("a refused reply was stored: %d unreplied", n)
	}
	e.ocSeeOther(replyURL(onSection), office, manage+"?done=reply#comment-"+strconv.FormatInt(onSection.ID, 10), "status", "adopted",
		"reply", "已在第二条中明确。")
	page = e.get(manage+"?unreplied=1", office)
	if !strings.Contains(page, "建议增加对中小企业的支持。") || strings.Contains(page, "建议明确人才公寓的申请条件。") {
		t.Error("the unreplied filter")
	}
	page = e.get(manage, office)
	wantContains(t, page, "已在第二条中明确。", `<span class="status idea-status-eligible">采纳</span>`)
	if selected(page, "reply-"+strconv.FormatInt(onSection.ID, 10)+"-status") != "adopted" {
		t.Error("the reply's form does not show the reply given")
	}

	// Files: a revised draft and an attachment; only the first is offered
	// for the report.
	if w := e.ocUpload(slug, office, "", nil, true); w.Code != http.StatusUnprocessableEntity || fieldError(w.Body.String(), "upload-file") != "必须填写。" {
		t.Errorf("an upload without its file: %d %s", w.Code, fieldErrors(w.Body.String()))
	}
	if w := e.ocUpload(slug, office, "修改稿.pdf", []byte("%PDF-1.4\n修改稿\n%%EOF\n"), true); w.Code != http.StatusSeeOther {
		t.Fatalf("the revised draft: %d %s", w.Code, fieldErrors(w.Body.String()))
	}
	if w := e.ocUpload(slug, office, "起草说明.txt", []byte("起草说明"), false); w.Code != http.StatusSeeOther {
		t.Fatalf("the attachment: %d %s", w.Code, fieldErrors(w.Body.String()))
	}
	if w := e.ocUpload(slug, "wh.office", "x.txt", []byte("x"), false); w.Code != http.StatusForbidden {
		t.Errorf("culture's office uploaded: %d", w.Code)
	}
	pub, err := e.svc.Public(context.Background(), slug)
	if err != nil || len(pub.Files) != 2 {
		t.Fatalf("files %+v %v", pub.Files, err)
	}
	var revised, attachment domain.ConsultationFile
	for _, f := range pub.Files {
		if f.Revised {
			revised = f
		} else {
			attachment = f
		}
	}
	if revised.Name != "修改稿.pdf" || attachment.Name != "起草说明.txt" {
		t.Fatalf("files %+v", pub.Files)
	}
	fileURL := manage + "/files/" + strconv.FormatInt(revised.ID, 10)
	if w := e.do("GET", fileURL, office, nil); w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment") ||
		!strings.HasPrefix(w.Body.String(), "%PDF") {
		t.Errorf("the file's download: %d %q", w.Code, w.Header().Get("Content-Disposition"))
	}

	// The window closes: the report's form, refused while a comment waits.
	e.waitPhase(slug, domain.ConsultationReplying)
	page = e.get(manage, office)
	if !hasForm(page, manage+"/report") {
		t.Fatalf("no report form once the window closed: %s", fieldErrors(page))
	}
	report := between(page, `<form method="post" action="`+manage+`/report"`, "</form>")
	if !strings.Contains(report, `<option value="`+strconv.FormatInt(revised.ID, 10)+`" selected>修改稿.pdf</option>`) ||
		strings.Contains(report, "起草说明.txt") {
		t.Errorf("the report's revised drafts: %s", report)
	}
	body = e.post(manage+"/report", office, http.StatusConflict, "summary", "共收到意见 2 条。", "revised_draft", strconv.FormatInt(revised.ID, 10))
	if got := alertOf(body); got != "还有 1 条意见未答复，全部答复后才能公布采纳情况。" {
		t.Errorf("the report with a comment unreplied: %q", got)
	}
	if ocTextarea(body, "report-summary") != "共收到意见 2 条。" {
		t.Error("the refused report lost its summary")
	}
	body = e.post(manage+"/report", office, http.StatusUnprocessableEntity, "revised_draft", strconv.FormatInt(attachment.ID, 10))
	if got := fieldError(body, "report-revised_draft"); !strings.Contains(got, "不是本次征求意见上传的修改稿") {
		t.Errorf("an attachment as the revised draft: %q", got)
	}
	if e.ocGet(slug).Phase != domain.ConsultationReplying {
		t.Fatal("a refused report changed the phase")
	}

	// The last reply, then the report.
	e.ocSeeOther(replyURL(whole), office, manage+"?done=reply#comment-"+strconv.FormatInt(whole.ID, 10), "status", "not_adopted",
		"reply", "已有专项政策。")
	e.ocSeeOther(manage+"/report", office, manage+"?done=report", "summary", "共收到意见 2 条，采纳 1 条。", "revised_draft", strconv.FormatInt(revised.ID, 10))
	c := e.ocGet(slug)
	if c.Phase != domain.ConsultationReported || c.Report == nil || c.Report.RevisedDraft != revised.ID || c.Report.Counts.Adopted != 1 {
		t.Fatalf("after the report: %s %+v", c.Phase, c.Report)
	}
	page = e.get(manage+"?done=report", office)
	wantContains(t, page, "意见采纳情况已公布。", "共收到意见 2 条，采纳 1 条。", `href="/consultations/`+slug+`/report"`, "<p>修改稿:修改稿.pdf</p>")
	if hasForm(page, replyURL(whole)) || hasForm(page, manage+"/report") {
		t.Error("forms offered after the report")
	}
	list := e.get("/office/consultations", office)
	wantContains(t, list, "采纳情况已公布", `href="/consultations/`+slug+`/report"`)
	for _, path := range []string{manage, manage + "?unreplied=1"} {
		ocComplete(t, path, func(lang string) string {
			return e.get(path+map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")]+"lang="+lang, office)
		})
	}
}

// TestConsultOfficeDepartmentComments: the finance liaison
// comments through the task page, paragraphs with section keys, and the
// ocComments are on the manage page as the department's; on another draft
// "no comments" alone is the answer.
func TestConsultOfficeDepartmentComments(t *testing.T) {
	e := newConsultationEnv(t)
	const office = "kj.office"
	now := time.Now()
	e.publish("dept-comments", now.Add(-time.Minute), now.Add(time.Hour), now.Add(2*time.Hour), "finance")
	e.publish("dept-none", now.Add(-time.Minute), now.Add(time.Hour), now.Add(2*time.Hour), "finance")
	e.publish("dept-pending", now.Add(-time.Minute), now.Add(4*time.Second), now.Add(2*time.Hour), "finance")
	c := e.waitPhase("dept-comments", domain.ConsultationOpen)
	task := fmt.Sprintf("/tasks/%d", c.Departments[0].TaskID)

	page := e.get("/consultations/dept-comments/manage", office)
	wantContains(t, page, "待反馈", `href="`+task+`"`)
	taskPage := e.get(task, "cz.liaison")
	wantContains(t, taskPage, `name="values.comments"`, `name="values.no_comments"`)
	e.post(task+"/submit", "cz.liaison", http.StatusSeeOther, "values.comments",
		"同意总体框架。\r\n\r\ns2：建议明确人才公寓资金来源。\r\n\r\ns3: 建议每季度召开一次。")
	c = e.ocWaitDept("dept-comments", "finance", domain.DeptCommentSubmitted)
	if d := c.Department("finance"); d.Comments != 3 || c.Counts.Department != 3 {
		t.Errorf("finance's answer %+v, counts %+v", d, c.Counts)
	}
	page = e.get("/consultations/dept-comments/manage", office)
	wantContains(t, page, "已提意见", "部门意见：市财政局", "同意总体框架。", "建议明确人才公寓资金来源。", "s2 完善科技创新人才服务支持体系",
		"s3 建立市科技创新工作联席会议制度", "建议每季度召开一次。")
	if n := strings.Count(page, "部门意见：市财政局"); n != 3 {
		t.Errorf("%d department comments shown, want 3", n)
	}
	ks := e.ocComments("dept-comments", false)
	if len(ks) != 3 || ks[1].Department != "finance" || ks[1].Section != "s2" || ks[0].Section != "" {
		t.Errorf("stored %+v", ks)
	}

	n := e.waitPhase("dept-none", domain.ConsultationOpen)
	none := fmt.Sprintf("/tasks/%d", n.Departments[0].TaskID)
	body := e.post(none+"/submit", "cz.liaison", http.StatusUnprocessableEntity, "values.comments", "建议。", "values.no_comments", "true")
	if !strings.Contains(fieldErrors(body), "请至少提出一条意见，或勾选“无意见”") {
		t.Errorf("comments and no comments together: %s", fieldErrors(body))
	}
	e.post(none+"/submit", "cz.liaison", http.StatusSeeOther, "values.no_comments", "true")
	e.ocWaitDept("dept-none", "finance", domain.DeptCommentNone)
	page = e.get("/consultations/dept-none/manage", office)
	wantContains(t, page, `<span class="status dept-status-no_comment">无意见</span>`, "还没有意见。")
	if len(e.ocComments("dept-none", false)) != 0 {
		t.Error("no comments filed comments")
	}

	// The window closed, finance's feedback still due: the report waits.
	e.waitPhase("dept-pending", domain.ConsultationReplying)
	body = e.post("/consultations/dept-pending/manage/report", office, http.StatusConflict, "summary", "未收到意见。")
	if got := alertOf(body); got != "还有 1 个部门未反馈意见，反馈截止后才能公布采纳情况。" {
		t.Errorf("the report with a department pending: %q", got)
	}
	if e.ocGet("dept-pending").Phase != domain.ConsultationReplying {
		t.Error("a refused report changed the phase")
	}
}
