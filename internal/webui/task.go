package webui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/postgres"
	"lianxi/workflows"
)

// maxTaskFormBytes bounds a task action's form: a completed form may hold
// up to 50 fields of long text, far more than the small forms elsewhere.
const maxTaskFormBytes = 1 << 20

// taskForm is what came back with a refused action: which form it was, the
// message, each field's message and what was typed, so the form is shown
// again as the person left it. Inputs are named like the domain's fields
// ("values.topic", "reason", "due_at"), so field errors need no mapping,
// except an items field's, whose rows are numbered as typed (see
// itemRowsOf). All keeps every value posted, for inputs with several.
type taskForm struct {
	Action string
	Error  string
	Fields map[string]string
	Values map[string]string
	All    url.Values
}

// formField is one field of a task's form, ready to render.
type formField struct {
	domain.FormField
	Input   string // the input's name: "values.<name>"
	ID      string // the input's id
	Value   string
	Checked bool
	Error   string
	Hint    string
	Choices []option  // a select's options, labelled
	Rows    []itemRow // an items field's rows
}

// valueRow is one submitted value with its field's label (an items
// field's items one by one).
type valueRow struct {
	Label, Value string
	Items        []itemRow
}

// historyRow is one entry of a task's history in words.
type historyRow struct {
	At         time.Time
	Actor      string
	OnBehalfOf string
	What       string
	Details    []string
}

// contributionRow is a co-handling department's part.
type contributionRow struct {
	Department string
	Body       string
	Author     string
	At         time.Time
}

// taskCan says which forms the page offers the person. The workflow decides
// in the end; the page only hides what would be refused.
type taskCan struct {
	Submit, RequestExtension, Contribute    bool
	Accept, Return, Cancel, DecideExtension bool
	Comment, Attach, Dispatch               bool
}

// taskPage is one task with its history and the forms the person may use.
type taskPage struct {
	Row           taskRow
	Priority      string
	Fields        []formField
	Values        []valueRow
	History       []historyRow
	Contributions []contributionRow
	Comments      []domain.Comment
	Attachments   []attachmentRow
	Can           taskCan
	CoDepts       []option // co-handling departments the person may contribute for
	Form          taskForm
	Done          string // confirmation of the action just taken
	Orphan        string // a refusal whose form the task's new state no longer offers
	MinDate       string // the earliest date an extension may ask for
	DayEnd        string // when a deadline falls on its day ("17:30")
	MaxFileMB     int    // the largest file a task accepts
}

func taskID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id, err == nil && id > 0
}

func (p *Pages) task(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	id, ok := taskID(r)
	if !ok || p.tasks == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	p.showTask(w, r, u, id, http.StatusOK, taskForm{}, r.URL.Query().Get("done"))
}

// taskRefused answers a task the person may not see: another department's
// or committee's task is the 403 page (as in the API), audited.
func (p *Pages) taskRefused(w http.ResponseWriter, r *http.Request, u domain.User, err error) {
	switch domain.KindOf(err) {
	case domain.KindForbidden:
		p.forbidden(w, r, u)
	default:
		p.fail(w, r, err)
	}
}

