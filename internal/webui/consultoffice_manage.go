package webui

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/postgres"
	"lianxi/workflows"
)

// consultFlow is the phases a consultation goes through, in order; a
// cancelled one ends where it was withdrawn.
var consultFlow = []domain.ConsultationPhase{domain.ConsultationScheduled, domain.ConsultationOpen, domain.ConsultationReplying,
	domain.ConsultationReported}

// consultCan says which of the manage page's forms the person has; the
// service and the workflow decide in the end.
type consultCan struct {
	Office, Reply, Upload, Report, Cancel bool
}

func consultCanFor(u domain.User, c domain.Consultation) consultCan {
	office := (u.IsAdmin() || u.HasFor(domain.RoleOffice, c.Committee)) && !c.Phase.Ended()
	return consultCan{Office: office, Reply: office, Upload: office, Report: office && c.Phase == domain.ConsultationReplying, Cancel: office}
}

// consultDeptRow is a consulted department and how it answered.
type consultDeptRow struct {
	Name, Status, StatusLabel, Task string
	Comments                        int
	At                              time.Time
}

// consultFileRow is a file of a consultation.
type consultFileRow struct {
	ID      int64
	Name    string
	Href    string
	Size    string
	Revised bool
	At      time.Time
}

// consultCommentRow is a comment on the manage page with its reply form.
type consultCommentRow struct {
	domain.ConsultationComment
	Section     string // the section's key and heading; empty: the whole draft
	Department  string
	ReplyLabel  string
	Form        string // "reply-12"
	Replied     bool
	StatusClass string
}

// consultManagePage is a consultation's page for its office and
// conveners.
type consultManagePage struct {
	C            domain.Consultation
	PhaseLabel   string
	Committee    string
	Timeline     []phaseStep
	Depts        []consultDeptRow
	Files        []consultFileRow
	Comments     []consultCommentRow
	Unreplied    bool // the list shows the unreplied comments only
	Statuses     []option
	Revised      []option
	RevisedDraft string // the report's revised draft's name
	Can          consultCan
	Forms        forms
	Done         string
	Orphan       string
	Base         string
	Public       string
	Report       string
}

func (p *Pages) consultManage(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	p.showConsultManage(w, r, u, chi.URLParam(r, "slug"), q.Get("unreplied") != "", http.StatusOK, cycleForm{}, q.Get("done"))
}

// showConsultManage renders the manage page, with a refused form shown
// again, or the confirmation of the action just done.
func (p *Pages) showConsultManage(w http.ResponseWriter, r *http.Request, u domain.User, slug string, unreplied bool, status int, refused cycleForm, done string) {
	ctx := r.Context()
	c, ok := readFor(p, w, r, u, func() (domain.Consultation, error) { return p.consult.Get(ctx, u, slug) })
	if !ok {
		return
	}
	v := p.newView(r, "consultation.office.manage.title", "consultations")
	v.Title = c.Title
	data, err := p.consultManageData(ctx, v, u, c, unreplied)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	data.Forms = forms{Refused: refused}
	for _, k := range data.Comments {
		if k.Replied {
			data.Forms.set(k.Form, "status", string(k.Reply))
			data.Forms.set(k.Form, "reply", k.ReplyText)
		}
	}
	if len(data.Revised) > 0 {
		data.Forms.set("report", "revised_draft", data.Revised[len(data.Revised)-1].Value)
	}
	if key := "consultation.office.done." + done; done != "" && i18n.Has(v.Lang, key) {
		data.Done = v.T(key)
	}
	if refused.Action != "" && !data.shows(refused.Action) {
		data.Orphan = strings.TrimSpace(refused.Error + " " + strings.Join(fieldTexts(refused.Fields), " "))
	}
	v.Data = data
	p.render(w, r, status, "consultation_manage", v)
}

func fieldTexts(m map[string]string) []string {
	var out []string
	for _, s := range m {
		out = append(out, s)
	}
	return out
}

// shows reports whether the page offers a form, by its name.
func (d consultManagePage) shows(form string) bool {
	if strings.HasPrefix(form, "reply-") {
		for _, k := range d.Comments {
			if k.Form == form {
				return d.Can.Reply
			}
		}
		return false
	}
	return map[string]bool{"upload": d.Can.Upload, "report": d.Can.Report, "cancel": d.Can.Cancel}[form]
}

