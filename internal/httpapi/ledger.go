package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"lianxi/internal/auth"
	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/ledger"
	"lianxi/internal/postgres"
)

// ledgerCountsJSON are the counts of one line of the ledger's statistics.
// OnTimeRate is a percentage, null while nothing is done.
type ledgerCountsJSON struct {
	Total      int      `json:"total"`
	Assigned   int      `json:"assigned"`
	Open       int      `json:"open"`
	InProgress int      `json:"in_progress"`
	Submitted  int      `json:"submitted"`
	Accepted   int      `json:"accepted"`
	OnTime     int      `json:"on_time"`
	OnTimeRate *float64 `json:"on_time_rate"`
	Overdue    int      `json:"overdue"`
	Cancelled  int      `json:"cancelled"`
}

type ledgerDeptJSON struct {
	Code       string `json:"code"`
	NameZH     string `json:"name_zh"`
	NameEN     string `json:"name_en"`
	MergedInto string `json:"merged_into,omitempty"`
	ledgerCountsJSON
}

func countsJSON(d postgres.DepartmentStats) ledgerCountsJSON {
	out := ledgerCountsJSON{Total: d.Total, Assigned: d.Assigned(), Open: d.Open, InProgress: d.InProgress, Submitted: d.Submitted,
		Accepted: d.Accepted, OnTime: d.OnTime, Overdue: d.Overdue, Cancelled: d.Cancelled}
	if r, ok := d.OnTimeRate(); ok {
		r = float64(int(r*10+0.5)) / 10 // one decimal is what a ledger prints
		out.OnTimeRate = &r
	}
	return out
}

// ledgerUser returns the signed-in user when they may read the ledger: an
// administrator, or someone acting for a committee or a department (who
// then sees the tasks a task list shows them). Anyone else — an expert, say
// — gets 403, audited, rather than an empty ledger that looks like nothing
// is going on.
func (a *api) ledgerUser(w http.ResponseWriter, r *http.Request) (domain.User, bool) {
	u, ok := a.user(w, r)
	if !ok {
		return u, false
	}
	if v := postgres.ViewerOf(u); !v.All && len(v.Committees) == 0 && len(v.Departments) == 0 {
		a.forbid(w, r, u)
		return u, false
	}
	return u, true
}

// ledgerFilter reads the task-list filters of a request; the list's paging
// parameters mean nothing here and are ignored rather than checked.
func ledgerFilter(r *http.Request) (postgres.TaskFilter, error) {
	q := r.URL.Query()
	q.Del("cursor")
	q.Del("limit")
	u := *r.URL
	u.RawQuery = q.Encode()
	r2 := r.Clone(r.Context())
	r2.URL = &u
	f, _, _, err := taskFilter(r2)
	f.Now = time.Now()
	return f, err
}

// ledgerStats answers GET /api/v1/ledger: per lead department, the tasks
// the filters select among those the caller may see, and the totals.
func (a *api) ledgerStats(w http.ResponseWriter, r *http.Request) {
	u, ok := a.ledgerUser(w, r)
	if !ok {
		return
	}
	f, err := ledgerFilter(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	rows, err := a.Store.LedgerStats(r.Context(), f, postgres.ViewerOf(u))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var total postgres.DepartmentStats
	depts := make([]ledgerDeptJSON, len(rows))
	for i, d := range rows {
		total.Add(d)
		depts[i] = ledgerDeptJSON{Code: d.Department, NameZH: d.NameZH, NameEN: d.NameEN, MergedInto: d.MergedInto, ledgerCountsJSON: countsJSON(d)}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"generated_at": f.Now, "departments": depts, "totals": countsJSON(total)})
}

// Export formats: what the file is called and how it is served.
const (
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	csvType  = "text/csv; charset=utf-8"
)