// showTask renders a task's page, with a refused form shown again when
// form says so, or with the confirmation of the action done (the redirect
// after a successful one says which).
func (p *Pages) showTask(w http.ResponseWriter, r *http.Request, u domain.User, id int64, status int, form taskForm, done string) {
	ctx := r.Context()
	d, err := p.tasks.Details(ctx, u, id)
	if err != nil {
		p.taskRefused(w, r, u, err)
		return
	}
	t := d.Task
	v := p.newView(r, "page.task.title", "inbox")
	if !v.Menu.Inbox {
		v.Nav = "board" // an office's way to its tasks
	}
	v.Title = t.Title
	n, _, _, err := p.taskNames(ctx, v.Lang)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	cal, err := p.calendar(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	data := taskPage{Row: p.rows(v.Lang, n, cal, []domain.Task{t})[0], Priority: v.T("task.priority." + string(t.Priority)),
		Can: canOn(t, u), DayEnd: time.Time{}.Add(cal.DayEnd()).Format("15:04")}
	if key := "task.done." + done; done != "" && i18n.Has(v.Lang, key) {
		data.Done = v.T(key)
	}
	if done == "submit" && t.ClosesOnSubmit() {
		data.Done = v.T("cycle.done.answered") // nothing for the office to review
	}
	data.Form = form
	data.MaxFileMB = postgres.MaxAttachmentBytes >> 20
	// A refusal because the task moved on (another office member accepted
	// it meanwhile, say) belongs to a form the page no longer shows: say it
	// at the top instead.
	if shown := map[string]bool{"submit": data.Can.Submit, "contribute": data.Can.Contribute, "extension": data.Can.RequestExtension,
		"accept": data.Can.Accept, "return": data.Can.Return, "cancel": data.Can.Cancel,
		"extension-decision": data.Can.DecideExtension, "comment": data.Can.Comment, "attach": data.Can.Attach,
		"dispatch": data.Can.Dispatch}; form.Error != "" && !shown[form.Action] {
		data.Orphan = form.Error
	}
	data.MinDate = calendar.DateOf(t.DueAt).AddDays(1).String()
	for _, c := range t.Co {
		if domain.CanHandle(u, c) {
			data.CoDepts = append(data.CoDepts, option{Value: c, Label: n.org(c), Selected: form.Values["department"] == c})
		}
	}
	data.Fields = fieldsOf(v.Lang, t, form, d.Attachments)
	for i, f := range t.Form {
		if val, ok := t.Values[f.Name]; ok && val != nil && val != "" {
			row := valueRow{Label: data.Fields[i].Label, Value: showValue(v.Lang, val)}
			if f.Type == domain.FieldItems {
				row.Value, row.Items = "", shownItems(val, d.Attachments)
			}
			if f.Type == domain.FieldComments {
				row.Value = commentsText(val)
			}
			for _, c := range data.Fields[i].Choices {
				if c.Value == row.Value {
					row.Value = c.Label
				}
			}
			data.Values = append(data.Values, row)
		}
	}
	for _, e := range d.History {
		data.History = append(data.History, historyOf(v, n, e))
	}
	for _, c := range d.Contributions {
		data.Contributions = append(data.Contributions, contributionRow{Department: n.org(c.Department), Body: c.Body, Author: c.Author, At: c.At})
	}
	data.Comments = d.Comments
	for _, a := range d.Attachments {
		data.Attachments = append(data.Attachments, attachmentOf(v, a))
	}
	v.Data = data
	p.render(w, r, status, "task", v)
}

// canOn works out which forms a person gets on a task.
func canOn(t domain.Task, u domain.User) taskCan {
	working := t.Status == domain.TaskOpen || t.Status == domain.TaskInProgress
	lead := domain.CanHandle(u, t.Lead)
	manage := t.CanManage(u)
	co := slices.ContainsFunc(t.Co, func(c domain.Code) bool { return domain.CanHandle(u, c) })
	return taskCan{
		Submit:           lead && working,
		RequestExtension: lead && working && t.Extension == nil,
		Contribute:       co && working,
		Accept:           manage && t.Status == domain.TaskSubmitted,
		Return:           manage && t.Status == domain.TaskSubmitted,
		Cancel:           manage && (working || t.Status == domain.TaskSubmitted),
		DecideExtension:  manage && working && t.Extension != nil,
		Comment:          true, // anyone who sees the task
		Attach:           manage || lead || co,
		Dispatch:         leadLiaison(t, u) && working,
	}
}

// fieldsOf prepares a task's form: what was typed when a submission comes
// back refused, else the values last saved (a task returned for rework
// keeps what the department wrote). files are the task's attachments, which
// an items field's rows may name.
func fieldsOf(lang i18n.Lang, t domain.Task, form taskForm, files []domain.Attachment) []formField {
	out := make([]formField, len(t.Form))
	for i, f := range t.Form {
		ff := formField{FormField: f, Input: "values." + f.Name, ID: "values-" + f.Name}
		if form.Action == "submit" {
			ff.Value = form.Values[ff.Input]
			ff.Checked = ff.Value != ""
			ff.Error = form.Fields[ff.Input]
		} else if val, ok := t.Values[f.Name]; ok && val != nil {
			ff.Value = plainValue(val)
			ff.Checked = val == true
		}
		for _, o := range f.Options {
			ff.Choices = append(ff.Choices, option{Value: o, Label: o, Selected: o == ff.Value})
		}
		if f.Type == domain.FieldItems {
			ff.Value, ff.Rows = "", itemRowsOf(t, f, form, files)
		}
		if f.Type == domain.FieldComments {
			ff.Choices = nil
			ff.Hint = i18n.T(lang, "task.comments_hint", map[string]any{"sections": strings.Join(f.Options, ", ")})
			if val, ok := t.Values[f.Name]; ok && form.Action != "submit" {
				ff.Value = commentsText(val)
			}
		}
		meetingField(lang, t, &ff)
		out[i] = ff
	}
	return out
}

// plainValue is a stored value as an input shows it.
func plainValue(val any) string {
	switch x := val.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "true"
		}
		return ""
	}
	return fmt.Sprint(val)
}

