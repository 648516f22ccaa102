package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"lianxi/internal/auth"
	"lianxi/internal/domain"
	"lianxi/internal/rankingsheet"
)

// addUser creates a user with one grant.
func (e *env) addUser(name string, g domain.Grant) {
	e.t.Helper()
	if _, err := e.auth.CreateUser(context.Background(), auth.System, domain.NewUser{Username: name, DisplayName: name, Password: password,
		Grants: []domain.Grant{g}}, auth.Meta{}); err != nil {
		e.t.Fatal(err)
	}
}

// addExperts creates experts with their affiliations (code, or "").
func (e *env) addExperts(affiliation map[string]string) {
	e.t.Helper()
	ctx := context.Background()
	for name, org := range affiliation {
		if _, err := e.auth.CreateUser(ctx, auth.System, domain.NewUser{Username: name, DisplayName: "专家" + strings.ToUpper(name[len(name)-1:]),
			Password: password, Grants: []domain.Grant{{Role: domain.RoleExpert}}}, auth.Meta{}); err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.store.SetExpertProfile(ctx, domain.Expert{Username: name, Affiliation: org},
			domain.AuditRecord{Actor: "admin", Action: "expert.set", Result: domain.AuditOK}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// bodyBytes reads a response's body whole.
func bodyBytes(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRankingSheetAndArchive runs a small M1 round (four entries, three
// experts, two reviews each) to the convener's confirmation and reads its
// exports: the ranking sheet's cells back with excelize, the public
// version with no expert's username anywhere in the file, and the archive;
// and who may have them, and when.
func TestRankingSheetAndArchive(t *testing.T) {
	e := newSelectionEnv(t)
	e.addUser("m1office", domain.Grant{Role: domain.RoleOffice, Committee: "management"})
	e.addUser("m1convener", domain.Grant{Role: domain.RoleConvener, Committee: "management"})
	admin, office, convener := e.client("admin"), e.client("m1office"), e.client("m1convener")
	depts := e.liaisons("management")
	m1 := e.roundJSONProgramme(admin)
	m1.ReviewersPerEntry, m1.Quota = 2, 2
	if resp := e.do(admin, "PUT", "/api/v1/programmes/management-cases", mustJSON(t, m1)); resp.StatusCode != http.StatusOK {
		t.Fatalf("edit M1: %d %s", resp.StatusCode, readBody(resp))
	}
	e.addExperts(map[string]string{"rev-a": "finance", "rev-b": "", "rev-c": ""})
	// expert1 (of every test) is in the pool too, without an affiliation.

	round := e.roundJSON(office, "POST", "/api/v1/programmes/management-cases/rounds", `{"year":2026}`, http.StatusCreated)
	path := "/api/v1/rounds/" + round.ID
	e.waitRound(office, round.ID, "open its calls", func(r roundOut) bool { return len(r.Calls) > 0 && r.Calls[0].TaskID != 0 })
	for i, dept := range []string{"finance", "finance", "education", "health"} {
		body := fmt.Sprintf(`{"title":"案例%d","unit":"%s单位","department":"%s","summary":"做法","contact":"联系人"}`, i+1, dept, dept)
		e.roundJSON(depts[dept], "POST", path+"/nominations", body, http.StatusOK)
	}
	e.roundJSON(office, "POST", path+"/close-nominations", `{}`, http.StatusOK)
	for i := 1; i <= 4; i++ {
		e.roundJSON(office, "POST", fmt.Sprintf("%s/entries/%d/screening", path, i), `{"decision":"accept"}`, http.StatusOK)
	}
	drawn := e.roundJSON(office, "POST", path+"/close-screening", `{}`, http.StatusOK)

	// While scoring is open: 409 for those who may have the sheet, 403 for
	// the others, 401 without a session.
	sheet := path + "/ranking.xlsx"
	problem(t, e.do(office, "GET", sheet, ""), http.StatusConflict)
	problem(t, e.do(convener, "GET", sheet+"?public=1", ""), http.StatusConflict)
	problem(t, e.do(e.client("expert1"), "GET", sheet, ""), http.StatusForbidden)
	problem(t, e.do(depts["finance"], "GET", sheet+"?public=1", ""), http.StatusForbidden)
	problem(t, e.do(e.client(""), "GET", sheet, ""), http.StatusUnauthorized)
	problem(t, e.do(office, "GET", "/api/v1/rounds/selection:management-cases:1999/ranking.xlsx", ""), http.StatusNotFound)
	// The archive of a round in review has no scores yet.
	mid := decodeBody[rankingsheet.Archive](t, e.do(office, "GET", path+"/archive.json", ""))
	if len(mid.Assignments) != 8 || len(mid.Scores) != 0 || mid.Complete {
		t.Fatalf("archive during review: %d assignments, %d scores", len(mid.Assignments), len(mid.Scores))
	}

	// Every expert scores: entry n gets 100 − 10n on every criterion, but
	// the first expert of each entry gives 5 points less.
	first := map[int]string{}
	for _, r := range drawn.Reviews {
		if _, ok := first[r.Entry]; !ok {
			first[r.Entry] = r.Expert
		}
	}
	experts := map[string]bool{}
	for _, r := range drawn.Reviews {
		experts[r.Expert] = true
		s := 100 - 10*r.Entry
		if first[r.Entry] == r.Expert {
			s -= 5
		}
		body := fmt.Sprintf(`{"scores":{"innovativeness":%d,"effectiveness":%d,"operability":%d}}`, s, s, s)
		if resp := e.do(e.client(r.Expert), "POST", fmt.Sprintf("/api/v1/reviews/%s:%d/scores", round.ID, r.ID), body); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s scores review %d: %d %s", r.Expert, r.ID, resp.StatusCode, readBody(resp))
		}
	}
	e.waitRound(office, round.ID, "rank", func(r roundOut) bool { return r.Phase == "confirmation" })

	// The internal sheet, read back.
	resp := e.do(office, "GET", sheet, "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("sheet: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="ranking-management-cases-2026.xlsx"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows := sheetRows(t, bodyBytes(t, resp))
	if len(rows) != 5 {
		t.Fatalf("%d rows, want a header and 4 entries", len(rows))
	}
	header := rows[0]
	if strings.Join(header[:5], "|") != "名次|申报对象|申报单位|得分|有效评分数" || header[len(header)-1] != "入选情况" {
		t.Errorf("header %q", header)
	}
	if got := header[len(header)-4 : len(header)-1]; strings.Join(got, "|") != "创新性（平均分）|实效性（平均分）|操作性（平均分）" {
		t.Errorf("criteria columns %q", got)
	}
	expertCols := header[5 : len(header)-4]
	if len(expertCols) != len(experts) {
		t.Errorf("expert columns %q, want %d experts", expertCols, len(experts))
	}
	for name := range experts {
		if !strings.Contains(strings.Join(expertCols, "|"), "（"+name+"）") {
			t.Errorf("no column names %s: %q", name, expertCols)
		}
	}
	// Entry 1 first: (85 + 90) / 2 = 87.50, both experts' totals shown.
	if got := strings.Join(rows[1][:5], "|"); got != "1|案例1|finance单位|87.50|2" {
		t.Errorf("first row %q", got)
	}
	totals := 0
	for _, c := range rows[1][5 : 5+len(expertCols)] {
		if c != "" {
			totals++
			if c != "85.00" && c != "90.00" {
				t.Errorf("an expert's total %q", c)
			}
		}
	}
	if totals != 2 || rows[1][len(rows[1])-1] != "拟推荐" || rows[3][len(rows[3])-1] != "" {
		t.Errorf("first row's totals %q, listed %q / %q", rows[1], rows[1][len(rows[1])-1], rows[3][len(rows[3])-1])
	}
	if got := rows[4][len(header)-4]; got != "57.50" {
		t.Errorf("entry 4's innovativeness mean %q, want 57.50", got)
	}
	// Recusal holds in the sheet: rev-a (finance) has no total for the
	// finance entries 1 and 2.
	for i, h := range expertCols {
		if strings.Contains(h, "rev-a") && (rows[1][5+i] != "" || rows[2][5+i] != "") {
			t.Errorf("rev-a scored a finance entry: %q", rows[1])
		}
	}

	// The public sheet: the same ranking, nobody named.
	resp = e.do(convener, "GET", sheet+"?public=1&lang=en", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("public sheet: %d", resp.StatusCode)
	}
	public := bodyBytes(t, resp)
	prows := sheetRowsOf(t, public, "Ranking")
	if prows[0][0] != "Rank" || prows[0][5] != "Expert total 1" || prows[1][1] != "案例1" || prows[1][3] != "87.50" ||
		prows[1][5] != "85.00" || prows[1][6] != "90.00" {
		t.Errorf("public sheet %q / %q", prows[0], prows[1])
	}
	all := unzip(t, public)
	for _, name := range []string{"rev-a", "rev-b", "rev-c", "expert1", "m1office", "m1convener", "专家"} {
		if bytes.Contains(all, []byte(name)) {
			t.Errorf("the public sheet contains %q", name)
		}
	}

	// The archive: the office and administrators only.
	resp = e.do(office, "GET", path+"/archive.json", "")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("archive: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var archive rankingsheet.Archive
	if err := json.Unmarshal(bodyBytes(t, resp), &archive); err != nil {
		t.Fatal(err)
	}
	if archive.Format != rankingsheet.ArchiveFormat || archive.Round.ProgrammeVersion != 2 || archive.Programme.ReviewersPerEntry != 2 ||
		len(archive.Entries) != 4 || len(archive.Assignments) != 8 || len(archive.Scores) != 8 || len(archive.Ranking) != 4 ||
		len(archive.Confirmation.Proposed) != 2 || archive.GeneratedBy != "m1office" {
		t.Fatalf("archive %+v", archive)
	}
	kinds := map[string]bool{}
	for _, ev := range archive.Decisions {
		kinds[ev.Kind] = true
	}
	for _, k := range []string{"started", "nominated", "nominations-closed", "screened", "reviewers-drawn", "scored", "ranked"} {
		if !kinds[k] {
			t.Errorf("the archive's decisions lack %q: %v", k, kinds)
		}
	}
	problem(t, e.do(convener, "GET", path+"/archive.json", ""), http.StatusForbidden)
	problem(t, e.do(e.client("expert1"), "GET", path+"/archive.json", ""), http.StatusForbidden)
	problem(t, e.do(depts["finance"], "GET", path+"/archive.json", ""), http.StatusForbidden)
	problem(t, e.do(e.client("rev-b"), "GET", sheet, ""), http.StatusForbidden)
	problem(t, e.do(e.client("office1"), "GET", sheet, ""), http.StatusForbidden)
	if resp := e.do(admin, "GET", path+"/archive.json", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("admin archive: %d", resp.StatusCode)
	}

	// The exports are in the audit trail.
	audit := decodeBody[struct {
		Records []struct {
			Actor  string `json:"actor"`
			Action string `json:"action"`
			Object string `json:"object"`
		} `json:"records"`
	}](t, e.do(admin, "GET", "/api/v1/audit?limit=1000", ""))
	seen := map[string]bool{}
	for _, x := range audit.Records {
		if x.Object == round.ID {
			seen[x.Actor+" "+x.Action] = true
		}
	}
	for _, want := range []string{"m1office selection.ranking_export", "m1convener selection.ranking_export_public", "m1office selection.archive_export"} {
		if !seen[want] {
			t.Errorf("no audit record %q", want)
		}
	}
}

// sheetRows reads the ranking sheet's rows (Chinese sheet name).
func sheetRows(t *testing.T, b []byte) [][]string { return sheetRowsOf(t, b, "评审排名表") }

func sheetRowsOf(t *testing.T, b []byte, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	// GetRows leaves a row's empty cells at its end out: pad every row to
	// the header's width, so a column is the same index in every row.
	for i := range rows {
		for len(rows) > 0 && len(rows[i]) < len(rows[0]) {
			rows[i] = append(rows[i], "")
		}
	}
	return rows
}

// unzip is a workbook's files uncompressed, one after the other.
func unzip(t *testing.T, b []byte) []byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(&out, rc)
		rc.Close()
	}
	return out.Bytes()
}
