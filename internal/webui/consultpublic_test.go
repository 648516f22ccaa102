package webui_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/httpapi"
	"lianxi/internal/postgres"
	"lianxi/internal/seed"
	"lianxi/workflows"
)

// pubVerify goes through the draft page's code and verify steps
// for a contact and returns the cookie they leave.
func (e *consultationEnv) pubVerify(slug, contact string) *http.Cookie {
	e.t.Helper()
	base := "/consultations/" + slug
	w := e.public("POST", base+"/code", formOf("contact", contact), nil)
	b := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(b, "验证码已发送至") || !hasForm(b, base+"/verify") {
		e.t.Fatalf("code to %s: %d\n%s", contact, w.Code, fieldErrors(b))
	}
	if got := inputValue(b, "contact-verify-contact"); got != contact {
		e.t.Errorf("the code step shows the contact %q, want %q", got, contact)
	}
	norm, _, err := domain.NormaliseContact("contact", contact)
	if err != nil {
		e.t.Fatal(err)
	}
	w = e.public("POST", base+"/verify", formOf("contact", contact, "code", e.codes.code(norm)), nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != base+"?done=verified#comment" {
		e.t.Fatalf("verify %s: %d to %q\n%s", contact, w.Code, w.Header().Get("Location"), fieldErrors(w.Body.String()))
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == httpapi.CommenterCookie {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" || c.Value == "" || c.Expires.Before(time.Now().Add(24*time.Hour)) {
				e.t.Fatalf("commenter cookie %+v", c)
			}
			return c
		}
	}
	e.t.Fatalf("verify %s set no %s cookie", contact, httpapi.CommenterCookie)
	return nil
}

// page reads a public page (with the commenter's cookie, if any) and
// fails unless it answers the status wanted.
func (e *consultationEnv) pubPage(path string, cookie *http.Cookie, status int) string {
	e.t.Helper()
	w := e.public("GET", path, nil, cookie)
	if w.Code != status {
		e.t.Fatalf("GET %s: %d, want %d\n%s", path, w.Code, status, fieldErrors(w.Body.String()))
	}
	return w.Body.String()
}