// showValue is a stored value as text for people.
func showValue(lang i18n.Lang, val any) string {
	if b, ok := val.(bool); ok {
		if b {
			return i18n.T(lang, "common.yes", nil)
		}
		return i18n.T(lang, "common.no", nil)
	}
	return plainValue(val)
}

// historyOf says one event of a task's history in words.
func historyOf(v *view, n names, e domain.TaskEvent) historyRow {
	h := historyRow{At: e.At, Actor: e.Actor, OnBehalfOf: e.OnBehalfOf, What: e.Kind}
	if key := "task.event." + e.Kind; i18n.Has(v.Lang, key) {
		h.What = v.T(key)
	}
	d := e.Detail
	if s, _ := d["reason"].(string); s != "" {
		h.Details = append(h.Details, v.T("task.detail.reason", "text", s))
	}
	if s, _ := d["note"].(string); s != "" {
		h.Details = append(h.Details, v.T("task.detail.note", "text", s))
	}
	if b, ok := d["approved"].(bool); ok {
		h.Details = append(h.Details, v.T(map[bool]string{true: "task.detail.approved", false: "task.detail.refused"}[b]))
	}
	if s, _ := d["due_at"].(string); s != "" {
		if at, err := time.Parse(time.RFC3339, s); err == nil {
			h.Details = append(h.Details, v.T("task.detail.due", "time", v.Time(at)))
		}
	}
	if s, _ := d["department"].(string); s != "" {
		h.Details = append(h.Details, n.org(s))
	}
	if s, _ := d["member"].(string); s != "" {
		h.Details = append(h.Details, v.T("task.detail.member", "name", s))
	}
	return h
}

// actionSpec is one action of the task page: its workflow update, who the
// page lets try it, and how the form becomes the update's argument.
type actionSpec struct {
	update  string
	allowed func(domain.Task, domain.User) bool
	// build reads the form into the update's argument; a field that does
	// not parse is a field error before anything is sent.
	build func(p *Pages, r *http.Request, t domain.Task, u domain.User) (func(workflows.Action) any, error)
}

func leadHandler(t domain.Task, u domain.User) bool { return domain.CanHandle(u, t.Lead) }
func leadLiaison(t domain.Task, u domain.User) bool { return u.HasFor(domain.RoleLiaison, t.Lead) }
func office(t domain.Task, u domain.User) bool      { return t.CanManage(u) }
func coHandler(t domain.Task, u domain.User) bool {
	return slices.ContainsFunc(t.Co, func(c domain.Code) bool { return domain.CanHandle(u, c) })
}

func reason(field string) func(*Pages, *http.Request, domain.Task, domain.User) (func(workflows.Action) any, error) {
	return func(_ *Pages, r *http.Request, _ domain.Task, _ domain.User) (func(workflows.Action) any, error) {
		text := r.PostForm.Get(field)
		return func(a workflows.Action) any { return workflows.ReasonRequest{Action: a, Reason: text} }, nil
	}
}

