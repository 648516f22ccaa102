package portfolio_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
	"lianxi/internal/portfolio"
)

// day is the end of a working day in Shanghai, as the pages set due dates.
func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 17, 30, 0, 0, calendar.Location)
}

// now is the instant the tests judge overdue reports at.
var now = day(2026, 7, 15)

// year is 2026 halfway through: a project of the planning seminar with its
// first tranche released, one of the supplement with its first report
// overdue, and one carried over from 2025 being rectified after a rectify
// verdict.
func year() domain.Masterpieces {
	released := func(seq int, milestone string, due time.Time, amount float64) domain.Tranche {
		return domain.Tranche{Seq: seq, Milestone: milestone, Due: due, Amount: amount, Status: domain.TrancheReleased,
			ApprovedBy: "cultureoffice", ApprovedAt: day(2026, 6, 2), ReleasedBy: "l-finance", ReleasedAt: time.Date(2026, 6, 5, 10, 15, 0, 0, calendar.Location)}
	}
	pending := func(seq int, milestone string, due time.Time, amount float64) domain.Tranche {
		return domain.Tranche{Seq: seq, Milestone: milestone, Due: due, Amount: amount, Status: domain.TranchePending}
	}
	return domain.Masterpieces{ID: domain.MasterpieceID(2026), Year: 2026, Committee: domain.MasterpieceCommittee, Phase: domain.MasterpiecePortfolio,
		Seminars: []domain.Seminar{
			{Seq: 1, SeminarInput: domain.SeminarInput{Kind: domain.SeminarPlanning}, ConfirmedBy: "cultureconvener"},
			{Seq: 2, SeminarInput: domain.SeminarInput{Kind: domain.SeminarSupplement}, ConfirmedBy: "cultureconvener"},
		},
		Projects: []domain.Project{
			{ID: "2026-1", Application: 1, Year: 2026, Title: "花鼓戏《齐白石》", Unit: "culture-bureau", UnitName: "市文体广新局", Sponsor: "culture-bureau",
				Genre: "drama", Support: 200000, Seminar: 1, Stage: domain.StageInProgress, Tranches: []domain.Tranche{
					released(1, "剧本完成", day(2026, 5, 29), 120000), pending(2, "首演", day(2026, 12, 18), 80000)}},
			{ID: "2026-7", Application: 7, Year: 2026, Title: "国画长卷《湘潭八景》", Unit: "culture-soe", UnitName: "市管国有文化企业", Sponsor: "culture-soe",
				Genre: "fine_art", Support: 100000, Seminar: 2, Stage: domain.StageInProgress, Tranches: []domain.Tranche{
					pending(1, "草图", day(2026, 7, 10), 50000), pending(2, "完稿", day(2026, 11, 30), 50000)}},
			{ID: "2025-4", Application: 4, Year: 2025, Title: "纪录片《韶山》", Unit: "mao-memorial", UnitName: "韶山毛泽东同志纪念馆", Sponsor: "culture-bureau",
				Genre: "film_tv", Support: 80000, Seminar: 1, CarriedFrom: 2025, Stage: domain.StageRectifying, Tranches: []domain.Tranche{
					released(1, "拍摄完成", day(2025, 10, 31), 30000),
					{Seq: 2, Milestone: "成片", Due: day(2026, 3, 31), Amount: 50000, Status: domain.TrancheReported, ReportedAt: day(2026, 3, 30)}},
				Examinations: []domain.Examination{{At: day(2026, 4, 20), Panel: []string{"甲", "乙", "丙"}, Result: domain.ExamRectify, Comment: "解说词需修改"}}},
		}}
}

func TestPortfolioWhereEachProjectStands(t *testing.T) {
	ps := portfolio.Projects(year(), now)
	if len(ps) != 3 {
		t.Fatalf("%d projects", len(ps))
	}
	first, supplement, carried := ps[0], ps[1], ps[2]
	if first.Released != 120000 || first.Pending != 80000 || first.Done != 1 || first.Total != 2 || first.Next.Milestone != "首演" || first.Overdue {
		t.Errorf("first %+v", first)
	}
	if !supplement.Overdue || supplement.Done != 0 || supplement.Next.Seq != 1 || supplement.Exam != nil {
		t.Errorf("supplement %+v", supplement)
	}
	// Reported is done though not released; a project past its milestones
	// is not overdue.
	if carried.Done != 2 || carried.Next != nil || carried.Overdue || carried.Exam.Result != domain.ExamRectify || carried.Pending != 50000 {
		t.Errorf("carried %+v", carried)
	}
	// A finished project is never overdue.
	p := year().Projects[1]
	p.Stage = domain.StageCarried
	if portfolio.Of(p, now).Overdue {
		t.Error("a carried-over project counted overdue")
	}
}