// pubOfficeComments are a consultation's comments as its office sees them,
// with the contacts.
func (e *consultationEnv) pubOfficeComments(slug string) []domain.ConsultationComment {
	e.t.Helper()
	cs, err := e.svc.Comments(context.Background(), e.users["kj.office"], slug, postgres.CommentFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return cs
}

// pubTextarea returns what a textarea shows, by its id.
func pubTextarea(body, id string) string {
	m := regexp.MustCompile(`(?s)<textarea id="` + regexp.QuoteMeta(id) + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// pubTag returns the opening tag of the element with an id.
func pubTag(body, id string) string {
	return regexp.MustCompile(`<[a-z]+ id="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(body)
}

// pubWantComplete looks for the marks of a forgotten translation on a
// public consultation page in both languages.
func pubWantComplete(t *testing.T, e *consultationEnv, path string, cookie *http.Cookie) {
	t.Helper()
	keyish := regexp.MustCompile(`>\s*(consultation|contest|form|error|validation)\.[a-z_.-]+\s*<`)
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	for _, lang := range []string{"zh", "en"} {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		w := e.public("GET", path+sep+"lang="+lang, nil, cookie)
		b := w.Body.String()
		if m := keyish.FindString(b); m != "" {
			t.Errorf("%s in %s: untranslated %s", path, lang, m)
		}
		if m := placeholder.FindString(b); m != "" {
			t.Errorf("%s in %s: unfilled %s", path, lang, m)
		}
		if !strings.Contains(b, `<html lang="`+map[string]string{"zh": "zh-CN", "en": "en"}[lang]+`">`) {
			t.Errorf("%s in %s: not in that language", path, lang)
		}
	}
}

// pubBeijing is a time as the pages and the service's messages show it.
func pubBeijing(t time.Time) string { return t.In(calendar.Location).Format("2006-01-02 15:04") }

// TestConsultationPagesForACitizen walks a citizen through a consultation
// on the public pages alone: the list and the draft with its countdown;
// the contact's verification (a wrong code refused beside its input);
// a comment on the whole draft and one on a section, which show under
// "my comments"; field errors (an empty comment, a section that is none)
// with what was typed kept and nothing stored; a comment without a
// verified contact refused. A department comments through its task. The
// window then closes by itself: a comment typed before and sent after is
// refused with the window's dates, the text kept in a form that no
// longer submits, nothing stored. The report is "not published" until
// the office has answered every comment and published it; then it shows
// the counts, the summary, the revised draft, the departments, every
// comment with its reply, and no contact anywhere; the commenter sees the
// replies under "my comments".
func TestConsultationPagesForACitizen(t *testing.T) {
	e := newConsultationEnv(t)
	ctx := context.Background()
	now := time.Now()
	opens, closes := now.Add(-time.Minute), now.Add(15*time.Second)
	e.publish("kj-2026", opens, closes, closes, "finance")
	c := e.waitPhase("kj-2026", domain.ConsultationOpen)
	base := "/consultations/kj-2026"
	att, err := e.svc.Upload(ctx, e.users["kj.office"], "kj-2026", "起草说明.txt", []byte("关于实施方案的起草说明"), false, auth.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	attURL := base + "/files/" + strconv.FormatInt(att.ID, 10)

	// The list: this one open, the seed's archived with its report.
	b := e.pubPage("/consultations", nil, http.StatusOK)
	wantContains(t, b, `href="`+base+`"`, "湘潭市推进科技创新常态化实施方案（征求意见稿）", "征集意见中", "阅读并提出意见",
		`href="/consultations/`+seed.ConsultationSlug+`/report"`, "已归档")
	pubWantComplete(t, e, "/consultations", nil)

	// The draft: sections with anchors, the window, the contact, the
	// countdown and its script, the verification's first step.
	b = e.pubPage(base, nil, http.StatusOK)
	for _, s := range c.Sections {
		wantContains(t, b, `id="section-`+s.Key+`"`, s.Heading, s.Body, `href="`+base+`?section=`+s.Key+`#comment"`)
	}
	wantContains(t, b, `<a href="`+attURL+`" download>起草说明.txt</a>`, "现将征求意见稿全文公布", pubBeijing(opens), pubBeijing(closes), "市科技局办公室", `href="tel:0731-58570297"`, "0731-58570300",
		"湘潭市政府大楼1405-1号", "411104", "距意见征集截止还有", `data-closed="意见征集已截止"`, `action="`+base+`/code"`)
	left := regexp.MustCompile(`data-seconds-left="(\d+)"`).FindStringSubmatch(b)
	if left == nil {
		t.Fatal("no countdown on the open draft")
	}
	if n, _ := strconv.Atoi(left[1]); n < 1 || n > 15 {
		t.Errorf("seconds left %d, want 1–15", n)
	}
	script := regexp.MustCompile(`<script src="(/static/countdown\.[0-9a-f]{8}\.js)" defer></script>`).FindStringSubmatch(b)
	if script == nil {
		t.Fatal("the draft does not load the countdown script")
	}
	w := e.public("GET", script[1], nil, nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") || !strings.Contains(w.Body.String(), "data-window-form") {
		t.Fatalf("countdown script: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	w = e.public("GET", attURL, nil, nil)
	if w.Code != http.StatusOK || w.Body.String() != "关于实施方案的起草说明" || !strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment") ||
		w.Header().Get("Content-Security-Policy") != "default-src 'none'; sandbox" {
		t.Fatalf("the draft's file: %d %q", w.Code, w.Header().Get("Content-Disposition"))
	}
	if hasForm(b, base+"/comments") || strings.Contains(b, `id="my-comments"`) {
		t.Error("the comment form or my comments shown before the contact is verified")
	}
	pubWantComplete(t, e, base, nil)

	// A comment without a verified contact: asked to verify, nothing stored.
	w = e.public("POST", base+"/comments", formOf("body", "无验证的意见"), nil)
	if w.Code != http.StatusUnauthorized || !strings.Contains(alertOf(w.Body.String()), "请先验证您的手机号码或电子邮箱") {
		t.Fatalf("unverified comment: %d %s", w.Code, alertOf(w.Body.String()))
	}

	// A wrong code is refused beside its input, the contact kept.
	e.public("POST", base+"/code", formOf("contact", "13800138000"), nil)
	w = e.public("POST", base+"/verify", formOf("contact", "13800138000", "code", "000000"), nil)
	b = w.Body.String()
	if w.Code < 400 || fieldErrors(b) == "" || inputValue(b, "contact-verify-contact") != "13800138000" {
		t.Fatalf("wrong code: %d %q contact %q", w.Code, fieldErrors(b), inputValue(b, "contact-verify-contact"))
	}
	cookie := e.pubVerify("kj-2026", "13800138000")

	// Verified: the comment form, the section chosen from a section's link.
	b = e.pubPage(base+"?done=verified", cookie, http.StatusOK)
	wantContains(t, b, "联系方式已验证，现在可以提出意见。", `action="`+base+`/comments"`, `id="my-comments"`, "您还没有提出意见。",
		`<option value="">全文</option>`, `<option value="s2">第 2 条：完善科技创新人才服务支持体系</option>`, `maxlength="5000"`)
	if got := selected(e.pubPage(base+"?section=s3", cookie, http.StatusOK), "comment-section"); got != "s3" {
		t.Errorf("a section's link chose %q, want s3", got)
	}
	pubWantComplete(t, e, base, cookie)

	// Field errors: beside their inputs, what was typed kept, nothing stored.
	w = e.public("POST", base+"/comments", formOf("section", "s2", "body", "  ", "name", "王五"), cookie)
	b = w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || fieldError(b, "comment-body") != "必须填写。" {
		t.Fatalf("empty comment: %d %q", w.Code, fieldErrors(b))
	}
	if !strings.Contains(pubTag(b, "comment-body"), `aria-invalid="true"`) || inputValue(b, "comment-name") != "王五" || selected(b, "comment-section") != "s2" {
		t.Errorf("the refused form: body tag %s, name %q, section %q", pubTag(b, "comment-body"), inputValue(b, "comment-name"), selected(b, "comment-section"))
	}
	typed := "建议第九条写明牵头单位。\n并列明时间表。"
	w = e.public("POST", base+"/comments", formOf("section", "s9", "body", typed), cookie)
	b = w.Body.String()
	if w.Code != http.StatusUnprocessableEntity || fieldError(b, "comment-section") != "征求意见稿中没有条目“s9”。" {
		t.Fatalf("unknown section: %d %q", w.Code, fieldErrors(b))
	}
	if got := pubTextarea(b, "comment-body"); got != typed {
		t.Errorf("the refused comment shows %q, want %q", got, typed)
	}
	if !strings.Contains(pubTag(b, "comment-section"), `aria-invalid="true"`) {
		t.Errorf("the section select is not marked invalid: %s", pubTag(b, "comment-section"))
	}
	w = e.public("POST", base+"/comments", formOf("body", strings.Repeat("长", domain.MaxCommentChars+1)), cookie)
	if w.Code != http.StatusUnprocessableEntity || fieldError(w.Body.String(), "comment-body") == "" {
		t.Fatalf("too long a comment: %d %q", w.Code, fieldErrors(w.Body.String()))
	}
	if n := len(e.pubOfficeComments("kj-2026")); n != 0 {
		t.Fatalf("%d comments stored from refused forms", n)
	}

	// Two comments: on the whole draft (no name) and on a section (named).
	for _, f := range []url.Values{formOf("section", "", "body", "建议增加对中小企业的支持。"),
		formOf("section", "s2", "body", "建议人才政策覆盖青年科技人员。", "name", "李四")} {
		w = e.public("POST", base+"/comments", f, cookie)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != base+"?done=commented#comment" {
			t.Fatalf("comment: %d to %q\n%s", w.Code, w.Header().Get("Location"), fieldErrors(w.Body.String()))
		}
	}
	b = e.pubPage(base+"?done=commented", cookie, http.StatusOK)
	mine := between(b, `id="my-comments"`, "</section>")
	wantContains(t, mine, "建议增加对中小企业的支持。", "建议人才政策覆盖青年科技人员。", `href="`+base+`#section-s2"`, "完善科技创新人才服务支持体系",
		"全文", "李四", "待答复")
	wantContains(t, b, "意见已提交，感谢您的参与！")
	wantNotContains(t, b, "13800138000", "138****8000")
	stored := e.pubOfficeComments("kj-2026")
	if len(stored) != 2 || stored[0].Section != "" || stored[1].Section != "s2" || stored[1].Name != "李四" || stored[0].Contact != "13800138000" {
		t.Fatalf("stored comments %+v", stored)
	}

	// Finance comments on a section through its task.
	financeTask := c.Departments[0].TaskID
	if _, err := e.tasks.Act(ctx, e.users["cz.liaison"], "", financeTask, workflows.UpdateSubmit, func(a workflows.Action) any {
		return workflows.SubmitRequest{Action: a, Values: map[string]any{"comments": []any{map[string]any{"section": "s3", "body": "建议明确联席会议的经费来源。"}}}}
	}); err != nil {
		t.Fatal(err)
	}

	// A comment typed before the close and sent after it.
	if !hasForm(e.pubPage(base, cookie, http.StatusOK), base+"/comments") {
		t.Fatal("no comment form while the window is open")
	}
	time.Sleep(time.Until(closes) + 100*time.Millisecond)
	late := "截止前写好、截止后才提交的意见。"
	w = e.public("POST", base+"/comments", formOf("section", "s1", "body", late, "name", "赵六"), cookie)
	b = w.Body.String()
	if w.Code != http.StatusConflict {
		t.Fatalf("late comment: %d\n%s", w.Code, fieldErrors(b))
	}
	wantContains(t, alertOf(b), "不在征求意见时间内", pubBeijing(opens), pubBeijing(closes))
	if got := pubTextarea(b, "comment-body"); got != late {
		t.Errorf("the late comment shows %q, want %q", got, late)
	}
	if inputValue(b, "comment-name") != "赵六" || selected(b, "comment-section") != "s1" {
		t.Errorf("the late form lost its name %q or section %q", inputValue(b, "comment-name"), selected(b, "comment-section"))
	}
	form := between(b, `id="comment-form"`, "</form>")
	if !strings.Contains(form, `<button type="submit" class="button primary" disabled>`) || !strings.Contains(pubTag(b, "comment-body"), "readonly") {
		t.Errorf("the closed form still submits:\n%s", form)
	}
	if strings.Contains(b, "countdown.") {
		t.Error("the countdown still runs on a closed draft")
	}
	// The code step after the close is refused the same way.
	w = e.public("POST", base+"/code", formOf("contact", "13900139000"), nil)
	if w.Code != http.StatusConflict || !strings.Contains(alertOf(w.Body.String()), pubBeijing(closes)) || inputValue(w.Body.String(), "contact-code-contact") != "13900139000" {
		t.Errorf("code after the close: %d %q", w.Code, alertOf(w.Body.String()))
	}
	e.waitPhase("kj-2026", domain.ConsultationReplying)
	b = e.pubPage(base, cookie, http.StatusOK)
	wantContains(t, b, "已截止 · 答复中", "意见征集已于 "+pubBeijing(closes)+" 截止", `id="my-comments"`)
	wantNotContains(t, b, `action="`+base+`/comments"`, `action="`+base+`/code"`, `id="countdown"`, late)
	stored = e.pubOfficeComments("kj-2026")
	if len(stored) != 3 {
		t.Fatalf("%d comments stored, want the 2 public and finance's", len(stored))
	}

	// Not published yet: a page that says so.
	b = e.pubPage(base+"/report", nil, http.StatusNotFound)
	wantContains(t, b, "意见采纳情况尚未公布", "起草单位正在逐条答复", `href="`+base+`"`)
	wantNotContains(t, b, "建议增加对中小企业的支持。")
	pubWantComplete(t, e, base+"/report", nil)

	// The office answers every comment, uploads the revised draft and
	// publishes the report.
	replies := map[string]domain.CommentReply{
		"建议增加对中小企业的支持。":   {Status: domain.ReplyAdopted, Reply: "已在第一条中增加相关内容。"},
		"建议人才政策覆盖青年科技人员。": {Status: domain.ReplyNotAdopted, Reply: "人才政策另行制定。"},
		"建议明确联席会议的经费来源。":  {Status: domain.ReplyPartly, Reply: "经费由市财政统筹。"},
	}
	for _, k := range stored {
		if _, err := e.svc.Reply(ctx, e.users["kj.office"], "kj-2026", k.ID, replies[k.Body], auth.Meta{}); err != nil {
			t.Fatalf("reply to %q: %v", k.Body, err)
		}
	}
	f, err := e.svc.Upload(ctx, e.users["kj.office"], "kj-2026", "修改稿.txt", []byte("修改后的实施方案全文"), true, auth.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e.pubPage(base, nil, http.StatusOK), "修改稿.txt") {
		t.Error("the revised draft shows on the draft's page before the report")
	}
	if _, err := e.svc.Act(ctx, e.users["kj.office"], "", "kj-2026", workflows.UpdatePublishReport, func(a workflows.Action) any {
		return workflows.PublishReportRequest{Action: a, PublishReport: domain.PublishReport{Summary: "共收到意见3条，采纳1条，部分采纳1条。", RevisedDraft: f.ID}}
	}); err != nil {
		t.Fatal(err)
	}

	b = e.pubPage(base+"/report", nil, http.StatusOK)
	counts := between(b, `class="counts consult-report-counts"`, "</ul>")
	for _, want := range []string{`<span class="count-n">3</span> 条意见`, `<span class="count-n">2</span> 条公众意见`, `<span class="count-n">1</span> 条部门意见`,
		`<span class="count-n">1</span> 条采纳`, `<span class="count-n">1</span> 条部分采纳`, `<span class="count-n">1</span> 条不予采纳`, `<span class="count-n">0</span> 条不属于`} {
		if !strings.Contains(counts, want) {
			t.Errorf("report counts lack %q:\n%s", want, counts)
		}
	}
	fileURL := base + "/files/" + strconv.FormatInt(f.ID, 10)
	wantContains(t, b, "共收到意见3条，采纳1条，部分采纳1条。", `href="`+fileURL+`"`, "修改稿.txt", "部门反馈情况", "市财政局", "已提出意见",
		"建议增加对中小企业的支持。", "已在第一条中增加相关内容。", "建议人才政策覆盖青年科技人员。", "人才政策另行制定。", "建议明确联席会议的经费来源。", "经费由市财政统筹。",
		`<span class="status reply-adopted">采纳</span>`, `<span class="status reply-not_adopted">不予采纳</span>`, `<span class="status reply-partly">部分采纳</span>`,
		`href="`+base+`#section-s2"`, `href="`+base+`#section-s3"`)
	comments := between(b, `id="comments"`, "</section>")
	if !strings.Contains(between(comments, `<li id="comment-`+strconv.FormatInt(stored[0].ID, 10)+`">`, "</li>"), `<span class="who">公众</span>`) {
		t.Errorf("an unnamed comment is not the public's:\n%s", comments)
	}
	for i, who := range map[int]string{1: "李四", 2: "市财政局"} {
		if !strings.Contains(between(comments, `<li id="comment-`+strconv.FormatInt(stored[i].ID, 10)+`">`, "</li>"), `<span class="who">`+who+`</span>`) {
			t.Errorf("comment %d is not %s's:\n%s", i, who, comments)
		}
	}
	wantNotContains(t, b, "13800138000", "138****8000", "13900139000", "kj.office")
	pubWantComplete(t, e, base+"/report", nil)
	w = e.public("GET", fileURL, nil, nil)
	if w.Code != http.StatusOK || w.Body.String() != "修改后的实施方案全文" || !strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment") ||
		w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("the revised draft: %d %q %q", w.Code, w.Header().Get("Content-Disposition"), w.Body.String())
	}
	if w := e.public("GET", base+"/files/999999", nil, nil); w.Code != http.StatusNotFound {
		t.Errorf("an unknown file: %d", w.Code)
	}

	// The draft now links the report; the commenter sees the replies.
	b = e.pubPage(base, cookie, http.StatusOK)
	wantContains(t, b, "采纳情况已公布", `href="`+base+`/report"`)
	mine = between(b, `id="my-comments"`, "</section>")
	wantContains(t, mine, "已在第一条中增加相关内容。", `<span class="status reply-adopted">采纳</span>`, "人才政策另行制定。", `<span class="status reply-not_adopted">不予采纳</span>`)
	wantNotContains(t, mine, "待答复", "建议明确联席会议的经费来源。")
}

// TestSeedConsultationPages shows the seed's archived consultation: the
// draft with its 40 sections, each with its anchor and no comment form,
// saying it is archived; its report with zero counts and the summary, in
// both languages. A code asked for outside the window is refused with the
// window's dates, and too many at once are answered 429 as the contest's
// pages answer them.
func TestSeedConsultationPages(t *testing.T) {
	e := newConsultationEnv(t)
	sc := seed.Consultation()
	base := "/consultations/" + seed.ConsultationSlug

	b := e.pubPage(base, nil, http.StatusOK)
	if n := strings.Count(b, `<li class="consult-section" id="section-`); n != 40 || len(sc.Sections) != 40 {
		t.Fatalf("%d sections shown, the seed has %d", n, len(sc.Sections))
	}
	for _, s := range sc.Sections {
		wantContains(t, b, `id="section-`+s.Key+`"`, `<a href="#section-`+s.Key+`">`, html.EscapeString(s.Heading))
	}
	wantContains(t, b, "已归档", "本次征求意见已结束并存档，意见征集已于 2018-09-29 09:27 截止。", "2018-09-26 09:27", "2018-09-29 17:30",
		"市科技局办公室", "0731-58570297", `href="`+base+`/report"`, "共 40 条")
	wantNotContains(t, b, `id="countdown"`, "countdown.", `action="`+base+`/comments"`, `action="`+base+`/code"`, "对本条提出意见", `id="comment"`)
	pubWantComplete(t, e, base, nil)
	en := e.pubPage(base+"?lang=en", nil, http.StatusOK)
	wantContains(t, en, "archived", "This consultation is over and archived", "Adoption report", "40 sections")

	b = e.pubPage(base+"/report", nil, http.StatusOK)
	wantContains(t, b, "<h1>意见采纳情况</h1>", html.EscapeString(sc.Title), "已归档", "本次征求意见已存档", html.EscapeString(strings.Split(sc.Report.Summary, " ")[0]),
		`<span class="count-n">0</span> 条意见`, "本次征求意见没有可公布的意见。")
	wantNotContains(t, b, "部门反馈情况")
	pubWantComplete(t, e, base+"/report", nil)

	// Outside the window, a code is refused with the window's dates, the
	// contact kept; the sixth in a minute from one address is 429.
	for i := range 5 {
		w := e.public("POST", base+"/code", formOf("contact", "13800000001"), nil)
		if w.Code != http.StatusConflict || !strings.Contains(alertOf(w.Body.String()), "2018-09-26 09:27 至 2018-09-29 09:27") ||
			inputValue(w.Body.String(), "contact-code-contact") != "13800000001" {
			t.Fatalf("code %d outside the window: %d %q", i, w.Code, alertOf(w.Body.String()))
		}
	}
	w := e.public("POST", base+"/code", formOf("contact", "13800000001"), nil)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(alertOf(w.Body.String()), "请求过于频繁") {
		t.Fatalf("too many codes: %d %q %q", w.Code, w.Header().Get("Retry-After"), alertOf(w.Body.String()))
	}

	// A consultation not yet open says when it opens; no form, no countdown.
	opens := time.Now().Add(time.Hour)
	e.publish("later-2026", opens, opens.Add(24*time.Hour), opens.Add(25*time.Hour))
	b = e.pubPage("/consultations/later-2026", nil, http.StatusOK)
	wantContains(t, b, "即将开始", "意见征集将于 "+pubBeijing(opens)+" 开始")
	wantNotContains(t, b, `id="countdown"`, `action="/consultations/later-2026/code"`, "对本条提出意见")
	wantContains(t, e.pubPage("/consultations", nil, http.StatusOK), `href="/consultations/later-2026"`, "即将开始")

	// Unknown consultations and files are the 404 page.
	for _, path := range []string{"/consultations/no-such-draft", "/consultations/no-such-draft/report", base + "/files/1", base + "/files/x"} {
		if w := e.public("GET", path, nil, nil); w.Code != http.StatusNotFound {
			t.Errorf("%s: %d", path, w.Code)
		}
	}
}