// taskActions are the actions of the task page, by the last segment of
// their address (POST /tasks/{id}/{action}).
var taskActions = map[string]actionSpec{
	"submit": {workflows.UpdateSubmit, leadHandler, func(_ *Pages, r *http.Request, t domain.Task, _ domain.User) (func(workflows.Action) any, error) {
		vals := map[string]any{}
		for _, f := range t.Form {
			raw := r.PostForm.Get("values." + f.Name)
			switch f.Type {
			case domain.FieldBoolean:
				vals[f.Name] = raw != ""
			case domain.FieldComments:
				if comments := postedComments(raw, f.Options); len(comments) > 0 {
					vals[f.Name] = comments
				}
			case domain.FieldItems:
				// Rows left empty are dropped; none at all is no value.
				if items, _ := postedItems(r.PostForm, "values."+f.Name); len(items) > 0 {
					vals[f.Name] = items
				}
			case domain.FieldNumber:
				raw = strings.TrimSpace(raw)
				if raw == "" {
					continue
				}
				// A number that does not parse goes as typed, so the
				// workflow's check names the field.
				if x, err := strconv.ParseFloat(raw, 64); err == nil {
					vals[f.Name] = x
				} else {
					vals[f.Name] = raw
				}
			default:
				if raw != "" {
					vals[f.Name] = raw
				}
			}
		}
		return func(a workflows.Action) any { return workflows.SubmitRequest{Action: a, Values: vals} }, nil
	}},
	"contribute": {workflows.UpdateContribute, coHandler, func(_ *Pages, r *http.Request, t domain.Task, u domain.User) (func(workflows.Action) any, error) {
		dept, body := r.PostForm.Get("department"), r.PostForm.Get("body")
		if dept == "" {
			// One co-handling department: the form has no choice to make.
			for _, c := range t.Co {
				if domain.CanHandle(u, c) {
					dept = c
					break
				}
			}
		}
		return func(a workflows.Action) any {
			return workflows.ContributeRequest{Action: a, Department: dept, Body: body}
		}, nil
	}},
	"dispatch": {workflows.UpdateDispatch, leadLiaison, func(_ *Pages, r *http.Request, _ domain.Task, _ domain.User) (func(workflows.Action) any, error) {
		member := domain.NormaliseUsername(r.PostForm.Get("member"))
		return func(a workflows.Action) any { return workflows.DispatchRequest{Action: a, Member: member} }, nil
	}},
	"return": {workflows.UpdateReturn, office, reason("reason")},
	"accept": {workflows.UpdateAccept, office, reason("note")},
	"cancel": {workflows.UpdateCancel, office, reason("reason")},
	"extension": {workflows.UpdateRequestExtension, leadHandler, func(p *Pages, r *http.Request, _ domain.Task, _ domain.User) (func(workflows.Action) any, error) {
		due, err := p.dueDate(r, "due_at", true)
		if err != nil {
			return nil, err
		}
		text := r.PostForm.Get("reason")
		return func(a workflows.Action) any { return workflows.ExtensionRequest{Action: a, Reason: text, DueAt: *due} }, nil
	}},
	"extension-decision": {workflows.UpdateDecideExtension, office, func(p *Pages, r *http.Request, _ domain.Task, _ domain.User) (func(workflows.Action) any, error) {
		var v domain.Validation
		decision := r.PostForm.Get("decision")
		v.Check(decision == "approve" || decision == "refuse", "decision", "validation.required", nil)
		due, err := p.dueDate(r, "due_at", false)
		if err := domain.JoinInvalid(v.Err(), err); err != nil {
			return nil, err
		}
		note := r.PostForm.Get("note")
		return func(a workflows.Action) any {
			d := workflows.ExtensionDecision{Action: a, Approve: decision == "approve", Note: note}
			if d.Approve {
				d.DueAt = due
			}
			return d
		}, nil
	}},
}

// dueDate reads a date input as the deadline at the end of that working
// day (17:30 in Asia/Shanghai unless the calendar says otherwise).
func (p *Pages) dueDate(r *http.Request, field string, required bool) (*time.Time, error) {
	var v domain.Validation
	s := strings.TrimSpace(r.PostForm.Get(field))
	if s == "" {
		v.Check(!required, field, "validation.required", nil)
		return nil, v.Err()
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		v.Add(field, "validation.type_date", nil)
		return nil, v.Err()
	}
	cal, err := p.calendar(r.Context())
	if err != nil {
		return nil, err
	}
	at := d.At(0, 0).Add(cal.DayEnd())
	return &at, nil
}

// taskAction carries a person's action from a form to the task's workflow:
// on success it redirects to the task page (post/redirect/get, so reloading
// does not act twice); a refusal shows the page again with the messages
// beside the fields and what was typed kept.
func (p *Pages) taskAction(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	id, ok := taskID(r)
	spec, known := taskActions[chi.URLParam(r, "action")]
	if !ok || !known || p.tasks == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	action := chi.URLParam(r, "action")
	lang := i18n.FromRequest(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxTaskFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showTask(w, r, u, id, http.StatusRequestEntityTooLarge, taskForm{Action: action, Error: i18n.T(lang, "error.body_too_large", nil)}, "")
		return
	}
	t, err := p.tasks.Get(r.Context(), u, id)
	if err != nil {
		p.taskRefused(w, r, u, err)
		return
	}
	// A deputy acting for an absent colleague holds the colleague's role,
	// not their own; the service checks the delegation, the page cannot.
	onBehalfOf := strings.TrimSpace(r.PostForm.Get("on_behalf_of"))
	if onBehalfOf == "" && !spec.allowed(t, u) {
		p.forbidden(w, r, u)
		return
	}
	kept := taskForm{Action: action, Values: map[string]string{}, All: r.PostForm}
	for k, vs := range r.PostForm {
		if len(vs) > 0 {
			kept.Values[k] = vs[0]
		}
	}
	build, err := spec.build(p, r, t, u)
	if err == nil {
		_, err = p.tasks.Act(r.Context(), u, onBehalfOf, id, spec.update, build)
	}
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/tasks/%d?%s", id, url.Values{"done": {action}}.Encode()), http.StatusSeeOther)
		return
	}
	switch domain.KindOf(err) {
	case domain.KindInvalid, domain.KindConflict:
		kept.Error, kept.Fields = i18n.ErrorMessage(lang, err)
		p.showTask(w, r, u, id, statusOf(err), kept, "")
	case domain.KindForbidden:
		p.forbidden(w, r, u)
	default:
		p.fail(w, r, err)
	}
}
