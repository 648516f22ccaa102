package webui

import (
	"context"
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
	"lianxi/workflows"
)

// Decision rows of the record form: five to start with, more on asking
// (?decisions=10), up to a bound far above any sitting's decisions.
const (
	decisionRowsDefault = 5
	maxDecisionRows     = 50
)

// decisionRowsOf is how many decision rows the record form offers: the
// default, more when asked for, and as many as came back refused.
func decisionRowsOf(asked string, refused cycleForm) int {
	n := decisionRowsDefault
	if x, err := strconv.Atoi(asked); err == nil {
		n = max(n, min(x, maxDecisionRows))
	}
	if refused.Action == "record" {
		if x, err := strconv.Atoi(refused.Values.Get("decision_rows")); err == nil {
			n = max(n, min(x, maxDecisionRows))
		}
	}
	return n
}

// cycleCall is what a cycle form asks for, ready to send. rename gives the
// input a domain field of a refusal belongs to ("" for the top of the
// form); nil when the inputs are named like the fields.
type cycleCall struct {
	send   func(ctx context.Context, m Meetings, u domain.User) error
	rename func(string) string
}

// cycleSpec is one form of the cycle page: who the page lets try it, and
// how the form becomes the call. An input that does not parse is a field
// error before anything is sent.
type cycleSpec struct {
	allowed func(cycleViewer) bool
	read    func(p *Pages, r *http.Request, c domain.Cycle, decision int) (cycleCall, error)
}

// update is a call of one of the cycle workflow's updates.
func update(id, name string, arg func(workflows.Action) any, rename func(string) string) cycleCall {
	return cycleCall{rename: rename, send: func(ctx context.Context, m Meetings, u domain.User) error {
		_, err := m.Act(ctx, u, "", id, name, arg)
		return err
	}}
}

// renames is a rename from a table of domain field names; a name not in
// it is the input's own.
func renames(m map[string]string) func(string) string {
	return func(field string) string {
		if to, ok := m[field]; ok {
			return to
		}
		return field
	}
}

// cycleActions are the cycle page's forms, by the last segment of their
// address (POST /cycles/{id}/{action}).
var cycleActions = map[string]cycleSpec{
	"add-item":           {cycleViewer.office, readAddItem},
	"close-agenda-call":  {cycleViewer.office, readNote(workflows.UpdateCloseAgendaCall)},
	"extend-agenda-call": {cycleViewer.office, readExtend},
	"compile":            {cycleViewer.office, readCompile},
	"approve":            {cycleViewer.convener, readNote(workflows.UpdateApproveAgenda)},
	"return":             {cycleViewer.convener, readReturn},
	"notice":             {cycleViewer.office, readNotice},
	"record":             {cycleViewer.office, readRecord},
	"cancel":             {cycleViewer.office, readCancel},
}

// decisionActions are the forms of one decision's follow-up
// (POST /cycles/{id}/decisions/{n}/{action}).
var decisionActions = map[string]cycleSpec{
	"accept":     {cycleViewer.office, readFollowUp(true, "note")},
	"return":     {cycleViewer.office, readFollowUp(false, "reason")},
	"carry-over": {cycleViewer.office, readCarryOver},
}

// cycleAction carries a form of the cycle page to the cycle's workflow: on
// success it redirects to the cycle's page (post/redirect/get); a refusal
// shows the page again with the messages beside the inputs and what was
// typed kept.
func (p *Pages) cycleAction(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	id, name := chi.URLParam(r, "id"), chi.URLParam(r, "action")
	spec, known := cycleActions[name]
	form, decision := name, 0
	if s := chi.URLParam(r, "decision"); s != "" {
		spec, known = decisionActions[name]
		n, err := strconv.Atoi(s)
		known = known && err == nil && n > 0
		form, decision = "decision-"+strconv.Itoa(n)+"-"+name, n
	}
	if !known || p.meet == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	lang := i18n.FromRequest(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxTaskFormBytes)
	if err := r.ParseForm(); err != nil {
		p.showCycle(w, r, u, id, http.StatusRequestEntityTooLarge, cycleForm{Action: form, Error: i18n.T(lang, "error.body_too_large", nil)}, "")
		return
	}
	c, ok := p.cycleOf(w, r, u, id)
	if !ok {
		return
	}
	if !spec.allowed(cycleViewer{u: u, c: c}) {
		p.forbidden(w, r, u)
		return
	}
	call, err := spec.read(p, r, c, decision)
	if err == nil {
		err = call.send(r.Context(), p.meet, u)
	}
	if err == nil {
		http.Redirect(w, r, cycleURL(c.ID)+"?"+url.Values{"done": {name}}.Encode(), http.StatusSeeOther)
		return
	}
	p.cycleRefused(w, r, u, err, func() {
		p.showCycle(w, r, u, id, statusOf(err), refusedForm(lang, form, r.PostForm, err, call.rename), "")
	})
}