// consultManageData reads and words everything the manage page shows.
func (p *Pages) consultManageData(ctx context.Context, v *view, u domain.User, c domain.Consultation, unreplied bool) (consultManagePage, error) {
	n, err := p.directoryNames(ctx, v.Lang)
	if err != nil {
		return consultManagePage{}, err
	}
	comments, err := p.consult.Comments(ctx, u, c.Slug, postgres.CommentFilter{UnrepliedOnly: unreplied})
	if err != nil {
		return consultManagePage{}, err
	}
	actor := func(by string) string {
		if by == workflows.SystemActor {
			return v.T("cycle.system")
		}
		return by
	}
	base := consultManageURL(c.Slug)
	d := consultManagePage{C: c, PhaseLabel: v.T("consultation.phase." + string(c.Phase)), Committee: n.committee(c.Committee),
		Timeline:  timeline(v, "consultation.phase.", consultFlow, c.Phase, domain.ConsultationCancelled, c.Steps, actor),
		Unreplied: unreplied, Can: consultCanFor(u, c), Base: base}
	if c.Phase != domain.ConsultationCancelled {
		d.Public = "/consultations/" + c.Slug
	}
	if c.Report != nil {
		d.Report = "/consultations/" + c.Slug + "/report"
	}
	for _, dep := range c.Departments {
		row := consultDeptRow{Name: n.org(dep.Department), Status: dep.Status, StatusLabel: v.T("consultation.office.dept." + dep.Status),
			Comments: dep.Comments, At: dep.At}
		if dep.TaskID != 0 {
			row.Task = "/tasks/" + strconv.FormatInt(dep.TaskID, 10)
		}
		d.Depts = append(d.Depts, row)
	}
	// The files are the public's as the draft is; a withdrawn draft has
	// none on show.
	if c.Phase != domain.ConsultationCancelled {
		pub, err := p.consult.Public(ctx, c.Slug)
		if err != nil {
			return consultManagePage{}, err
		}
		for _, f := range pub.Files {
			id := strconv.FormatInt(f.ID, 10)
			d.Files = append(d.Files, consultFileRow{ID: f.ID, Name: f.Name, Href: base + "/files/" + id, Size: fileSize(v, f.Size), Revised: f.Revised, At: f.At})
			if f.Revised {
				d.Revised = append(d.Revised, option{Value: id, Label: f.Name})
			}
			if c.Report != nil && c.Report.RevisedDraft == f.ID {
				d.RevisedDraft = f.Name
			}
		}
	}
	for _, s := range []domain.ReplyStatus{domain.ReplyAdopted, domain.ReplyPartly, domain.ReplyNotAdopted, domain.ReplyOutOfScope} {
		d.Statuses = append(d.Statuses, option{Value: string(s), Label: v.T("consultation.reply." + string(s))})
	}
	for _, k := range comments {
		row := consultCommentRow{ConsultationComment: k, Form: "reply-" + strconv.FormatInt(k.ID, 10), Replied: k.Reply != "",
			StatusClass: "idea-status-submitted", ReplyLabel: v.T("consultation.office.unreplied")}
		if k.Section != "" {
			row.Section = k.Section
			if s, ok := c.Section(k.Section); ok {
				row.Section = k.Section + " " + s.Heading
			}
		}
		if k.Department != "" {
			row.Department = n.org(k.Department)
		}
		if row.Replied {
			row.ReplyLabel = v.T("consultation.reply." + string(k.Reply))
			row.StatusClass = map[domain.ReplyStatus]string{domain.ReplyAdopted: "idea-status-eligible", domain.ReplyPartly: "adoption-implementing",
				domain.ReplyNotAdopted: "idea-status-ineligible", domain.ReplyOutOfScope: "idea-status-merged"}[k.Reply]
		}
		d.Comments = append(d.Comments, row)
	}
	return d, nil
}

// consultManageFile serves a consultation's file to its office and
// conveners, as a download.
func (p *Pages) consultManageFile(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	slug := chi.URLParam(r, "slug")
	id, err := strconv.ParseInt(chi.URLParam(r, "file"), 10, 64)
	if err != nil || id < 1 {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	if _, ok := readFor(p, w, r, u, func() (domain.Consultation, error) { return p.consult.Get(r.Context(), u, slug) }); !ok {
		return
	}
	f, data, err := p.consult.File(r.Context(), slug, id)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	serveDownload(w, r, f.Name, f.ContentType, data)
}

// consultDone goes back to the manage page (post/redirect/get), with the
// comment list as it was.
func consultDone(w http.ResponseWriter, r *http.Request, slug string, unreplied bool, done, anchor string) {
	q := url.Values{"done": {done}}
	if unreplied {
		q.Set("unreplied", "1")
	}
	http.Redirect(w, r, consultManageURL(slug)+"?"+q.Encode()+anchor, http.StatusSeeOther)
}

// consultForm reads a form of the manage page; false when the answer is
// written (not signed in, a body too large).
func (p *Pages) consultForm(w http.ResponseWriter, r *http.Request, form string) (domain.User, string, url.Values, bool) {
	u, ok := p.user(w, r)
	if !ok {
		return u, "", nil, false
	}
	slug := chi.URLParam(r, "slug")
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showConsultManage(w, r, u, slug, false, http.StatusRequestEntityTooLarge,
			cycleForm{Action: form, Error: i18n.T(i18n.FromRequest(r), "error.body_too_large", nil)}, "")
		return u, "", nil, false
	}
	return u, slug, r.PostForm, true
}

