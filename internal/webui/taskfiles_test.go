package webui_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"lianxi/internal/domain"
	"lianxi/internal/i18n"
)

func TestTaskComments(t *testing.T) {
	e := newTaskEnv(t)
	path := e.path("agenda")

	// Anyone who sees the task may comment: the office too.
	body := e.do(req{path: path, user: "kj.office"}).Body.String()
	wantContains(t, body, `<form method="post" action="`+path+`/comments"`, `<label for="comment-body">评论内容`, "暂无评论。")

	// An empty comment is refused beside its field.
	b, ct := form("body", "   ")
	w := e.do(req{method: "POST", path: path + "/comments", user: "cz.liaison", body: b, contentType: ct})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantContains(t, w.Body.String(), `<p class="field-error" id="comment-body-error">必须填写。</p>`, `aria-describedby="comment-body-error"`)
	wantNotContains(t, w.Body.String(), `id="contribute-body-error"`)

	// Added: back to the page, which shows it with its author.
	b, ct = form("body", "材料已收到,<请>核对页数")
	w = e.do(req{method: "POST", path: path + "/comments", user: "cz.liaison", body: b, contentType: ct})
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != path+"?done=comment" {
		t.Fatalf("redirect to %q", loc)
	}
	body = e.do(req{path: path + "?done=comment", user: "kj.office"}).Body.String()
	wantContains(t, body, `<p class="notice" role="status">评论已发表。</p>`, "<strong>cz.liaison</strong>", "材料已收到,&lt;请&gt;核对页数", "2026-06-10 15:00")
	wantNotContains(t, body, "暂无评论。")
	body = e.do(req{path: path, user: "kj.office", lang: i18n.EN}).Body.String()
	wantContains(t, body, "Comments", "Add comment")

	// Another department's task: refused.
	b, ct = form("body", "x")
	wantStatus(t, e.do(req{method: "POST", path: e.path("culture") + "/comments", user: "cz.liaison", body: b, contentType: ct}), http.StatusForbidden)
}

func TestTaskAttachments(t *testing.T) {
	e := newTaskEnv(t)
	path := e.path("agenda")

	body := e.do(req{path: path, user: "cz.liaison"}).Body.String()
	wantContains(t, body, `action="`+path+`/attachments" enctype="multipart/form-data"`, `<input id="attach-file" name="file" type="file"`, "暂无附件。")

	// A file whose type is not accepted: the message is at the field.
	b, ct := upload(t, "file", "setup.exe", []byte("MZ\x90\x00"))
	w := e.do(req{method: "POST", path: path + "/attachments", user: "cz.liaison", body: b, contentType: ct})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantContains(t, w.Body.String(), `<p class="field-error" id="attach-file-error">只接受这些文件类型`, `aria-invalid="true" aria-describedby="attach-file-error attach-file-hint"`)
	// Content that does not match the name.
	b, ct = upload(t, "file", "fake.pdf", []byte("just text"))
	w = e.do(req{method: "POST", path: path + "/attachments", user: "cz.liaison", body: b, contentType: ct, lang: i18n.EN})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantContains(t, w.Body.String(), `id="attach-file-error">`)
	// Not multipart at all.
	b, ct = form("file", "x")
	wantStatus(t, e.do(req{method: "POST", path: path + "/attachments", user: "cz.liaison", body: b, contentType: ct}), http.StatusUnsupportedMediaType)

	// Uploaded, listed and downloaded as it was sent.
	content := []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")
	sum := sha256.Sum256(content)
	digest := hex.EncodeToString(sum[:])
	b, ct = upload(t, "file", "议题材料.pdf", content)
	w = e.do(req{method: "POST", path: path + "/attachments", user: "cz.liaison", body: b, contentType: ct})
	wantStatus(t, w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != path+"?done=attach" {
		t.Fatalf("redirect to %q", loc)
	}
	body = e.do(req{path: path + "?done=attach", user: "kj.office"}).Body.String()
	href := path + "/attachments/1"
	wantContains(t, body, "附件已上传。", `<a href="`+href+`" download`, ">议题材料.pdf</a>", "29 字节",
		"cz.liaison 上传于 2026-06-10 15:00", `title="`+digest+`">`+digest[:12]+"…</code>")

	w = e.do(req{path: href, user: "kj.office"})
	wantStatus(t, w, http.StatusOK)
	if got := w.Body.String(); got != string(content) {
		t.Fatalf("downloaded %q", got)
	}
	h := w.Header()
	if h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(h.Get("Content-Disposition"), "attachment;") || !strings.Contains(h.Get("Content-Disposition"), "filename*=utf-8''") {
		t.Fatalf("headers %v", h)
	}
	// Another department may not; an unknown file is not there.
	wantStatus(t, e.do(req{path: href, user: "gt.member"}), http.StatusForbidden)
	wantStatus(t, e.do(req{path: path + "/attachments/99", user: "kj.office"}), http.StatusNotFound)
	wantStatus(t, e.do(req{path: path + "/attachments/x", user: "kj.office"}), http.StatusNotFound)
}

func TestTaskDispatch(t *testing.T) {
	e := newTaskEnv(t)
	path := e.path("agenda")

	// Only the lead department's liaison hands the task on.
	wantContains(t, e.do(req{path: path, user: "cz.liaison"}).Body.String(), `action="`+path+`/dispatch"`, `<label for="dispatch-member">承办人用户名`)
	for _, u := range []string{"sw.liaison", "kj.office"} {
		wantNotContains(t, e.do(req{path: path, user: u}).Body.String(), `/dispatch"`)
		b, ct := form("member", "someone")
		wantStatus(t, e.do(req{method: "POST", path: path + "/dispatch", user: u, body: b, contentType: ct}), http.StatusForbidden)
	}
	// Nor once the task is submitted.
	wantNotContains(t, e.do(req{path: e.path("submitted"), user: "cz.liaison"}).Body.String(), `/dispatch"`)

	b, ct := form("member", " ")
	w := e.do(req{method: "POST", path: path + "/dispatch", user: "cz.liaison", body: b, contentType: ct})
	wantStatus(t, w, http.StatusUnprocessableEntity)
	wantContains(t, w.Body.String(), `<p class="field-error" id="dispatch-member-error">必须填写。</p>`)

	b, ct = form("member", " CZ.Zhang ")
	w = e.do(req{method: "POST", path: path + "/dispatch", user: "cz.liaison", body: b, contentType: ct})
	wantStatus(t, w, http.StatusSeeOther)
	if got := e.tasks.Task(e.ids["agenda"]); got.AssignedTo != "cz.zhang" || got.Status != domain.TaskInProgress {
		t.Fatalf("after dispatch: %+v", got)
	}
	body := e.do(req{path: path + "?done=dispatch", user: "cz.liaison"}).Body.String()
	wantContains(t, body, "已分派给承办人。", "<dt>承办人</dt><dd>cz.zhang</dd>", "承办人:cz.zhang")
	body = e.do(req{path: path, user: "cz.liaison", lang: i18n.EN}).Body.String()
	wantContains(t, body, "<dt>Handled by</dt><dd>cz.zhang</dd>", "Hand to a member")
}