func TestPortfolioDeterminedAndYuan(t *testing.T) {
	m := year()
	for i, want := range []string{"第 1 次研讨会（规划）确定", "第 2 次研讨会（增补）确定", "结转自 2025 年度"} {
		if got := portfolio.Determined(i18n.ZH, m, m.Projects[i]); got != want {
			t.Errorf("project %d: %q, want %q", i, got, want)
		}
	}
	if got := portfolio.Determined(i18n.EN, m, m.Projects[1]); got != "Added at sitting 2 (supplement)" {
		t.Errorf("English %q", got)
	}
	for x, want := range map[float64]string{0: "0.00", 999.5: "999.50", 1000: "1,000.00", 1234567.8: "1,234,567.80", -120000: "-120,000.00"} {
		if got := portfolio.Yuan(x); got != want {
			t.Errorf("Yuan(%v) = %q, want %q", x, got, want)
		}
	}
}

func TestPortfolioWhoSeesTheWholeYear(t *testing.T) {
	grant := func(g domain.Grant) domain.User { return domain.User{Username: "u", Grants: []domain.Grant{g}} }
	for _, c := range []struct {
		u     domain.User
		whole bool
	}{
		{grant(domain.Grant{Role: domain.RoleOffice, Committee: "culture"}), true},
		{grant(domain.Grant{Role: domain.RoleConvener, Committee: "culture"}), true},
		{grant(domain.Grant{Role: domain.RoleLiaison, Department: "finance"}), true},
		{grant(domain.Grant{Role: domain.RoleAdmin}), true},
		{grant(domain.Grant{Role: domain.RoleLiaison, Department: "culture-bureau"}), false},
		{grant(domain.Grant{Role: domain.RoleOffice, Committee: "science"}), false},
		{grant(domain.Grant{Role: domain.RoleExpert}), false},
	} {
		if got := portfolio.Whole(c.u, domain.MasterpieceCommittee); got != c.whole {
			t.Errorf("%+v: whole %v, want %v", c.u.Grants, got, c.whole)
		}
	}
}

// book is the test year as a workbook's source, in a language.
func book(lang i18n.Lang) portfolio.Book {
	return portfolio.Book{Year: year(), Names: map[domain.Code]string{"culture-bureau": "市文体广新局", "culture-soe": "市管国有文化企业"}, Lang: lang, Now: now}
}

