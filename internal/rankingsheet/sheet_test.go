package rankingsheet_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/rankingsheet"
	"lianxi/internal/selection"
)

// ranked is a small M1-like round after scoring: three entries, three
// experts (one of them recused from entry 3), entry 3's review by ex.c
// replaced before it was done.
func ranked(t *testing.T) domain.Round {
	t.Helper()
	p := domain.Programme{Code: "m1", Version: 2, NameZH: "管理创新优秀案例推选", NameEN: "Management cases", Committee: "management", Quota: 2,
		Aggregation: domain.AggregateMean, TieRule: domain.TieByCriteria,
		Criteria: []domain.Criterion{
			{Code: "innovativeness", NameZH: "创新性", NameEN: "Innovativeness", Weight: 60, Max: 100},
			{Code: "effectiveness", NameZH: "实效性", NameEN: "Effectiveness", Weight: 40, Max: 10},
		}}
	at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	r := domain.Round{ID: "selection:m1:2026", Programme: p, Year: 2026, Phase: domain.RoundConfirmation, StartedBy: "mgmtoffice",
		Experts: []domain.Expert{{Username: "ex.a", Name: "甲专家"}, {Username: "ex.b", Name: "乙专家", Affiliation: "finance"}, {Username: "ex.c", Name: "丙专家"}}}
	for i, title := range []string{"案例一", "案例二", "案例三"} {
		r.Entries = append(r.Entries, domain.Entry{ID: i + 1, Title: title, Unit: "单位" + title, Department: "finance", Status: domain.EntryAccepted,
			At: at.Add(time.Duration(i) * time.Hour), NominatedBy: "l-finance"})
	}
	score := func(id, entry int, expert string, inn, eff float64) domain.Review {
		return domain.Review{ID: id, Entry: entry, Expert: expert, Scores: map[string]float64{"innovativeness": inn, "effectiveness": eff}, At: at}
	}
	r.Reviews = []domain.Review{
		score(1, 1, "ex.a", 80, 8), score(2, 1, "ex.c", 60, 6),
		score(3, 2, "ex.a", 90, 9), score(4, 2, "ex.c", 100, 10),
		{ID: 5, Entry: 3, Expert: "ex.c", Replaced: true}, score(6, 3, "ex.a", 50, 5),
	}
	r.Ranking = selection.Rank(p, r.Entries, r.Reviews)
	r.Proposed = []int{2, 1}
	return r
}

func TestBuildNamesTheExpertsOnlyInTheInternalSheet(t *testing.T) {
	r := ranked(t)
	in := rankingsheet.Build(r, false, i18n.ZH)
	if got := strings.Join(in.Experts, "|"); got != "甲专家（ex.a）|丙专家（ex.c）" {
		t.Errorf("internal experts %q", got)
	}
	if len(in.Rows) != 3 || in.Rows[0].Entry != 2 || in.Rows[0].Rank != 1 || in.Rows[0].Listed != rankingsheet.ListedProposed {
		t.Fatalf("rows %+v", in.Rows)
	}
	// Entry 3: ex.a's total only; ex.c's review was handed over.
	if row := in.Rows[2]; row.Entry != 3 || row.Totals[0] == nil || *row.Totals[0] != 50 || row.Totals[1] != nil || row.Listed != "" {
		t.Errorf("entry 3 %+v", row)
	}
	if got := in.Rows[0].Means; len(got) != 2 || got[0] != 95 || got[1] != 9.5 {
		t.Errorf("means %v", got)
	}
	pub := rankingsheet.Build(r, true, i18n.ZH)
	if got := strings.Join(pub.Experts, "|"); got != "专家评分 1|专家评分 2" {
		t.Errorf("public columns %q", got)
	}
	if row := pub.Rows[0]; *row.Totals[0] != 90 || *row.Totals[1] != 100 {
		t.Errorf("public totals %v %v", *row.Totals[0], *row.Totals[1])
	}
	if en := rankingsheet.Build(r, true, i18n.EN); !strings.Contains(en.Title, "Management cases") || en.Header()[0] != "Rank" {
		t.Errorf("English sheet %q %q", en.Title, en.Header())
	}
}

