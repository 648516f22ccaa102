package portfolio

import (
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
)

// Book is what a workbook is made of: the year as those who see all of it
// see it, the departments' names by code, the language of its words and
// the instant a milestone is judged overdue at.
type Book struct {
	Year  domain.Masterpieces
	Names map[domain.Code]string
	Lang  i18n.Lang
	Now   time.Time
}

func (b Book) t(key string, params map[string]any) string { return i18n.T(b.Lang, key, params) }

func (b Book) dept(code domain.Code) string {
	if n, ok := b.Names[code]; ok {
		return n
	}
	return code
}

// FileName is a workbook's name as people see it, without the extension
// ("文艺精品项目库（2026）"); kind is "portfolio" or "funding".
func (b Book) FileName(kind string) string {
	return b.t("masterpiece.sheet."+kind+".file", map[string]any{"year": b.Year.Year})
}

// Cell formats of a column.
const (
	text = iota
	money
	date     // a day: a milestone's date
	datetime // an instant: an approval, a release
	count
)

// column is one column of a workbook: its catalogue key, its width in
// characters and its cells' format.
type column struct {
	key    string
	width  float64
	format int
}

// portfolioColumns are the portfolio's columns, in order.
var portfolioColumns = []column{
	{"masterpiece.sheet.col.id", 11, text},
	{"masterpiece.sheet.col.title", 32, text},
	{"masterpiece.sheet.col.unit", 26, text},
	{"masterpiece.sheet.col.sponsor", 20, text},
	{"masterpiece.sheet.col.genre", 10, text},
	{"masterpiece.sheet.col.determined", 22, text},
	{"masterpiece.sheet.col.stage", 10, text},
	{"masterpiece.sheet.col.support", 15, money},
	{"masterpiece.sheet.col.released", 15, money},
	{"masterpiece.sheet.col.pending", 15, money},
	{"masterpiece.sheet.col.milestones", 10, text},
	{"masterpiece.sheet.col.next", 24, text},
	{"masterpiece.sheet.col.next_due", 12, date},
	{"masterpiece.sheet.col.overdue", 8, text},
	{"masterpiece.sheet.col.exam", 12, text},
}

// fundingColumns are the funding plan's columns, in order.
var fundingColumns = []column{
	{"masterpiece.sheet.col.id", 11, text},
	{"masterpiece.sheet.col.title", 32, text},
	{"masterpiece.sheet.col.tranche", 8, count},
	{"masterpiece.sheet.col.milestone", 24, text},
	{"masterpiece.sheet.col.due", 12, date},
	{"masterpiece.sheet.col.amount", 15, money},
	{"masterpiece.sheet.col.status", 10, text},
	{"masterpiece.sheet.col.approved_by", 14, text},
	{"masterpiece.sheet.col.approved_at", 17, datetime},
	{"masterpiece.sheet.col.released_by", 14, text},
	{"masterpiece.sheet.col.released_at", 17, datetime},
	{"masterpiece.sheet.col.released_amount", 15, money},
}

// sheet writes one workbook of one sheet: a bold header row that stays in
// view (frozen), columns wide enough for their content, sums as numbers
// with two decimals and grouped thousands, dates as date cells in
// Asia/Shanghai, so that they sort, filter and add up in a spreadsheet.
// Text cells are typed strings, never formulas.
type sheet struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	cols   []column
	styles map[int]int // cell style by column format
	bold   map[int]int // the same for total rows
	rows   int
}

func newSheet(b Book, kind string, cols []column) (*sheet, error) {
	f := excelize.NewFile()
	s := &sheet{f: f, cols: cols, styles: map[int]int{}, bold: map[int]int{}}
	if err := s.start(b, kind); err != nil {
		_ = f.Close()
		return nil, err
	}
	return s, nil
}

func (s *sheet) start(b Book, kind string) error {
	f := s.f
	name := b.t("masterpiece.sheet."+kind+".name", nil)
	if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
		return err
	}
	app := b.t("app.name", nil)
	if err := f.SetDocProps(&excelize.DocProperties{Title: b.FileName(kind), Creator: app, LastModifiedBy: app, Language: b.Lang.HTMLTag()}); err != nil {
		return err
	}
	header, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8ECF1"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "8C959F", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
	})
	if err != nil {
		return err
	}
	formats := map[int]string{text: "", money: "#,##0.00", date: "yyyy-mm-dd", datetime: "yyyy-mm-dd hh:mm", count: "0"}
	for format, numFmt := range formats {
		for _, bold := range []bool{false, true} {
			st := &excelize.Style{Font: &excelize.Font{Bold: bold}}
			if numFmt != "" {
				st.CustomNumFmt = &numFmt
			}
			id, err := f.NewStyle(st)
			if err != nil {
				return err
			}
			if bold {
				s.bold[format] = id
			} else {
				s.styles[format] = id
			}
		}
	}
	if s.sw, err = f.NewStreamWriter(name); err != nil {
		return err
	}
	// Panes and widths must precede the first row in a stream.
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	cells := make([]any, len(s.cols))
	for i, c := range s.cols {
		if err := s.sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
		cells[i] = excelize.Cell{StyleID: header, Value: b.t(c.key, nil)}
	}
	s.rows = 1
	return s.sw.SetRow("A1", cells, excelize.RowOpts{Height: 22})
}