// open reads a workbook back and returns its one sheet's name and rows.
func open(t *testing.T, b []byte) (*excelize.File, string, [][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	sheets := f.GetSheetList()
	if len(sheets) != 1 {
		t.Fatalf("sheets %q", sheets)
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		t.Fatal(err)
	}
	return f, sheets[0], rows
}

// raw is a cell's stored value: a number as a number, a date as its serial.
func raw(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPortfolioWorkbook(t *testing.T) {
	var b bytes.Buffer
	if err := portfolio.WritePortfolio(&b, book(i18n.ZH)); err != nil {
		t.Fatal(err)
	}
	f, sheet, rows := open(t, b.Bytes())
	if sheet != "项目库" || len(rows) != 5 {
		t.Fatalf("sheet %q with %d rows", sheet, len(rows))
	}
	want := "项目编号|项目名称|申报单位|主管部门|门类|立项|阶段|扶持资金（元）|已拨付（元）|待拨付（元）|节点完成|下一节点|节点日期|逾期|最近验收"
	if got := strings.Join(rows[0], "|"); got != want {
		t.Errorf("header %q", got)
	}
	if got := strings.Join(rows[1][:11], "|"); got != "2026-1|花鼓戏《齐白石》|市文体广新局|市文体广新局|戏剧|第 1 次研讨会（规划）确定|实施中|200,000.00|120,000.00|80,000.00|1/2" {
		t.Errorf("first project %q", got)
	}
	if rows[1][11] != "首演" || rows[1][12] != "2026-12-18" || len(rows[1]) > 13 && rows[1][13] != "" {
		t.Errorf("first project's next milestone %q", rows[1][11:])
	}
	if rows[2][13] != "是" || rows[2][3] != "市管国有文化企业" || rows[2][5] != "第 2 次研讨会（增补）确定" {
		t.Errorf("supplement %q", rows[2])
	}
	if rows[3][5] != "结转自 2025 年度" || rows[3][6] != "整改中" || rows[3][10] != "2/2" || rows[3][11] != "" || rows[3][14] != "限期整改" {
		t.Errorf("carried %q", rows[3])
	}
	// Sums are numbers, the date a date serial, and the totals add up.
	if raw(t, f, sheet, "H2") != "200000" || raw(t, f, sheet, "J3") != "100000" {
		t.Errorf("sums H2 %q J3 %q", raw(t, f, sheet, "H2"), raw(t, f, sheet, "J3"))
	}
	if d := raw(t, f, sheet, "M2"); d == "" || strings.Contains(d, "-") {
		t.Errorf("next due is not a date serial: %q", d)
	}
	if rows[4][1] != "合计" || raw(t, f, sheet, "H5") != "380000" || raw(t, f, sheet, "I5") != "150000" || raw(t, f, sheet, "J5") != "230000" {
		t.Errorf("totals %q", rows[4])
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes %+v %v", panes, err)
	}
	st, _ := f.GetCellStyle(sheet, "A1")
	if s, err := f.GetStyle(st); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header not bold: %+v %v", s, err)
	}
	if w, _ := f.GetColWidth(sheet, "B"); w < 30 {
		t.Errorf("title column %v wide", w)
	}
}

func TestPortfolioFundingWorkbook(t *testing.T) {
	var b bytes.Buffer
	if err := portfolio.WriteFunding(&b, book(i18n.ZH)); err != nil {
		t.Fatal(err)
	}
	f, sheet, rows := open(t, b.Bytes())
	// Header, three projects of two tranches with a subtotal each, the total.
	if sheet != "资金计划" || len(rows) != 1+3*3+1 {
		t.Fatalf("sheet %q with %d rows", sheet, len(rows))
	}
	want := "项目编号|项目名称|期次|节点|计划日期|金额（元）|状态|审批人|审批时间|拨付人|拨付时间|已拨付金额（元）"
	if got := strings.Join(rows[0], "|"); got != want {
		t.Errorf("header %q", got)
	}
	if got := strings.Join(rows[1], "|"); got != "2026-1|花鼓戏《齐白石》|1|剧本完成|2026-05-29|120,000.00|已拨付|cultureoffice|2026-06-02 17:30|l-finance|2026-06-05 10:15|120,000.00" {
		t.Errorf("first tranche %q", got)
	}
	if got := strings.Join(rows[2][:7], "|"); got != "2026-1|花鼓戏《齐白石》|2|首演|2026-12-18|80,000.00|节点未报告" || len(rows[2]) > 7 {
		t.Errorf("second tranche %q", rows[2])
	}
	if rows[3][3] != "小计" || raw(t, f, sheet, "F4") != "200000" || raw(t, f, sheet, "L4") != "120000" {
		t.Errorf("first subtotal %q", rows[3])
	}
	if rows[8][6] != "待审批" || rows[9][3] != "小计" || raw(t, f, sheet, "F10") != "80000" || raw(t, f, sheet, "L10") != "30000" {
		t.Errorf("carried project %q / %q", rows[8], rows[9])
	}
	if last := rows[10]; last[1] != "合计" || raw(t, f, sheet, "F11") != "380000" || raw(t, f, sheet, "L11") != "150000" {
		t.Errorf("total %q", last)
	}
	if v := raw(t, f, sheet, "C2"); v != "1" {
		t.Errorf("tranche number %q", v)
	}
	st, _ := f.GetCellStyle(sheet, "F11")
	if s, err := f.GetStyle(st); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("total not bold: %+v %v", s, err)
	}
}

func TestPortfolioWorkbooksInEnglish(t *testing.T) {
	var b bytes.Buffer
	bk := book(i18n.EN)
	if err := portfolio.WriteFunding(&b, bk); err != nil {
		t.Fatal(err)
	}
	_, sheet, rows := open(t, b.Bytes())
	if sheet != "Funding plan" || rows[0][5] != "Amount (yuan)" || rows[1][6] != "Released" || rows[10][1] != "Total" {
		t.Errorf("English funding plan %q: %q / %q", sheet, rows[0], rows[1])
	}
	if got := bk.FileName("portfolio"); got != "Cultural masterpiece portfolio 2026" {
		t.Errorf("file name %q", got)
	}
}
