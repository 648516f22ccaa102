package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/temporal/devtest"
)

// TestMasterpieceWorkbooks runs a short year — three applications, the
// experts' scores, a planning seminar putting two on the list, one tranche
// released — and downloads its portfolio and funding plan: as workbooks,
// named for the year, with the projects and sums in their cells; to those
// who see the whole year and to nobody else.
func TestMasterpieceWorkbooks(t *testing.T) {
	e := newEnvWith(t, devtest.Start(t))
	ctx := context.Background()
	office, convener := e.client("cultureoffice"), e.client("cultureconvener")
	depts := e.liaisons("culture")
	bureau, soe, finance := depts["culture-bureau"], depts["culture-soe"], depts["finance"]
	for i := range 4 {
		name := fmt.Sprintf("wb-expert-%d", i)
		if _, err := e.auth.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: name, Password: password,
			Grants: []domain.Grant{{Role: domain.RoleExpert}}}, auth.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	const base = "/api/v1/masterpiece-rounds/2026"
	e.json(office, "POST", "/api/v1/masterpiece-rounds", `{"year":2026}`, http.StatusCreated, nil)
	due := func(days int) string { return time.Now().AddDate(0, 0, days).UTC().Format(time.RFC3339) }
	for _, a := range []struct {
		c             *http.Client
		unit, sponsor string
		title         string
	}{{bureau, "culture-bureau", "culture-bureau", "花鼓戏《齐白石》"}, {bureau, "mao-memorial", "culture-bureau", "纪录片《韶山》"},
		{soe, "culture-soe", "culture-soe", "国画长卷《湘潭八景》"}} {
		e.json(a.c, "POST", base+"/applications", fmt.Sprintf(`{"unit":%q,"sponsor":%q,"title":%q,"genre":"drama","creators":["编剧甲"],
			"summary":"原创作品。","budget":500000,"requested":200000,"schedule":[{"title":"剧本完成","due":%q}],"contact":"张老师"}`,
			a.unit, a.sponsor, a.title, due(60)), http.StatusOK, nil)
	}
	e.json(office, "POST", base+"/close-call", `{}`, http.StatusOK, nil)
	for id := 1; id <= 3; id++ {
		e.json(office, "POST", fmt.Sprintf("%s/applications/%d/screening", base, id), `{"decision":"accepted"}`, http.StatusOK, nil)
	}
	var m domain.Masterpieces
	e.json(office, "POST", base+"/close-screening", `{}`, http.StatusOK, &m)
	e.waitRound(office, m.Round, "drawn", func(r roundOut) bool { return r.Phase == "review" })
	// Five experts for five reviewers an application: each reviews all
	// three, once their reviews are listed (the list reads the rounds as
	// last recorded, a moment after the draw).
	for _, name := range []string{"expert1", "wb-expert-0", "wb-expert-1", "wb-expert-2", "wb-expert-3"} {
		c := e.client(name)
		var as struct {
			Reviews []struct {
				ID    string       `json:"id"`
				Entry domain.Entry `json:"entry"`
			} `json:"reviews"`
		}
		for deadline := time.Now().Add(30 * time.Second); len(as.Reviews) < 3; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s has %d reviews, want 3", name, len(as.Reviews))
			}
			e.json(c, "GET", "/api/v1/reviews", "", http.StatusOK, &as)
		}
		for _, r := range as.Reviews {
			s := 90 - 5*r.Entry.ID
			e.json(c, "POST", "/api/v1/reviews/"+r.ID+"/scores",
				fmt.Sprintf(`{"scores":{"artistic_merit":%d,"theme":%d,"feasibility":%d,"local_character":%d}}`, s, s, s, s), http.StatusOK, nil)
		}
	}
	e.waitMasterpieces(office, 2026, "ranked", func(m domain.Masterpieces) bool { return m.Phase == domain.MasterpieceSeminar })

	// The seminar lists the first (two tranches) and the third, whose only
	// milestone was due yesterday: its report is overdue at once.
	e.json(office, "POST", base+"/seminars", fmt.Sprintf(`{"kind":"planning","at":%q,"place":"市委宣传部三楼会议室","attendees":["宣传部","财政局"],
		"minutes":"研究确定重点项目。","decisions":[
		{"application":1,"support":200000,"tranches":[{"milestone":"剧本完成","due":%q,"amount":120000},{"milestone":"首演","due":%q,"amount":80000}]},
		{"application":3,"support":60000,"tranches":[{"milestone":"完稿","due":%q,"amount":60000}]}]}`, due(-2), due(30), due(200), due(-1)), http.StatusOK, nil)
	e.json(convener, "POST", base+"/seminars/1/confirm", `{}`, http.StatusOK, nil)
	m = e.waitMasterpieces(office, 2026, "asking for reports", func(m domain.Masterpieces) bool { return projectOf(m, "2026-1").Tranches[0].TaskID != 0 })
	report := projectOf(m, "2026-1").Tranches[0].TaskID
	e.json(bureau, "POST", fmt.Sprintf("/api/v1/tasks/%d/submit", report), `{"values":{"report":"剧本已定稿。"}}`, http.StatusOK, nil)
	e.json(office, "POST", fmt.Sprintf("/api/v1/tasks/%d/accept", report), `{}`, http.StatusOK, nil)
	e.waitMasterpieces(office, 2026, "reported", func(m domain.Masterpieces) bool {
		return projectOf(m, "2026-1").Tranches[0].Status == domain.TrancheReported
	})
	e.json(office, "POST", base+"/projects/2026-1/tranches/1/approve", `{}`, http.StatusOK, nil)
	e.json(finance, "POST", base+"/projects/2026-1/tranches/1/release", `{}`, http.StatusOK, nil)

	// A unit sees its own projects, not the year's workbooks.
	for _, kind := range []string{"portfolio", "funding"} {
		problem(t, e.do(bureau, "GET", base+"/"+kind+".xlsx", ""), http.StatusForbidden)
	}
	problem(t, e.do(office, "GET", "/api/v1/masterpiece-rounds/2031/portfolio.xlsx", ""), http.StatusNotFound)

	// The portfolio, as the office downloads it.
	sheet, rows := workbook(t, e.do(office, "GET", base+"/portfolio.xlsx", ""), "masterpieces-portfolio-2026.xlsx")
	if sheet != "项目库" || len(rows) != 4 || rows[0][0] != "项目编号" {
		t.Fatalf("portfolio %q: %q", sheet, rows)
	}
	first, third := rows[1], rows[2]
	if first[0] != "2026-1" || first[1] != "花鼓戏《齐白石》" || first[3] != "市文体广新局" || first[6] != "实施中" || first[8] != "120,000.00" ||
		first[9] != "80,000.00" || first[10] != "1/2" || first[11] != "首演" {
		t.Errorf("first project %q", first)
	}
	if third[0] != "2026-3" || third[2] != "市管国有文化企业" || third[13] != "是" {
		t.Errorf("the overdue project %q", third)
	}
	if total := rows[3]; total[1] != "合计" || total[7] != "260,000.00" || total[8] != "120,000.00" {
		t.Errorf("totals %q", total)
	}

	// The funding plan, as the finance bureau downloads it.
	sheet, rows = workbook(t, e.do(finance, "GET", base+"/funding.xlsx", ""), "masterpieces-funding-2026.xlsx")
	if sheet != "资金计划" || len(rows) != 1+3+2+1 {
		t.Fatalf("funding %q: %q", sheet, rows)
	}
	if r := rows[1]; r[2] != "1" || r[3] != "剧本完成" || r[5] != "120,000.00" || r[6] != "已拨付" || r[7] != "cultureoffice" || r[9] != "l-finance" {
		t.Errorf("released tranche %q", r)
	}
	if r := rows[2]; r[6] != "节点未报告" {
		t.Errorf("second tranche %q", r)
	}
	if last := rows[len(rows)-1]; last[1] != "合计" || last[5] != "260,000.00" || last[11] != "120,000.00" {
		t.Errorf("total %q", last)
	}
}

// workbook checks a download's headers and reads its one sheet back.
func workbook(t *testing.T, resp *http.Response, ascii string) (string, [][]string) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", resp.Request.URL.Path, resp.StatusCode, readBody(resp))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("content type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="`+ascii+`"`) || !strings.Contains(cd, "filename*=UTF-8''") {
		t.Errorf("content disposition %q", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader(bodyBytes(t, resp)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return sheet, rows
}
