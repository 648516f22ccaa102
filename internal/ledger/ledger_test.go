package ledger_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/ledger"
	"lianxi/internal/postgres"
)

// now is a Wednesday afternoon in Xiangtan, in a month without holidays or
// make-up days; the tasks below are due around it.
var now = time.Date(2026, 6, 10, 15, 0, 0, 0, calendar.Location)

var names = ledger.Names{
	Departments: map[string]string{"finance": "市财政局", "tax": "市税务局", "land": "市自然资源和规划局"},
	Committees:  map[string]string{"science": "市科技创新工作联席会议"},
}

func sampleTasks() []domain.Task {
	src := domain.TaskSource{Kind: "adhoc", Committee: "science"}
	return []domain.Task{
		// Due last Friday at 17:30 and still open: Monday, Tuesday and
		// Wednesday are three working days late.
		{ID: 7, Source: src, Title: "报送2026年下半年联席会议议题", Lead: "finance", Co: []string{"tax", "land"},
			DueAt: time.Date(2026, 6, 5, 17, 30, 0, 0, calendar.Location), Status: domain.TaskOpen},
		// Accepted, submitted the working day after it was due.
		{ID: 8, Source: src, Title: "=HYPERLINK(\"http://evil.example\",\"点击\")", Lead: "tax",
			DueAt: time.Date(2026, 6, 8, 17, 30, 0, 0, calendar.Location), Status: domain.TaskAccepted,
			SubmittedAt: time.Date(2026, 6, 9, 9, 0, 0, 0, calendar.Location)},
		// Not due yet, an extension pending, from an unknown process and
		// department (shown as their codes).
		{ID: 9, Source: domain.TaskSource{Kind: "pilot", Committee: "science"}, Title: "-1+1", Lead: "nowhere",
			DueAt: time.Date(2026, 6, 17, 17, 30, 0, 0, calendar.Location), Status: domain.TaskInProgress,
			Extension: &domain.Extension{DueAt: time.Date(2026, 6, 26, 17, 30, 0, 0, calendar.Location)}},
	}
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := ledger.WriteCSV(&b, sampleTasks(), names, now, nil); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	if !bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("no UTF-8 byte order mark: % x", raw[:8])
	}
	if !bytes.Contains(raw, []byte("\r\n")) {
		t.Error("lines do not end in CRLF")
	}
	rows, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	header := strings.Join(rows[0], ",")
	if header != "序号,任务编号,任务,来源,牵头单位,配合单位,办理期限,状态,逾期工作日数,报送时间,备注" {
		t.Errorf("header %s", header)
	}
	want := [][]string{
		{"1", "7", "报送2026年下半年联席会议议题", "市科技创新工作联席会议 · 临时交办", "市财政局", "市税务局、市自然资源和规划局", "2026-06-05 17:30", "待办理", "3", "", ""},
		{"2", "8", `'=HYPERLINK("http://evil.example","点击")`, "市科技创新工作联席会议 · 临时交办", "市税务局", "", "2026-06-08 17:30", "已办结", "1", "2026-06-09 09:00", ""},
		{"3", "9", "'-1+1", "市科技创新工作联席会议 · pilot", "nowhere", "", "2026-06-17 17:30", "办理中", "", "", "延期申请待审批(申请延至 2026-06-26 17:30)"},
	}
	for i, w := range want {
		if !slices.Equal(rows[i+1], w) {
			t.Errorf("row %d:\n got %q\nwant %q", i+1, rows[i+1], w)
		}
	}

	// No tasks: the header alone, once.
	b.Reset()
	if err := ledger.WriteCSV(&b, nil, names, now, nil); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "\ufeff序号,任务编号,任务,来源,牵头单位,配合单位,办理期限,状态,逾期工作日数,报送时间,备注\r\n" {
		t.Errorf("empty ledger %q", got)
	}
}

func TestDefuse(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"市财政局":              "市财政局",
		"=1+1":              "'=1+1",
		"+86 731":           "'+86 731",
		"-2":                "'-2",
		"@SUM(A1)":          "'@SUM(A1)",
		"\t=1":              "'\t=1",
		"\r=1":              "'\r=1",
		"a=1":               "a=1",
		"'already":          "'already",
		"２０２６":              "２０２６",
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
	} {
		if got := ledger.Defuse(in); got != want {
			t.Errorf("Defuse(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestXLSX(t *testing.T) {
	var b bytes.Buffer
	if err := ledger.WriteXLSX(&b, sampleTasks(), names, now, nil); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"督办台账"}) {
		t.Fatalf("sheets %q", got)
	}
	rows, err := f.GetRows("督办台账")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || strings.Join(rows[0], ",") != "序号,任务编号,任务,来源,牵头单位,配合单位,办理期限,状态,逾期工作日数,报送时间,备注" {
		t.Fatalf("rows %q", rows)
	}
	// Text as typed (a workbook cell is never a formula unless made one),
	// times in Shanghai as date cells, counts as numbers.
	if rows[2][2] != `=HYPERLINK("http://evil.example","点击")` || rows[1][6] != "2026-06-05 17:30" || rows[2][9] != "2026-06-09 09:00" {
		t.Errorf("row values %q / %q", rows[1], rows[2])
	}
	if rows[1][7] != "待办理" || rows[1][8] != "3" || rows[1][5] != "市税务局、市自然资源和规划局" {
		t.Errorf("row 2 %q", rows[1])
	}
	if f, _ := f.GetCellFormula("督办台账", "C3"); f != "" {
		t.Errorf("a title became the formula %q", f)
	}
	// A number cell carries no type attribute in OOXML (excelize reports
	// it unset); text is an inline string.
	for cell, want := range map[string]excelize.CellType{"A2": excelize.CellTypeUnset, "I2": excelize.CellTypeUnset, "C2": excelize.CellTypeInlineString} {
		if got, _ := f.GetCellType("督办台账", cell); got != want {
			t.Errorf("%s is of type %v, want %v", cell, got, want)
		}
	}
	raw, _ := f.GetCellValue("督办台账", "G2", excelize.Options{RawCellValue: true})
	if raw == "" || strings.Contains(raw, "-") {
		t.Errorf("due is not a date serial: %q", raw)
	}

	// The header is bold and frozen; the title column is wide.
	style, _ := f.GetCellStyle("督办台账", "A1")
	st, err := f.GetStyle(style)
	if err != nil || st.Font == nil || !st.Font.Bold {
		t.Errorf("header style %+v %v", st, err)
	}
	panes, err := f.GetPanes("督办台账")
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes %+v %v", panes, err)
	}
	if w, _ := f.GetColWidth("督办台账", "C"); w < 30 {
		t.Errorf("title column %v wide", w)
	}
}

