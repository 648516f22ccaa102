package ledger

import (
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
	"lianxi/internal/i18n"
)

// XLSXWriter writes the ledger as an Excel workbook of one sheet: a bold
// header row that stays in view when scrolling (frozen), columns wide enough
// for their content, due and submission times as real date cells (so they
// sort and filter as dates) and day counts as numbers.
//
// Rows stream into excelize's StreamWriter, which keeps them in a temporary
// file rather than in memory; nothing reaches w until Close, so an error
// while reading the tasks can still be answered cleanly.
type XLSXWriter struct {
	out    io.Writer
	f      *excelize.File
	sw     *excelize.StreamWriter
	sheet  Sheet
	cal    *calendar.Calendar
	date   int // style id of date-time cells
	serial int
	closed bool
}

// NewXLSX starts a workbook ledger that Close writes to w.
func NewXLSX(w io.Writer, s Sheet) (*XLSXWriter, error) {
	f := excelize.NewFile()
	x := &XLSXWriter{out: w, f: f, sheet: s, cal: s.calendar()}
	if err := x.start(); err != nil {
		_ = f.Close()
		return nil, err
	}
	return x, nil
}

func (x *XLSXWriter) start() error {
	f := x.f
	name := i18n.T(i18n.ZH, "ledger.sheet", nil)
	if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
		return err
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: name, Creator: i18n.T(i18n.ZH, "app.name", nil), Language: "zh-CN"}); err != nil {
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
	dateFmt := "yyyy-mm-dd hh:mm"
	if x.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		return err
	}
	if x.sw, err = f.NewStreamWriter(name); err != nil {
		return err
	}
	// Panes and widths must precede the first row in a stream.
	if err := x.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	for i, c := range columns {
		if err := x.sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return err
		}
	}
	cells := make([]any, len(columns))
	for i, h := range Header() {
		cells[i] = excelize.Cell{StyleID: header, Value: h}
	}
	return x.sw.SetRow("A1", cells, excelize.RowOpts{Height: 22})
}

// dateCell is a date-time cell showing an instant's wall-clock time in
// Asia/Shanghai (excelize writes a time in its own zone), or nothing.
func (x *XLSXWriter) dateCell(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return excelize.Cell{StyleID: x.date, Value: t.In(calendar.Location)}
}

// Write adds a task's row. Text cells are typed strings in a workbook, never
// formulas, so they need no defusing as CSV cells do.
func (x *XLSXWriter) Write(t domain.Task) error {
	x.serial++
	r := x.sheet.row(x.serial, t, x.cal)
	var late any
	if r.Late >= 0 {
		late = r.Late
	}
	cells := []any{r.Serial, r.ID, r.Title, r.Source, r.Lead, r.Co, x.dateCell(r.Due), r.Status, late, x.dateCell(r.Submitted), r.Note}
	cell, err := excelize.CoordinatesToCellName(1, x.serial+1)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, cells)
}

// Close finishes the workbook, writes it to w and removes the temporary
// files.
func (x *XLSXWriter) Close() error {
	defer x.Abort()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.out)
	return err
}

// Abort discards an unfinished workbook and its temporary files; after
// Close it does nothing, so it can be deferred.
func (x *XLSXWriter) Abort() {
	if !x.closed {
		x.closed = true
		_ = x.f.Close()
	}
}

// WriteXLSX writes a ledger of tasks as a workbook, for callers that hold
// the tasks already; exports of the store stream through NewXLSX and Each.
func WriteXLSX(w io.Writer, tasks []domain.Task, names Names, now time.Time, cal *calendar.Calendar) error {
	x, err := NewXLSX(w, Sheet{Names: names, Now: now, Calendar: cal})
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if err := x.Write(t); err != nil {
			x.Abort()
			return err
		}
	}
	return x.Close()
}