func readAddItem(_ *Pages, r *http.Request, c domain.Cycle, _ int) (cycleCall, error) {
	f := r.PostForm
	in := domain.ItemInput{Section: f.Get("section"), Department: f.Get("department"), Title: f.Get("title"), Summary: f.Get("summary"),
		DecisionRequested: f.Get("decision_requested")}
	return update(c.ID, workflows.UpdateAddItem, func(a workflows.Action) any { return workflows.AddItemRequest{Action: a, Item: in} }, nil), nil
}

func readNote(name string) func(*Pages, *http.Request, domain.Cycle, int) (cycleCall, error) {
	return func(_ *Pages, r *http.Request, c domain.Cycle, _ int) (cycleCall, error) {
		note := r.PostForm.Get("note")
		return update(c.ID, name, func(a workflows.Action) any { return workflows.NoteRequest{Action: a, Note: note} }, nil), nil
	}
}

func readReturn(_ *Pages, r *http.Request, c domain.Cycle, _ int) (cycleCall, error) {
	comments := r.PostForm.Get("comments")
	return update(c.ID, workflows.UpdateReturnAgenda, func(a workflows.Action) any {
		return workflows.ReturnAgendaRequest{Action: a, Comments: comments}
	}, nil), nil
}

func readCancel(_ *Pages, r *http.Request, c domain.Cycle, _ int) (cycleCall, error) {
	reason := r.PostForm.Get("reason")
	return update(c.ID, workflows.UpdateCancelCycle, func(a workflows.Action) any { return workflows.ReasonRequest{Action: a, Reason: reason} }, nil), nil
}

// readExtend reads the agenda call's new deadline: the end of the working
// day chosen.
func readExtend(p *Pages, r *http.Request, c domain.Cycle, _ int) (cycleCall, error) {
	call := update(c.ID, workflows.UpdateExtendAgenda, nil, nil)
	due, err := p.dueDate(r, "due_at", true)
	if err != nil {
		return call, err
	}
	return update(c.ID, workflows.UpdateExtendAgenda, func(a workflows.Action) any { return workflows.ExtendRequest{Action: a, DueAt: *due} }, nil), nil
}

// localMinute is how a datetime-local input writes a time (Asia/Shanghai).
const localMinute = "2006-01-02T15:04"

func readNotice(_ *Pages, r *http.Request, c domain.Cycle, _ int) (cycleCall, error) {
	f := r.PostForm
	call := update(c.ID, workflows.UpdateNotice, nil, nil)
	var v domain.Validation
	at, err := time.ParseInLocation(localMinute, strings.TrimSpace(f.Get("starts_at")), calendar.Location)
	v.Check(err == nil, "starts_at", "cycle.error.datetime", nil)
	if err := v.Err(); err != nil {
		return call, err
	}
	n := domain.Notice{StartsAt: at, Place: f.Get("place"), Note: f.Get("note")}
	return update(c.ID, workflows.UpdateNotice, func(a workflows.Action) any { return workflows.NoticeRequest{Action: a, Notice: n} }, nil), nil
}

// Placements of an item in the compile form.
const (
	placeAgenda = "agenda"
	placeMerge  = "merge"
	placeDefer  = "defer"
	placeReject = "reject"
)

// openItems are the items a compilation places: those on the agenda (after
// a return) in their order, then those proposed.
func openItems(c domain.Cycle) []domain.AgendaItem {
	out := c.Agenda()
	for _, it := range c.Items {
		if it.Status == domain.ItemProposed {
			out = append(out, it)
		}
	}
	return out
}