// fakeFetch serves n tasks in due order a page at a time, as the store's
// keyset pagination does, and counts the pages asked for.
func fakeFetch(n int, pages *int) ledger.Fetch {
	base := time.Date(2026, 1, 1, 9, 0, 0, 0, calendar.Location)
	all := make([]domain.Task, n)
	for i := range all {
		// Pairs share a due time, so the id must break the tie.
		all[i] = domain.Task{ID: int64(i + 1), DueAt: base.Add(time.Duration(i/2) * time.Hour), Title: fmt.Sprint("t", i+1)}
	}
	return func(_ context.Context, after postgres.TaskCursor, limit int) ([]domain.Task, error) {
		*pages++
		var out []domain.Task
		for _, t := range all {
			if after.DueAt.IsZero() || t.DueAt.After(after.DueAt) || (t.DueAt.Equal(after.DueAt) && t.ID > after.ID) {
				out = append(out, t)
				if len(out) == limit {
					break
				}
			}
		}
		return out, nil
	}
}

func TestEachPagesThroughEveryTaskOnce(t *testing.T) {
	for _, n := range []int{0, 1, ledger.PageSize, ledger.PageSize + 1, 3*ledger.PageSize - 7} {
		pages := 0
		var ids []int64
		err := ledger.Each(context.Background(), fakeFetch(n, &pages), ledger.MaxRows, func(t domain.Task) error {
			ids = append(ids, t.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != n {
			t.Fatalf("%d tasks: got %d", n, len(ids))
		}
		for i, id := range ids {
			if id != int64(i+1) {
				t.Fatalf("%d tasks: position %d holds %d", n, i, id)
			}
		}
		if want := n/ledger.PageSize + 1; pages != want {
			t.Errorf("%d tasks in %d pages, want %d", n, pages, want)
		}
	}
}

func TestEachRefusesMoreThanTheLimit(t *testing.T) {
	pages, seen := 0, 0
	err := ledger.Each(context.Background(), fakeFetch(1200, &pages), 1000, func(domain.Task) error { seen++; return nil })
	de := domain.AsError(err)
	if de == nil || de.Kind != domain.KindInvalid || de.Key != "error.export_too_large" || de.Params["max"] != 1000 {
		t.Fatalf("err %v", err)
	}
	if seen != 1000 {
		t.Errorf("%d tasks written before the refusal", seen)
	}
	// Exactly the limit is fine.
	pages = 0
	if err := ledger.Each(context.Background(), fakeFetch(1000, &pages), 1000, func(domain.Task) error { return nil }); err != nil {
		t.Fatal(err)
	}
	// A failing writer stops the export with its error.
	boom := errors.New("disk full")
	if err := ledger.Each(context.Background(), fakeFetch(10, &pages), 1000, func(domain.Task) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("writer error lost: %v", err)
	}
}

func TestLateWorkingDays(t *testing.T) {
	cal, _ := calendar.New(calendar.Options{})
	due := time.Date(2026, 6, 5, 17, 30, 0, 0, calendar.Location) // a Friday
	for _, c := range []struct {
		name      string
		status    domain.TaskStatus
		submitted time.Time
		now       time.Time
		n         int
		late      bool
	}{
		{"open before due", domain.TaskOpen, time.Time{}, due.Add(-time.Hour), 0, false},
		{"open the evening it was due", domain.TaskOpen, time.Time{}, due.Add(2 * time.Hour), 0, true},
		{"open over the weekend", domain.TaskInProgress, time.Time{}, due.Add(48 * time.Hour), 0, true},
		{"open on Monday", domain.TaskOpen, time.Time{}, due.Add(72 * time.Hour), 1, true},
		{"submitted in time, judged at submission", domain.TaskSubmitted, due.Add(-time.Minute), due.AddDate(0, 1, 0), 0, false},
		{"accepted two working days late", domain.TaskAccepted, due.Add(96 * time.Hour), due.AddDate(0, 1, 0), 2, true},
		{"cancelled is never late", domain.TaskCancelled, time.Time{}, due.AddDate(0, 1, 0), 0, false},
	} {
		n, late := ledger.LateWorkingDays(domain.Task{Status: c.status, DueAt: due, SubmittedAt: c.submitted}, c.now, cal)
		if n != c.n || late != c.late {
			t.Errorf("%s: %d %v, want %d %v", c.name, n, late, c.n, c.late)
		}
	}
}