// consultReply records the office's answer to a comment; a refusal (no
// reason for a comment not adopted) is shown at that comment.
func (p *Pages) consultReply(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id < 1 {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	form := "reply-" + strconv.FormatInt(id, 10)
	u, slug, f, ok := p.consultForm(w, r, form)
	if !ok {
		return
	}
	unreplied := f.Get("unreplied") != ""
	in := domain.CommentReply{Status: domain.ReplyStatus(f.Get("status")), Reply: f.Get("reply")}
	_, err = p.consult.Reply(r.Context(), u, slug, id, in, auth.RequestMeta(r))
	if err == nil {
		consultDone(w, r, slug, unreplied, "reply", "#comment-"+strconv.FormatInt(id, 10))
		return
	}
	p.cycleRefused(w, r, u, err, func() {
		p.showConsultManage(w, r, u, slug, unreplied, statusOf(err), refusedForm(i18n.FromRequest(r), form, f, err, keepFields("status", "reply")), "")
	})
}

// consultUpload keeps a file of the consultation: an attachment of the
// draft, or the revised draft the report points to.
func (p *Pages) consultUpload(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	slug := chi.URLParam(r, "slug")
	lang := i18n.FromRequest(r)
	form := cycleForm{Action: "upload", Fields: map[string]string{}, Values: url.Values{}}
	refuse := func(status int, err error) {
		p.cycleRefused(w, r, u, err, func() {
			f := refusedForm(lang, "upload", form.Values, err, keepFields("file"))
			p.showConsultManage(w, r, u, slug, false, status, f, "")
		})
	}
	fieldError := func(status int, key string, params map[string]any) {
		var v domain.Validation
		v.Add("file", key, params)
		refuse(status, v.Err())
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "multipart/form-data" {
		refuse(http.StatusUnsupportedMediaType, domain.Errorf(domain.KindInvalid, "error.unsupported_media_type", nil))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxAttachmentBody)
	name, data, revised, err := readConsultUpload(r)
	if revised {
		form.Values.Set("revised", "true")
	}
	if err != nil {
		status, key, params, field := uploadProblem(err)
		if field {
			fieldError(status, key, params)
		} else {
			refuse(status, domain.Errorf(domain.KindInvalid, key, params))
		}
		return
	}
	if _, err := p.consult.Upload(r.Context(), u, slug, name, data, revised, auth.RequestMeta(r)); err != nil {
		refuse(statusOf(err), err)
		return
	}
	consultDone(w, r, slug, false, "upload", "#files")
}

// readConsultUpload streams the upload form: the "revised" box and the
// file part, at most its limit plus one byte of it.
func readConsultUpload(r *http.Request) (name string, data []byte, revised bool, err error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, false, err
	}
	found := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", nil, revised, err
		}
		switch part.FormName() {
		case "revised":
			b, err := io.ReadAll(io.LimitReader(part, 16))
			if err != nil {
				return "", nil, revised, err
			}
			revised = strings.TrimSpace(string(b)) != ""
		case "file":
			if found {
				continue
			}
			b, err := io.ReadAll(io.LimitReader(part, int64(postgres.MaxAttachmentBytes)+1))
			if err != nil {
				return "", nil, revised, err
			}
			if len(b) > postgres.MaxAttachmentBytes {
				return "", nil, revised, errFileTooLarge
			}
			name, data, found = part.FileName(), b, part.FileName() != "" || len(b) > 0
		}
	}
	if !found {
		return "", nil, revised, errNoFile
	}
	return name, data, revised, nil
}

// consultActions are the manage page's forms sent to the consultation's
// workflow, by the last segment of their address.
var consultActions = map[string]struct {
	update string
	inputs []string
	read   func(f url.Values) (func(workflows.Action) any, error)
}{
	"report": {workflows.UpdatePublishReport, []string{"summary", "revised_draft"}, readConsultReport},
	"cancel": {workflows.UpdateCancelConsultation, []string{"reason"}, func(f url.Values) (func(workflows.Action) any, error) {
		reason := f.Get("reason")
		return func(a workflows.Action) any { return workflows.ReasonRequest{Action: a, Reason: reason} }, nil
	}},
}

// readConsultReport reads the report's form: the summary and the revised
// draft chosen among the revised files (none: no revised draft).
func readConsultReport(f url.Values) (func(workflows.Action) any, error) {
	in := domain.PublishReport{Summary: f.Get("summary")}
	if s := strings.TrimSpace(f.Get("revised_draft")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			var v domain.Validation
			v.Add("revised_draft", "validation.revised_draft", map[string]any{"value": s})
			return nil, v.Err()
		}
		in.RevisedDraft = n
	}
	return func(a workflows.Action) any { return workflows.PublishReportRequest{Action: a, PublishReport: in} }, nil
}

// consultAction carries a form of the manage page to the consultation's
// workflow; a refusal (comments unreplied, departments pending) shows the
// page again with the message in the form.
func (p *Pages) consultAction(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "action")
	spec, known := consultActions[name]
	if !known {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	u, slug, f, ok := p.consultForm(w, r, name)
	if !ok {
		return
	}
	build, err := spec.read(f)
	if err == nil {
		_, err = p.consult.Act(r.Context(), u, "", slug, spec.update, build)
	}
	if err == nil {
		consultDone(w, r, slug, false, name, "")
		return
	}
	p.cycleRefused(w, r, u, err, func() {
		p.showConsultManage(w, r, u, slug, false, statusOf(err), refusedForm(i18n.FromRequest(r), name, f, err, keepFields(spec.inputs...)), "")
	})
}