// ledgerExport answers GET /api/v1/ledger.xlsx and /api/v1/ledger.csv: the
// tasks of GET /api/v1/ledger's statistics, one row each, as a file. The
// count is checked first, so an export over ledger.MaxRows is refused with
// a problem document before anything is sent; the rows are then read a page
// at a time. An export is a bulk read of other people's work, so it is
// audited like a change.
func (a *api) ledgerExport(ext string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.ledgerUser(w, r)
		if !ok {
			return
		}
		f, err := ledgerFilter(r)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		ctx, viewer := r.Context(), postgres.ViewerOf(u)
		rows, err := a.Store.LedgerStats(ctx, f, viewer)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		n := 0
		for _, d := range rows {
			n += d.Total
		}
		if n > ledger.MaxRows {
			a.fail(w, r, ledger.TooMany(n, ledger.MaxRows))
			return
		}
		sheet, err := a.ledgerSheet(r, f.Now)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		fetch := func(c context.Context, after postgres.TaskCursor, limit int) ([]domain.Task, error) {
			return a.Store.ListTasks(c, f, viewer, after, limit)
		}
		day := f.Now.In(calendar.Location).Format("20060102")
		d := &download{w: w, name: "督办台账-" + day + "." + ext, ascii: "ledger-" + day + "." + ext}
		var out ledger.Writer
		switch ext {
		case "xlsx":
			d.contentType = xlsxType
			x, err := ledger.NewXLSX(d, sheet)
			if err != nil {
				a.fail(w, r, err)
				return
			}
			defer x.Abort()
			out = x
		default:
			d.contentType = csvType
			c := ledger.NewCSV(d, sheet)
			// Send the rows to the client a page at a time instead of
			// holding a large file until the end.
			out = flushEvery{c, ledger.PageSize}
		}
		err = ledger.Each(ctx, fetch, ledger.MaxRows, out.Write)
		if err == nil {
			err = out.Close()
		}
		if err != nil {
			if !d.started {
				a.fail(w, r, err)
				return
			}
			// Half a file has gone out: cut the connection so the client
			// sees a failed download, never a file that looks complete.
			a.Log.Error("ledger export failed mid-stream", "err", err, "request_id", auth.RequestMeta(r).RequestID)
			panic(http.ErrAbortHandler)
		}
		a.Auth.Audit(ctx, u.Username, "ledger.export", "ledger:"+ext, domain.AuditOK, auth.RequestMeta(r))
	}
}

// ledgerSheet gathers what the rows need besides the tasks: current names
// of departments and committees, and the working-day calendar with the
// administrators' overrides.
func (a *api) ledgerSheet(r *http.Request, now time.Time) (ledger.Sheet, error) {
	ctx := r.Context()
	orgs, err := a.Store.ListOrganisations(ctx)
	if err != nil {
		return ledger.Sheet{}, err
	}
	cs, err := a.Store.ListCommittees(ctx)
	if err != nil {
		return ledger.Sheet{}, err
	}
	cal, err := a.Store.Calendar(ctx)
	if err != nil {
		return ledger.Sheet{}, err
	}
	return ledger.Sheet{Names: ledger.NamesOf(orgs, cs), Now: now, Calendar: cal}, nil
}

// flushEvery flushes a CSV ledger after every n rows.
type flushEvery struct {
	*ledger.CSVWriter
	n int
}

func (f flushEvery) Write(t domain.Task) error {
	if err := f.CSVWriter.Write(t); err != nil {
		return err
	}
	if f.Rows()%f.n == 0 {
		return f.Flush()
	}
	return nil
}

// download is the response of an export: its headers go out with the first
// byte, so an error before that still becomes a problem document without a
// file name attached.
type download struct {
	w           http.ResponseWriter
	contentType string
	name        string // the file name people see, in Chinese
	ascii       string // for clients that do not read RFC 5987
	started     bool
}

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.w.Header()
		h.Set("Content-Type", d.contentType)
		h.Set("Content-Disposition", contentDisposition(d.ascii, d.name))
		h.Set("Cache-Control", "no-store")
		d.w.WriteHeader(http.StatusOK)
	}
	return d.w.Write(p)
}

// contentDisposition names an attachment in ASCII for old clients and in
// UTF-8 for the rest (RFC 6266 with RFC 5987's filename*), which every
// current browser prefers.
func contentDisposition(ascii, name string) string {
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, rfc5987(name))
}

// rfc5987 percent-encodes a value for filename*: every byte but RFC 5987's
// attr-char.
func rfc5987(s string) string {
	const attr = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(attr, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