// readCompile reads the compile form, one row per open item ("item.7.place",
// ".position", ".into", ".reason"), into an arrangement: the items put on
// the agenda in the order of their positions, the others merged, deferred
// or rejected.
func readCompile(_ *Pages, r *http.Request, c domain.Cycle, _ int) (cycleCall, error) {
	f := r.PostForm
	var in domain.Compilation
	var v domain.Validation
	m := map[string]string{"order": ""}
	type placed struct{ id, pos, seq int }
	var agenda []placed
	for seq, it := range openItems(c) {
		key := "item." + strconv.Itoa(it.ID) + "."
		reason := strings.TrimSpace(f.Get(key + "reason"))
		switch f.Get(key + "place") {
		case placeAgenda:
			pos, err := strconv.Atoi(strings.TrimSpace(f.Get(key + "position")))
			if err != nil || pos < 1 {
				v.Add(key+"position", "validation.type_number", nil)
				continue
			}
			agenda = append(agenda, placed{it.ID, pos, seq})
		case placeMerge:
			into, _ := strconv.Atoi(f.Get(key + "into"))
			pre := "merge[" + strconv.Itoa(len(in.Merge)) + "]."
			m[pre+"item"], m[pre+"into"] = key+"place", key+"into"
			in.Merge = append(in.Merge, domain.Placement{Item: it.ID, Into: into, Reason: reason})
		case placeDefer:
			pre := "defer[" + strconv.Itoa(len(in.Defer)) + "]."
			m[pre+"item"], m[pre+"reason"] = key+"place", key+"reason"
			in.Defer = append(in.Defer, domain.Placement{Item: it.ID, Reason: reason})
		case placeReject:
			pre := "reject[" + strconv.Itoa(len(in.Reject)) + "]."
			m[pre+"item"], m[pre+"reason"] = key+"place", key+"reason"
			in.Reject = append(in.Reject, domain.Placement{Item: it.ID, Reason: reason})
		default:
			v.Add(key+"place", "validation.required", nil)
		}
	}
	slices.SortStableFunc(agenda, func(a, b placed) int {
		if a.pos != b.pos {
			return a.pos - b.pos
		}
		return a.seq - b.seq
	})
	for i, a := range agenda {
		in.Order = append(in.Order, a.id)
		m["order["+strconv.Itoa(i)+"]"] = "item." + strconv.Itoa(a.id) + ".place"
	}
	call := update(c.ID, workflows.UpdateCompile, func(a workflows.Action) any { return workflows.CompileRequest{Action: a, Compilation: in} }, renames(m))
	return call, v.Err()
}

