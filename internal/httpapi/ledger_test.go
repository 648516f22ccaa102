package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
)

// ledgerTask stores a task straight through the store with a start
// callback that does nothing: the ledger reads rows, so its tests need no
// Temporal server.
func (e *env) ledgerTask(committee, title, lead string, co []string, due time.Time) int64 {
	e.t.Helper()
	task := domain.Task{Source: domain.TaskSource{Kind: "adhoc", Committee: committee}, Kind: domain.KindAdHoc, Title: title,
		Lead: lead, Co: co, Form: []domain.FormField{}, DueAt: due, Priority: domain.PriorityNormal, Status: domain.TaskOpen,
		CreatedBy: "office1", CreatedAt: due.AddDate(0, 0, -14)}
	id, err := e.store.CreateTask(context.Background(), task, domain.AuditRecord{Actor: "office1", Action: "task.create", Result: domain.AuditOK},
		func(domain.Task) error { return nil })
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// moveTask records a transition as the task's workflow would.
func (e *env) moveTask(id int64, status domain.TaskStatus, due, submitted time.Time) {
	e.t.Helper()
	at := time.Now().Add(-time.Minute)
	if !submitted.IsZero() {
		at = submitted
	}
	c := domain.TaskChange{Key: fmt.Sprintf("test:%d:%s", id, status), TaskID: id, Status: status, DueAt: due, DueChanged: true, SubmittedAt: submitted, At: at,
		Event: domain.TaskEvent{At: at, Actor: "someone", Kind: string(status)},
		Audit: domain.AuditRecord{Actor: "someone", Action: "task." + string(status), Object: fmt.Sprintf("task:%d", id), Result: domain.AuditOK}}
	if status.Closed() {
		c.ClosedAt = at
	}
	if err := e.store.RecordTaskChange(context.Background(), c); err != nil {
		e.t.Fatal(err)
	}
}

// ledgerFixture: finance leads five science tasks (one accepted on time,
// one accepted late, one open and overdue, one open in time, one
// cancelled), tax leads one with finance co-handling (overdue), land leads a
// culture task (overdue). Titles include one that would be a formula in a
// spreadsheet.
func (e *env) ledgerFixture() {
	now := time.Now()
	day := 24 * time.Hour
	past, future := now.Add(-10*day), now.Add(10*day)
	id := e.ledgerTask("science", "报送议题", "finance", nil, past)
	e.moveTask(id, domain.TaskSubmitted, past, past.Add(-day))
	e.moveTask(id, domain.TaskAccepted, past, past.Add(-day))
	id = e.ledgerTask("science", "=HYPERLINK(\"http://evil.example\",\"点击查看\")", "finance", []string{"tax"}, past)
	e.moveTask(id, domain.TaskSubmitted, past, past.Add(day))
	e.moveTask(id, domain.TaskAccepted, past, past.Add(day))
	e.ledgerTask("science", "落实会议决定", "finance", nil, past)
	e.ledgerTask("science", "确认参会人员", "finance", nil, future)
	id = e.ledgerTask("science", "已撤回的任务", "finance", nil, past)
	e.moveTask(id, domain.TaskCancelled, past, time.Time{})
	id = e.ledgerTask("science", "税收政策意见", "tax", []string{"finance"}, past)
	e.moveTask(id, domain.TaskInProgress, past, time.Time{})
	e.ledgerTask("culture", "文化项目进展", "land", nil, past)
}

type ledgerCounts struct {
	Total, Assigned, Open, Submitted, Accepted, Overdue, Cancelled int
	InProgress                                                     int      `json:"in_progress"`
	OnTime                                                         int      `json:"on_time"`
	OnTimeRate                                                     *float64 `json:"on_time_rate"`
}

type ledgerOut struct {
	GeneratedAt time.Time `json:"generated_at"`
	Departments []struct {
		Code   string `json:"code"`
		NameZH string `json:"name_zh"`
		NameEN string `json:"name_en"`
		ledgerCounts
	} `json:"departments"`
	Totals ledgerCounts `json:"totals"`
}

func TestLedgerStatistics(t *testing.T) {
	e := newEnv(t)
	e.ledgerFixture()

	got := decodeBody[ledgerOut](t, e.do(e.client("admin"), "GET", "/api/v1/ledger", ""))
	if len(got.Departments) != 3 {
		t.Fatalf("departments %+v", got.Departments)
	}
	fin, land, tax := got.Departments[0], got.Departments[1], got.Departments[2]
	if fin.Code != "finance" || fin.NameZH != "市财政局" || fin.NameEN != "Finance Bureau" || land.Code != "land" || tax.Code != "tax" {
		t.Fatalf("departments %+v", got.Departments)
	}
	if fin.Total != 5 || fin.Assigned != 4 || fin.Accepted != 2 || fin.OnTime != 1 || fin.OnTimeRate == nil || *fin.OnTimeRate != 50 ||
		fin.Overdue != 1 || fin.Open != 2 || fin.Cancelled != 1 {
		t.Errorf("finance %+v", fin.ledgerCounts)
	}
	if tax.Total != 1 || tax.InProgress != 1 || tax.Overdue != 1 || tax.OnTimeRate != nil {
		t.Errorf("tax %+v", tax.ledgerCounts)
	}
	if got.Totals.Total != 7 || got.Totals.Overdue != 3 || got.Totals.Accepted != 2 || got.Totals.OnTime != 1 || *got.Totals.OnTimeRate != 50 {
		t.Errorf("totals %+v", got.Totals)
	}

	// The filters of the task list.
	got = decodeBody[ledgerOut](t, e.do(e.client("admin"), "GET", "/api/v1/ledger?overdue=true&committee=science", ""))
	if got.Totals.Total != 2 || got.Totals.Overdue != 2 {
		t.Errorf("overdue science %+v", got.Totals)
	}
	got = decodeBody[ledgerOut](t, e.do(e.client("admin"), "GET", "/api/v1/ledger?status=accepted&limit=9999&cursor=junk", ""))
	if got.Totals.Total != 2 || got.Totals.Accepted != 2 {
		t.Errorf("accepted %+v", got.Totals)
	}
	p := problem(t, e.do(e.client("admin"), "GET", "/api/v1/ledger?status=done&due_from=yesterday", ""), http.StatusUnprocessableEntity)
	if len(p.Errors) != 2 {
		t.Errorf("errors %+v", p.Errors)
	}
}

func TestLedgerVisibility(t *testing.T) {
	e := newEnv(t)
	e.ledgerFixture()
	for _, c := range []struct {
		user string
		want map[string]int // department → tasks
	}{
		{"admin", map[string]int{"finance": 5, "land": 1, "tax": 1}},
		{"office1", map[string]int{"finance": 5, "tax": 1}},    // the science committee's
		{"cultureoffice", map[string]int{"land": 1}},           // the culture committee's
		{"liaison1", map[string]int{"finance": 5, "tax": 1}},   // finance leads or co-handles
		{"taxliaison", map[string]int{"finance": 1, "tax": 1}}, // tax co-handles one of finance's
		{"landmember", map[string]int{"land": 1}},              // its own only
	} {
		got := decodeBody[ledgerOut](t, e.do(e.client(c.user), "GET", "/api/v1/ledger", ""))
		seen := map[string]int{}
		for _, d := range got.Departments {
			seen[d.Code] = d.Total
		}
		if fmt.Sprint(seen) != fmt.Sprint(c.want) {
			t.Errorf("%s sees %v, want %v", c.user, seen, c.want)
		}
		// The export holds exactly the tasks the statistics count.
		rows := readCSV(t, e.do(e.client(c.user), "GET", "/api/v1/ledger.csv", ""))
		n := 0
		for _, v := range c.want {
			n += v
		}
		if len(rows)-1 != n {
			t.Errorf("%s exports %d tasks, want %d", c.user, len(rows)-1, n)
		}
	}
	// Signed out: 401; without a committee or department role: 403.
	for _, path := range []string{"/api/v1/ledger", "/api/v1/ledger.xlsx", "/api/v1/ledger.csv"} {
		problem(t, e.do(e.client(""), "GET", path, ""), http.StatusUnauthorized)
		problem(t, e.do(e.client("expert1"), "GET", path, ""), http.StatusForbidden)
	}
	// A liaison asking for another committee's ledger gets its share of
	// it: nothing.
	got := decodeBody[ledgerOut](t, e.do(e.client("liaison1"), "GET", "/api/v1/ledger?committee=culture", ""))
	if len(got.Departments) != 0 || got.Totals.Total != 0 {
		t.Errorf("liaison sees culture's %+v", got)
	}
}

func readCSV(t *testing.T, resp *http.Response) [][]string {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("csv: status %d", resp.StatusCode)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutPrefix(raw, []byte("\ufeff"))
	if !ok {
		t.Fatal("csv without a byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestLedgerExports(t *testing.T) {
	e := newEnv(t)
	e.ledgerFixture()
	office := e.client("office1")
	today := time.Now().In(calendar.Location).Format("20060102")

	resp := e.do(office, "GET", "/api/v1/ledger.csv?committee=science", "")
	if ct := resp.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("csv content type %q", ct)
	}
	cd := resp.Header.Get("Content-Disposition")
	wantName := "督办台账-" + today + ".csv"
	if !strings.HasPrefix(cd, `attachment; filename="ledger-`+today+`.csv"; filename*=UTF-8''`) || !strings.HasSuffix(cd, url.PathEscape(wantName)) {
		t.Errorf("content disposition %q", cd)
	}
	rows := readCSV(t, resp)
	if strings.Join(rows[0], ",") != "序号,任务编号,任务,来源,牵头单位,配合单位,办理期限,状态,逾期工作日数,报送时间,备注" {
		t.Errorf("csv header %q", rows[0])
	}
	if len(rows) != 7 {
		t.Fatalf("csv rows %q", rows)
	}
	var titles []string
	for i, r := range rows[1:] {
		if r[0] != fmt.Sprint(i+1) || r[3] != "市科技创新工作联席会议 · 临时交办" {
			t.Errorf("row %d: %q", i+1, r)
		}
		titles = append(titles, r[2])
		switch r[2] {
		case "税收政策意见":
			if r[4] != "市税务局" || r[5] != "市财政局" || r[7] != "办理中" || r[8] == "" || r[8] == "0" {
				t.Errorf("tax row %q", r)
			}
		case "确认参会人员":
			if r[7] != "待办理" || r[8] != "" {
				t.Errorf("future row %q", r)
			}
		}
		due, err := time.ParseInLocation("2006-01-02 15:04", r[6], calendar.Location)
		if err != nil || due.IsZero() {
			t.Errorf("due %q: %v", r[6], err)
		}
	}
	if !slices.Contains(titles, `'=HYPERLINK("http://evil.example","点击查看")`) {
		t.Errorf("the formula title is not defused: %q", titles)
	}

	resp = e.do(office, "GET", "/api/v1/ledger.xlsx?status=accepted", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("xlsx: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, url.PathEscape("督办台账-"+today+".xlsx")) {
		t.Errorf("xlsx content disposition %q", cd)
	}
	f, err := excelize.OpenReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	xrows, err := f.GetRows("督办台账")
	if err != nil {
		t.Fatal(err)
	}
	if len(xrows) != 3 || xrows[0][0] != "序号" || xrows[0][7] != "状态" {
		t.Fatalf("xlsx rows %q", xrows)
	}
	for _, r := range xrows[1:] {
		if r[4] != "市财政局" || r[7] != "已办结" || r[9] == "" {
			t.Errorf("xlsx row %q", r)
		}
	}
	// Accepted late: one row says how late it was.
	if xrows[1][8] == "" && xrows[2][8] == "" {
		t.Errorf("no accepted row is late: %q", xrows)
	}

	// An empty ledger is a header alone, not an error.
	if rows := readCSV(t, e.do(office, "GET", "/api/v1/ledger.csv?q=nothing-matches-this", "")); len(rows) != 1 {
		t.Errorf("empty export %q", rows)
	}
	// A bad filter is a problem document, with no file name attached.
	resp = e.do(office, "GET", "/api/v1/ledger.xlsx?overdue=maybe", "")
	problem(t, resp, http.StatusUnprocessableEntity)
	if resp.Header.Get("Content-Disposition") != "" {
		t.Error("a refused export names a file")
	}
}

func TestLedgerExportRefusesMoreThanTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("inserts 100,001 tasks")
	}
	e := newEnv(t)
	if _, err := e.store.Pool().Exec(context.Background(),
		`INSERT INTO tasks (source_kind, committee_code, kind, title, lead_org, due_at, created_by)
		 SELECT 'adhoc', 'science', 'adhoc', '任务 ' || i, 'finance', now() + i * interval '1 minute', 'bench'
		 FROM generate_series(1, 100001) i`); err != nil {
		t.Fatal(err)
	}
	p := problem(t, e.do(e.client("admin"), "GET", "/api/v1/ledger.csv", ""), http.StatusUnprocessableEntity)
	if !strings.Contains(p.Title, "100001") || !strings.Contains(p.Title, "100000") {
		t.Errorf("title %q", p.Title)
	}
	// Narrowed below the limit, it goes through.
	if resp := e.do(e.client("admin"), "GET", "/api/v1/ledger?q="+url.QueryEscape("任务 100001"), ""); resp.StatusCode != http.StatusOK {
		t.Errorf("statistics: %d", resp.StatusCode)
	}
}