func TestWorkbookReadsBack(t *testing.T) {
	r := ranked(t)
	r.Phase, r.Confirmed, r.ConfirmedBy = domain.RoundNotice, []int{2, 1}, "mgmtconvener"
	for _, public := range []bool{false, true} {
		var b bytes.Buffer
		if err := rankingsheet.WriteXLSX(&b, rankingsheet.Build(r, public, i18n.ZH)); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("评审排名表")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 {
			t.Fatalf("%d rows", len(rows))
		}
		want := []string{"名次", "申报对象", "申报单位", "得分", "有效评分数"}
		if strings.Join(rows[0][:5], "|") != strings.Join(want, "|") || rows[0][len(rows[0])-1] != "入选情况" ||
			rows[0][len(rows[0])-3] != "创新性（平均分）" {
			t.Errorf("header %q", rows[0])
		}
		if got := strings.Join(rows[1][:4], "|"); got != "1|案例二|单位案例二|95.00" {
			t.Errorf("first row %q", got)
		}
		if raw, _ := f.GetCellValue("评审排名表", "D2", excelize.Options{RawCellValue: true}); raw != "95" {
			t.Errorf("score cell holds %q, want the number 95", raw)
		}
		if rows[1][len(rows[1])-1] != "已确认" {
			t.Errorf("listed %q", rows[1])
		}
		_ = f.Close()
		// The public file names nobody: not in a cell, not in its properties.
		for _, name := range []string{"ex.a", "ex.c", "甲专家", "mgmtconvener", "mgmtoffice"} {
			has := bytes.Contains(unzipped(t, b.Bytes()), []byte(name))
			if public && has {
				t.Errorf("public workbook contains %q", name)
			}
			if !public && strings.HasPrefix(name, "ex.") && !has {
				t.Errorf("internal workbook lacks %q", name)
			}
		}
	}
}

func TestWhoMayHaveTheSheetAndTheArchive(t *testing.T) {
	r := ranked(t)
	office := domain.User{Username: "o", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "management"}}}
	convener := domain.User{Username: "c", Grants: []domain.Grant{{Role: domain.RoleConvener, Committee: "management"}}}
	expert := domain.User{Username: "ex.a", Grants: []domain.Grant{{Role: domain.RoleExpert}}}
	other := domain.User{Username: "x", Grants: []domain.Grant{{Role: domain.RoleOffice, Committee: "science"}}}
	for _, c := range []struct {
		u              domain.User
		sheet, archive bool
	}{{office, true, true}, {convener, true, false}, {expert, false, false}, {other, false, false}} {
		if err := rankingsheet.CheckSheet(c.u, r); (err == nil) != c.sheet || (err != nil && domain.KindOf(err) != domain.KindForbidden) {
			t.Errorf("%s sheet: %v", c.u.Username, err)
		}
		if err := rankingsheet.CheckArchive(c.u, r); (err == nil) != c.archive || (err != nil && domain.KindOf(err) != domain.KindForbidden) {
			t.Errorf("%s archive: %v", c.u.Username, err)
		}
	}
	r.Phase, r.Ranking = domain.RoundReview, nil
	var de *domain.Error
	if err := rankingsheet.CheckSheet(office, r); !errors.As(err, &de) || de.Kind != domain.KindConflict {
		t.Errorf("before scoring closed: %v", err)
	}
}

func TestArchiveHoldsTheWholeRound(t *testing.T) {
	r := ranked(t)
	events := []domain.CycleEvent{{Kind: "started", Actor: "mgmtoffice"}, {Kind: "ranked", Actor: "system"}}
	a := rankingsheet.NewArchive(r, events, "mgmtoffice", time.Now())
	if a.Format != rankingsheet.ArchiveFormat || a.Round.ProgrammeVersion != 2 || len(a.Entries) != 3 || len(a.Assignments) != 6 ||
		len(a.Scores) != 5 || len(a.Ranking) != 3 || len(a.Decisions) != 2 || a.Complete {
		t.Fatalf("archive %+v", a)
	}
	if s := a.Scores[0]; s.Total != 80 || !s.Counted || s.Expert != "ex.a" {
		t.Errorf("first score %+v", s)
	}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"objections":[]`, `"publicity":{}`, `"conflicts":{}`, `"proposed":[2,1]`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("archive lacks %s", key)
		}
	}
}

// unzipped is every file of a workbook's archive, uncompressed, one after
// the other: what a search of the file for a name must not find.
func unzipped(t *testing.T, b []byte) []byte {
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
		if _, err := io.Copy(&out, rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	return out.Bytes()
}
