package webui

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/postgres"
)

// maxAttachmentBody bounds an upload's request: the largest file a task
// accepts plus room for the multipart envelope.
const maxAttachmentBody = postgres.MaxAttachmentBytes + 64<<10

// attachmentRow is one file of a task as the page lists it.
type attachmentRow struct {
	Name       string
	Href       string
	Size       string
	UploadedBy string
	At         time.Time
	SHA256     string
	Short      string // the first characters of the digest; the title holds it all
}

func attachmentOf(v *view, a domain.Attachment) attachmentRow {
	row := attachmentRow{Name: a.Name, Href: fmt.Sprintf("/tasks/%d/attachments/%d", a.TaskID, a.ID), Size: fileSize(v, a.Size),
		UploadedBy: a.UploadedBy, At: a.At, SHA256: a.SHA256, Short: a.SHA256}
	if len(row.Short) > 12 {
		row.Short = row.Short[:12] + "…"
	}
	return row
}

// fileSize says a size in bytes, KB or MB.
func fileSize(v *view, n int) string {
	switch {
	case n < 1<<10:
		return v.T("task.attachments.size_b", "n", strconv.Itoa(n))
	case n < 1<<20:
		return v.T("task.attachments.size_kb", "n", strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64))
	}
	return v.T("task.attachments.size_mb", "n", strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64))
}

// taskDone sends the browser back to the task page after an action
// (post/redirect/get), saying which one was done.
func taskDone(w http.ResponseWriter, r *http.Request, id int64, action string) {
	http.Redirect(w, r, fmt.Sprintf("/tasks/%d?%s", id, url.Values{"done": {action}}.Encode()), http.StatusSeeOther)
}

// taskRefusal shows the task page again after a refused comment or upload:
// a refused input beside its field, a refusal to act as the 403 page.
func (p *Pages) taskRefusal(w http.ResponseWriter, r *http.Request, u domain.User, id int64, form taskForm, status int, err error) {
	switch domain.KindOf(err) {
	case domain.KindInvalid, domain.KindConflict:
		form.Error, form.Fields = i18n.ErrorMessage(i18n.FromRequest(r), err)
		if status == 0 {
			status = statusOf(err)
		}
		p.showTask(w, r, u, id, status, form, "")
	case domain.KindForbidden:
		p.forbidden(w, r, u)
	default:
		p.taskRefused(w, r, u, err)
	}
}

// taskComment adds a remark to a task: anyone who may see it may.
func (p *Pages) taskComment(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	id, ok := taskID(r)
	if !ok || p.tasks == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxTaskFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showTask(w, r, u, id, http.StatusRequestEntityTooLarge,
			taskForm{Action: "comment", Error: i18n.T(i18n.FromRequest(r), "error.body_too_large", nil)}, "")
		return
	}
	body := r.PostForm.Get("body")
	if _, err := p.tasks.Comment(r.Context(), u, id, body, auth.RequestMeta(r)); err != nil {
		p.taskRefusal(w, r, u, id, taskForm{Action: "comment", Values: map[string]string{"body": body}}, 0, err)
		return
	}
	taskDone(w, r, id, "comment")
}

// errNoFile is an upload without its file part.
var errNoFile = errors.New("webui: no file")

// uploadProblem says what a failed read of an attachment's upload form is:
// a message on the file field (too large, or missing) or, field false, on
// the form.
func uploadProblem(err error) (status int, key string, params map[string]any, field bool) {
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge) || errors.Is(err, errFileTooLarge):
		return http.StatusRequestEntityTooLarge, "validation.file_too_large", map[string]any{"max_mb": postgres.MaxAttachmentBytes >> 20}, true
	case errors.Is(err, errNoFile):
		return http.StatusUnprocessableEntity, "validation.required", nil, true
	}
	return http.StatusBadRequest, "error.bad_upload", nil, false
}

// readUpload streams a multipart body to the named file part and returns
// its file name and at most max+1 bytes of it; nothing goes to temporary
// files.
func readUpload(r *http.Request, field string, max int) (string, []byte, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, errNoFile
		}
		if err != nil {
			return "", nil, err
		}
		if part.FormName() != field {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, int64(max)+1))
		if err != nil {
			return "", nil, err
		}
		if len(b) > max {
			return "", nil, errFileTooLarge
		}
		return part.FileName(), b, nil
	}
}

// taskAttach stores a file on a task: the departments on it and its office
// may; the service checks the size, the name and the content.
func (p *Pages) taskAttach(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	id, ok := taskID(r)
	if !ok || p.tasks == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	lang := i18n.FromRequest(r)
	form := taskForm{Action: "attach"}
	fieldError := func(status int, key string, params map[string]any) {
		var v domain.Validation
		v.Add("file", key, params)
		p.taskRefusal(w, r, u, id, form, status, v.Err())
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		form.Error = i18n.T(lang, "error.unsupported_media_type", nil)
		p.showTask(w, r, u, id, http.StatusUnsupportedMediaType, form, "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxAttachmentBody)
	name, data, err := readUpload(r, "file", postgres.MaxAttachmentBytes)
	if err != nil {
		status, key, params, field := uploadProblem(err)
		if field {
			fieldError(status, key, params)
		} else {
			form.Error = i18n.T(lang, key, params)
			p.showTask(w, r, u, id, status, form, "")
		}
		return
	}
	if _, err := p.tasks.Attach(r.Context(), u, id, name, data, auth.RequestMeta(r)); err != nil {
		p.taskRefusal(w, r, u, id, form, 0, err)
		return
	}
	taskDone(w, r, id, "attach")
}

// taskAttachment serves a task's file as a download, never shown inline:
// its stored type, no sniffing, and a name the browser saves it under.
func (p *Pages) taskAttachment(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	id, ok := taskID(r)
	aid, err := strconv.ParseInt(chi.URLParam(r, "attachment"), 10, 64)
	if !ok || err != nil || aid < 1 || p.tasks == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	a, data, err := p.tasks.Attachment(r.Context(), u, id, aid)
	if err != nil {
		p.taskRefused(w, r, u, err)
		return
	}
	serveDownload(w, r, a.Name, a.ContentType, data)
}

// serveDownload writes a stored file as a download, never shown inline
// in our origin: attachment disposition, no sniffing, a sandbox.
func serveDownload(w http.ResponseWriter, r *http.Request, name, contentType string, data []byte) {
	h := w.Header()
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	h.Set("Content-Type", contentType)
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disposition == "" {
		disposition = "attachment"
	}
	h.Set("Content-Disposition", disposition)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}