// add writes a row, one value per column (nil for an empty cell); a total
// row is bold.
func (s *sheet) add(total bool, values ...any) error {
	styles := s.styles
	if total {
		styles = s.bold
	}
	cells := make([]any, len(values))
	for i, v := range values {
		format := s.cols[i].format
		switch x := v.(type) {
		case string:
			if x == "" {
				v = nil
			}
		case time.Time:
			if x.IsZero() {
				v = nil
			} else {
				// excelize writes a time in its own zone: show Shanghai's wall clock.
				v = x.In(calendar.Location)
			}
		}
		cells[i] = excelize.Cell{StyleID: styles[format], Value: v}
	}
	s.rows++
	at, err := excelize.CoordinatesToCellName(1, s.rows)
	if err != nil {
		return err
	}
	return s.sw.SetRow(at, cells)
}

// finish writes the workbook to w and discards it.
func (s *sheet) finish(w io.Writer, err error) error {
	defer func() { _ = s.f.Close() }()
	if err != nil {
		return err
	}
	if err := s.sw.Flush(); err != nil {
		return err
	}
	_, err = s.f.WriteTo(w)
	return err
}

// label is a code's name in the workbook's language, or nothing for no
// code.
func (b Book) label(prefix, code string) any {
	if code == "" {
		return nil
	}
	return b.t(prefix+code, nil)
}

// WritePortfolio writes the portfolio (项目库): one row per project of the
// year, then the year's totals of support, released and pending.
func WritePortfolio(w io.Writer, b Book) error {
	s, err := newSheet(b, "portfolio", portfolioColumns)
	if err != nil {
		return err
	}
	return s.finish(w, portfolioRows(s, b))
}

func portfolioRows(s *sheet, b Book) error {
	var support, released, pending float64
	for _, p := range Projects(b.Year, b.Now) {
		var next, due, overdue, exam any
		if p.Next != nil {
			next, due = p.Next.Milestone, p.Next.Due
		}
		if p.Overdue {
			overdue = b.t("masterpiece.sheet.yes", nil)
		}
		if p.Exam != nil {
			exam = b.label("masterpiece.exam.", p.Exam.Result)
		}
		milestones := b.t("masterpiece.milestones_done", map[string]any{"done": p.Done, "total": p.Total})
		if err := s.add(false, p.ID, p.Title, p.UnitName, b.dept(p.Sponsor), b.label("masterpiece.genre.", p.Genre),
			Determined(b.Lang, b.Year, p.Project), b.label("masterpiece.stage.", p.Stage), p.Support, p.Released, p.Pending,
			milestones, next, due, overdue, exam); err != nil {
			return err
		}
		support, released, pending = support+p.Support, released+p.Released, pending+p.Pending
	}
	return s.add(true, nil, b.t("masterpiece.sheet.total", nil), nil, nil, nil, nil, nil, support, released, pending, nil, nil, nil, nil, nil)
}

// WriteFunding writes the funding plan (资金计划): each project's tranches
// in order with their status, approval and release, a subtotal row per
// project and the year's total at the end.
func WriteFunding(w io.Writer, b Book) error {
	s, err := newSheet(b, "funding", fundingColumns)
	if err != nil {
		return err
	}
	return s.finish(w, fundingRows(s, b))
}

func fundingRows(s *sheet, b Book) error {
	var amount, released float64
	for _, p := range b.Year.Projects {
		var sub, subReleased float64
		for _, t := range p.Tranches {
			var paid any
			if t.Status == domain.TrancheReleased {
				paid = t.Amount
				subReleased += t.Amount
			}
			sub += t.Amount
			if err := s.add(false, p.ID, p.Title, t.Seq, t.Milestone, t.Due, t.Amount, b.label("masterpiece.tranche.", t.Status),
				t.ApprovedBy, t.ApprovedAt, t.ReleasedBy, t.ReleasedAt, paid); err != nil {
				return err
			}
		}
		if err := s.add(true, p.ID, p.Title, nil, b.t("masterpiece.sheet.subtotal", nil), nil, sub, nil, nil, nil, nil, nil, subReleased); err != nil {
			return err
		}
		amount, released = amount+sub, released+subReleased
	}
	return s.add(true, nil, b.t("masterpiece.sheet.total", nil), nil, nil, nil, amount, nil, nil, nil, nil, nil, released)
}
