package httpapi

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/postgres"
	"lianxi/workflows"
)

type taskJSON struct {
	ID          int64              `json:"id"`
	Source      domain.TaskSource  `json:"source"`
	Kind        domain.TaskKind    `json:"kind"`
	Title       string             `json:"title"`
	Body        string             `json:"body"`
	Lead        string             `json:"lead_department"`
	Co          []string           `json:"co_departments"`
	Form        []domain.FormField `json:"form"`
	Values      map[string]any     `json:"values"`
	DueAt       time.Time          `json:"due_at"`
	Priority    domain.Priority    `json:"priority"`
	Status      domain.TaskStatus  `json:"status"`
	Overdue     bool               `json:"overdue"`
	AssignedTo  string             `json:"assigned_to,omitempty"`
	Extension   *domain.Extension  `json:"extension,omitempty"`
	CreatedBy   string             `json:"created_by"`
	CreatedAt   time.Time          `json:"created_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
	SubmittedAt *time.Time         `json:"submitted_at,omitempty"`
	// History and Contributions are filled on the single-task endpoint.
	History       []domain.TaskEvent    `json:"history,omitempty"`
	Contributions []domain.Contribution `json:"contributions,omitempty"`
	Comments      []domain.Comment      `json:"comments,omitempty"`
	Attachments   []domain.Attachment   `json:"attachments,omitempty"`
}

func toTaskJSON(t domain.Task, now time.Time) taskJSON {
	out := taskJSON{ID: t.ID, Source: t.Source, Kind: t.Kind, Title: t.Title, Body: t.Body, Lead: t.Lead, Co: t.Co, Form: t.Form,
		Values: t.Values, DueAt: t.DueAt, Priority: t.Priority, Status: t.Status, Overdue: t.Overdue(now), AssignedTo: t.AssignedTo,
		Extension: t.Extension, CreatedBy: t.CreatedBy, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if out.Co == nil {
		out.Co = []string{}
	}
	if !t.SubmittedAt.IsZero() {
		out.SubmittedAt = &t.SubmittedAt
	}
	return out
}

// encodeCursor and decodeCursor keep the keyset position opaque to clients.
func encodeCursor(c postgres.TaskCursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d.%d", c.DueAt.UnixMicro(), c.ID)))
}

func decodeCursor(s string) (postgres.TaskCursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return postgres.TaskCursor{}, false
	}
	us, id, ok := strings.Cut(string(b), ".")
	if !ok {
		return postgres.TaskCursor{}, false
	}
	u, err1 := strconv.ParseInt(us, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || n < 0 {
		return postgres.TaskCursor{}, false
	}
	return postgres.TaskCursor{DueAt: time.UnixMicro(u), ID: n}, true
}

// taskFilter reads the list filters of a request, with a field error for
// each that does not parse.
func taskFilter(r *http.Request) (postgres.TaskFilter, postgres.TaskCursor, int, error) {
	q := r.URL.Query()
	var v domain.Validation
	f := postgres.TaskFilter{Committee: q.Get("committee"), Department: q.Get("department"), Status: domain.TaskStatus(q.Get("status")), Text: q.Get("q")}
	if f.Status != "" && !f.Status.Valid() {
		v.Add("status", "validation.one_of", map[string]any{"values": "open, in_progress, submitted, accepted, cancelled"})
	}
	if src := q.Get("source"); src != "" {
		f.SourceKind, f.SourceID, _ = strings.Cut(src, ":")
	}
	switch q.Get("overdue") {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		v.Add("overdue", "validation.boolean", nil)
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"due_from", &f.DueFrom}, {"due_to", &f.DueTo}} {
		if s := q.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				v.Add(p.name, "validation.datetime", nil)
			}
			*p.dst = t
		}
	}
	var cur postgres.TaskCursor
	if s := q.Get("cursor"); s != "" {
		var ok bool
		if cur, ok = decodeCursor(s); !ok {
			v.Add("cursor", "validation.cursor", nil)
		}
	}
	limit := 50
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			v.Add("limit", "validation.range", map[string]any{"min": 1, "max": 500})
		}
		limit = n
	}
	return f, cur, limit, v.Err()
}

func (a *api) listTasks(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	f, cur, limit, err := taskFilter(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	ts, err := a.Tasks.List(r.Context(), u, f, cur, limit)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	now := time.Now()
	out := make([]taskJSON, len(ts))
	for i, t := range ts {
		out[i] = toTaskJSON(t, now)
	}
	body := map[string]any{"tasks": out}
	if len(ts) == limit {
		last := ts[len(ts)-1]
		body["next_cursor"] = encodeCursor(postgres.TaskCursor{DueAt: last.DueAt, ID: last.ID})
	}
	writeJSON(w, http.StatusOK, body)
}

func taskIDParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id < 1 {
		return 0, domain.NotFound("task", chi.URLParam(r, "id"))
	}
	return id, nil
}

func (a *api) getTask(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	id, err := taskIDParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	d, err := a.Tasks.Details(r.Context(), u, id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := toTaskJSON(d.Task, time.Now())
	out.History, out.Contributions, out.Comments, out.Attachments = d.History, d.Contributions, d.Comments, d.Attachments
	writeJSON(w, http.StatusOK, out)
}

func (a *api) createTask(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in domain.NewTask
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	t, err := a.Tasks.Create(r.Context(), u, in, auth.RequestMeta(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toTaskJSON(t, time.Now()))
}

// taskAction decodes an action's body into req, stamps it with the
// signed-in user's authority (or, with ?on_behalf_of=, an absent
// colleague's whose deputy they are today) and sends it to the task's
// workflow.
func taskAction[T any](a *api, update string, stamp func(*T, workflows.Action)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.user(w, r)
		if !ok {
			return
		}
		id, err := taskIDParam(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		var req T
		if err := decode(w, r, &req); err != nil {
			a.fail(w, r, err)
			return
		}
		t, err := a.Tasks.Act(r.Context(), u, r.URL.Query().Get("on_behalf_of"), id, update, func(x workflows.Action) any {
			stamp(&req, x)
			return req
		})
		if err != nil {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, toTaskJSON(t, time.Now()))
	}
}

type commentRequest struct {
	Body string `json:"body"`
}

func (a *api) addComment(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	id, err := taskIDParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in commentRequest
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	c, err := a.Tasks.Comment(r.Context(), u, id, in.Body, auth.RequestMeta(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// maxUpload bounds an attachment upload: the file and the multipart
// envelope around it.
const maxUpload = postgres.MaxAttachmentBytes + 64<<10

func (a *api) uploadAttachment(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	id, err := taskIDParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	name, data, err := readUpload(w, r, maxUpload)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	att, err := a.Tasks.Attach(r.Context(), u, id, name, data, auth.RequestMeta(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, att)
}

// readUpload reads the multipart field "file", at most limit bytes with
// its envelope.
func readUpload(w http.ResponseWriter, r *http.Request, limit int64) (string, []byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	file, header, err := r.FormFile("file")
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return "", nil, &requestErr{http.StatusRequestEntityTooLarge, "error.body_too_large", err}
		}
		var v domain.Validation
		v.Add("file", "validation.required", nil)
		return "", nil, v.Err()
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return "", nil, &requestErr{http.StatusRequestEntityTooLarge, "error.body_too_large", err}
	}
	return header.Filename, data, nil
}

// serveDownload sends a file as a download, never rendered in our origin.
func serveDownload(w http.ResponseWriter, att domain.Attachment, data []byte) {
	w.Header().Set("Content-Type", att.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(att.Name))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if att.SHA256 != "" {
		w.Header().Set("Digest", "sha-256="+att.SHA256)
	}
	_, _ = w.Write(data)
}

func (a *api) downloadAttachment(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	id, err := taskIDParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	aid, err := strconv.ParseInt(chi.URLParam(r, "attachment"), 10, 64)
	if err != nil {
		a.fail(w, r, domain.NotFound("attachment", chi.URLParam(r, "attachment")))
		return
	}
	att, data, err := a.Tasks.Attachment(r.Context(), u, id, aid)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	serveDownload(w, att, data)
}

func (a *api) addDeputy(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	var in domain.Deputy
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	d, err := a.Tasks.AddDeputy(r.Context(), u, in, auth.RequestMeta(r))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

func (a *api) listDeputies(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	ds, err := a.Tasks.Deputies(r.Context(), u)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if ds == nil {
		ds = []domain.Deputy{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deputies": ds})
}

func (a *api) removeDeputy(w http.ResponseWriter, r *http.Request) {
	u, ok := a.user(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		a.fail(w, r, domain.NotFound("deputy", chi.URLParam(r, "id")))
		return
	}
	if err := a.Tasks.RemoveDeputy(r.Context(), u, id, auth.RequestMeta(r)); err != nil {
		a.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