// readRecord reads the record form: each member's attendance
// ("att.finance.status", ".name", ".post"), the minutes of each agenda item
// ("minutes.7"), the general and joint minutes, and the decision rows
// ("decision.0.title", ".item", ".section", ".lead", ".co", ".due",
// ".done_when"), rows left empty dropped.
func readRecord(p *Pages, r *http.Request, c domain.Cycle, _ int) (cycleCall, error) {
	f := r.PostForm
	rec := domain.MeetingRecord{Minutes: f.Get("minutes"), JointMinutes: f.Get("joint_minutes"), Items: []domain.ItemMinutes{}, Decisions: []domain.DecisionInput{}}
	m := map[string]string{"notice": "", "decisions": ""}
	for _, a := range c.Attendance {
		// A department the form does not name keeps what it answered.
		key, pre := "att."+a.Department+".", "attendance["+strconv.Itoa(len(rec.Attendance))+"]."
		if _, ok := f[key+"status"]; !ok {
			continue
		}
		rec.Attendance = append(rec.Attendance, domain.AttendanceRecord{Department: a.Department, Status: f.Get(key + "status"),
			Name: strings.TrimSpace(f.Get(key + "name")), Post: strings.TrimSpace(f.Get(key + "post"))})
		m[pre+"department"], m[pre+"status"], m[pre+"name"], m[pre+"post"] = key+"status", key+"status", key+"name", key+"post"
	}
	for _, it := range c.Agenda() {
		input := "minutes." + strconv.Itoa(it.ID)
		if text := f.Get(input); strings.TrimSpace(text) != "" {
			pre := "items[" + strconv.Itoa(len(rec.Items)) + "]."
			m[pre+"item"], m[pre+"text"] = input, input
			rec.Items = append(rec.Items, domain.ItemMinutes{Item: it.ID, Text: text})
		}
	}
	var v domain.Validation
	var invalid error
	for k := range decisionRowsOf(f.Get("decision_rows"), cycleForm{}) {
		key := "decision." + strconv.Itoa(k) + "."
		get := func(s string) string { return strings.TrimSpace(f.Get(key + s)) }
		co := slices.DeleteFunc(slices.Clone(f[key+"co"]), func(s string) bool { return s == "" })
		if get("title") == "" && get("item") == "" && get("lead") == "" && get("due") == "" && get("done_when") == "" && len(co) == 0 {
			continue
		}
		d := domain.DecisionInput{Title: get("title"), Section: f.Get(key + "section"), Lead: get("lead"), Co: co, DoneWhen: get("done_when")}
		if s := get("item"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				v.Add(key+"item", "validation.id", nil)
			}
			d.Item = n
			if it := c.Item(n); it != nil {
				d.Section = it.Section
			}
		}
		if due, err := p.dueDate(r, key+"due", true); err != nil {
			invalid = domain.JoinInvalid(invalid, err)
		} else {
			d.DueAt = *due
		}
		pre := "decisions[" + strconv.Itoa(len(rec.Decisions)) + "]."
		for from, to := range map[string]string{"title": "title", "item": "item", "section": "item", "lead_department": "lead", "due_at": "due", "done_when": "done_when"} {
			m[pre+from] = key + to
		}
		for j := range co {
			m[pre+"co_departments["+strconv.Itoa(j)+"]"] = key + "co"
		}
		rec.Decisions = append(rec.Decisions, d)
	}
	call := update(c.ID, workflows.UpdateRecord, func(a workflows.Action) any { return workflows.RecordRequest{Action: a, MeetingRecord: rec} }, renames(m))
	return call, domain.JoinInvalid(v.Err(), invalid)
}

func readCarryOver(_ *Pages, r *http.Request, c domain.Cycle, decision int) (cycleCall, error) {
	reason := r.PostForm.Get("reason")
	return update(c.ID, workflows.UpdateCarryOver, func(a workflows.Action) any {
		return workflows.CarryOverRequest{Action: a, Decision: decision, Reason: reason}
	}, renames(map[string]string{"decision": ""})), nil
}

// readFollowUp accepts or returns a decision's result, through the
// decision's task.
func readFollowUp(accept bool, field string) func(*Pages, *http.Request, domain.Cycle, int) (cycleCall, error) {
	return func(_ *Pages, r *http.Request, c domain.Cycle, decision int) (cycleCall, error) {
		text := r.PostForm.Get(field)
		return cycleCall{send: func(ctx context.Context, m Meetings, u domain.User) error {
			_, err := m.FollowUp(ctx, u, "", c.ID, decision, accept, text)
			return err
		}}, nil
	}
}

// defaults fills what the forms start with: the notice as sent, every
// open item on the agenda in its order, the attendance as answered.
func (cv cycleViewer) defaults(f *forms) {
	c := cv.c
	if c.Notice != nil {
		f.set("notice", "starts_at", c.Notice.StartsAt.In(calendar.Location).Format(localMinute))
		f.set("notice", "place", c.Notice.Place)
		f.set("notice", "note", c.Notice.Note)
	}
	for i, it := range openItems(c) {
		key := "item." + strconv.Itoa(it.ID) + "."
		f.set("compile", key+"place", placeAgenda)
		f.set("compile", key+"position", strconv.Itoa(i+1))
	}
	for _, a := range c.Attendance {
		key := "att." + a.Department + "."
		status, name, post := domain.AttendedAbsent, "", ""
		switch {
		case a.Answer == domain.AttendanceAttend:
			status, name, post = domain.AttendedPresent, a.Name, a.Post
		case a.Answer == domain.AttendanceLeave && a.DelegateName != "":
			status, name, post = domain.AttendedDelegate, a.DelegateName, a.DelegatePost
		}
		f.set("record", key+"status", status)
		f.set("record", key+"name", name)
		f.set("record", key+"post", post)
	}
}
