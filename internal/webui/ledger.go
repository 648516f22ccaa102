package webui

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/postgres"
)

// ledgerForm is the ledger's filters as typed: dates are days in Asia/
// Shanghai, "to" included.
type ledgerForm struct {
	Committee  string
	Department string
	Status     string
	Overdue    bool
	Q          string
	From       string
	To         string
}

// statRow is one department's line of the statistics.
type statRow struct {
	postgres.DepartmentStats
	Name    string
	Merged  string // the department it has since been merged into, by name
	Working int    // open or in progress
	Rate    string // on time, "50.0%", or empty while nothing is done
	Link    string // the ledger filtered to the department
}

// ledgerPage is the supervision ledger: filters, statistics per lead
// department, the tasks a page at a time, and links to the exports.
type ledgerPage struct {
	Form        ledgerForm
	Fields      map[string]string
	Committees  []option
	Departments []option
	Statuses    []option
	Stats       []statRow
	Total       statRow
	Rows        []taskRow
	Next        string
	First       string
	ExportXLSX  string
	ExportCSV   string
	Generated   time.Time
}

// readLedgerForm reads the filters of the ledger page into the task filter
// the statistics, the list and the exports share, and the query of the
// API's exports.
func readLedgerForm(q url.Values, now time.Time) (ledgerForm, postgres.TaskFilter, url.Values, error) {
	form := ledgerForm{Committee: q.Get("committee"), Department: q.Get("department"), Status: q.Get("status"),
		Q: strings.TrimSpace(q.Get("q")), From: q.Get("from"), To: q.Get("to")}
	switch q.Get("overdue") {
	case "1", "true", "on":
		form.Overdue = true
	}
	var v domain.Validation
	f := postgres.TaskFilter{Committee: form.Committee, Department: form.Department, Status: domain.TaskStatus(form.Status),
		Overdue: form.Overdue, Text: form.Q, Now: now}
	v.Check(f.Status == "" || f.Status.Valid(), "status", "validation.one_of", map[string]any{"values": "open, in_progress, submitted, accepted, cancelled"})
	api := url.Values{}
	for k, s := range map[string]string{"committee": form.Committee, "department": form.Department, "status": form.Status, "q": form.Q} {
		if s != "" {
			api.Set(k, s)
		}
	}
	if form.Overdue {
		api.Set("overdue", "true")
	}
	for _, d := range []struct {
		field string
		value string
		dst   *time.Time
		next  int // days after the date the bound falls: "to" includes its day
		param string
	}{{"from", form.From, &f.DueFrom, 0, "due_from"}, {"to", form.To, &f.DueTo, 1, "due_to"}} {
		if d.value == "" {
			continue
		}
		day, err := calendar.ParseDate(d.value)
		if err != nil {
			v.Add(d.field, "validation.type_date", nil)
			continue
		}
		*d.dst = day.AddDays(d.next).At(0, 0)
		api.Set(d.param, d.dst.Format(time.RFC3339))
	}
	return form, f, api, v.Err()
}

// canReadLedger reports whether a person may read the ledger: as for the
// API, administrators and anyone acting for a committee or a department.
func canReadLedger(u domain.User) bool {
	v := postgres.ViewerOf(u)
	return v.All || len(v.Committees) > 0 || len(v.Departments) > 0
}

func percent(d postgres.DepartmentStats) string {
	r, ok := d.OnTimeRate()
	if !ok {
		return ""
	}
	return strconv.FormatFloat(r, 'f', 1, 64) + "%"
}

func (p *Pages) ledgerPage(w http.ResponseWriter, r *http.Request) {
	u, ok := p.user(w, r)
	if !ok {
		return
	}
	if p.tasks == nil || p.ledger == nil {
		p.renderError(w, r, http.StatusNotFound, nil)
		return
	}
	if !canReadLedger(u) {
		p.forbidden(w, r, u)
		return
	}
	ctx, q := r.Context(), r.URL.Query()
	v := p.newView(r, "page.ledger.title", "ledger")
	now := p.now()
	form, f, api, ferr := readLedgerForm(q, now)
	n, cs, orgs, err := p.taskNames(ctx, v.Lang)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	data := ledgerPage{Form: form, Generated: now}
	data.Committees = append(data.Committees, option{Value: "", Label: v.T("ledger.filter.all_committees")})
	for _, c := range cs {
		data.Committees = append(data.Committees, option{Value: c.Code, Label: v.Name(c), Selected: c.Code == form.Committee})
	}
	data.Departments = append(data.Departments, option{Value: "", Label: v.T("ledger.filter.all_departments")})
	for _, o := range orgs {
		if o.Kind == domain.OrgDepartment {
			data.Departments = append(data.Departments, option{Value: o.Code, Label: v.Name(o), Selected: o.Code == form.Department})
		}
	}
	data.Statuses = append(data.Statuses, option{Value: "", Label: v.T("ledger.filter.all_statuses")})
	for _, s := range domain.TaskStatuses {
		data.Statuses = append(data.Statuses, option{Value: string(s), Label: v.StatusLabel(s), Selected: string(s) == form.Status})
	}
	if ferr != nil {
		_, data.Fields = i18n.ErrorMessage(v.Lang, ferr)
		v.Data = data
		p.render(w, r, http.StatusUnprocessableEntity, "ledger", v)
		return
	}
	stats, err := p.ledger.LedgerStats(ctx, f, postgres.ViewerOf(u))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	var total postgres.DepartmentStats
	for _, d := range stats {
		total.Add(d)
		link := url.Values{}
		for k, vs := range q {
			link[k] = vs
		}
		link.Del("after")
		link.Set("department", d.Department)
		row := statRow{DepartmentStats: d, Name: d.Name(string(v.Lang)), Working: d.Open + d.InProgress, Rate: percent(d),
			Link: "/ledger?" + link.Encode()}
		if d.MergedInto != "" {
			row.Merged = n.org(d.MergedInto)
		}
		data.Stats = append(data.Stats, row)
	}
	data.Total = statRow{DepartmentStats: total, Working: total.Open + total.InProgress, Rate: percent(total)}

	after := parseCursor(q.Get("after"))
	ts, more, err := p.listPage(ctx, u, f, nil, after, listPageSize)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	cal, err := p.calendar(ctx)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	data.Rows = p.rows(v.Lang, n, cal, ts)
	page := url.Values{}
	for k, vs := range q {
		if k != "after" && k != "lang" {
			page[k] = vs
		}
	}
	if more {
		next := url.Values{"after": {formatCursor(cursorOf(ts[len(ts)-1]))}}
		for k, vs := range page {
			next[k] = vs
		}
		data.Next = "/ledger?" + next.Encode()
	}
	if after.ID != 0 {
		data.First = "/ledger?" + page.Encode()
	}
	data.ExportXLSX = "/api/v1/ledger.xlsx?" + api.Encode()
	data.ExportCSV = "/api/v1/ledger.csv?" + api.Encode()
	v.Data = data
	p.render(w, r, http.StatusOK, "ledger", v)
}
