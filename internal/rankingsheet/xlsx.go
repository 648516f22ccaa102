package rankingsheet

import (
	"io"

	"github.com/xuri/excelize/v2"

	"lianxi/internal/i18n"
)

// SheetName is the name of the workbook's one sheet, by language.
func SheetName(lang i18n.Lang) string { return i18n.T(lang, "round.sheet.name", nil) }

// WriteXLSX writes the sheet as an Excel workbook of one sheet: a bold
// header row that stays in view (frozen), scores, totals and means as
// number cells with two decimals, so they sort and sum as numbers. Titles
// and units are typed strings, never formulas. The document's properties
// name the sheet and the application, never a person, so the public
// version names no expert anywhere in the file.
func WriteXLSX(w io.Writer, s Sheet) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	name := SheetName(s.Lang)
	if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
		return err
	}
	app := i18n.T(s.Lang, "app.name", nil)
	if err := f.SetDocProps(&excelize.DocProperties{Title: s.Title, Creator: app, LastModifiedBy: app, Language: s.Lang.HTMLTag()}); err != nil {
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
	twoPlaces := "0.00"
	num, err := f.NewStyle(&excelize.Style{CustomNumFmt: &twoPlaces})
	if err != nil {
		return err
	}
	head := s.Header()
	cells := make([]any, len(head))
	for i, h := range head {
		cells[i] = h
	}
	if err := f.SetSheetRow(name, "A1", &cells); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(head), 1)
	if err := f.SetCellStyle(name, "A1", last, header); err != nil {
		return err
	}
	if err := f.SetRowHeight(name, 1, 30); err != nil {
		return err
	}
	// Columns: rank, entry, unit, score, reviews, the totals, the means,
	// listed. The numbers from the score on get two decimals.
	firstNum, lastNum := 4, 5+len(s.Experts)+len(s.Criteria)
	for i, width := range widths(s) {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(name, col, col, width); err != nil {
			return err
		}
	}
	for i, r := range s.Rows {
		row := []any{r.Rank, r.Title, r.Unit, r.Score, r.Reviews}
		for _, t := range r.Totals {
			if t == nil {
				row = append(row, nil)
			} else {
				row = append(row, *t)
			}
		}
		for _, m := range r.Means {
			row = append(row, m)
		}
		row = append(row, s.ListedLabel(r))
		at, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(name, at, &row); err != nil {
			return err
		}
	}
	if len(s.Rows) > 0 {
		from, _ := excelize.CoordinatesToCellName(firstNum, 2)
		to, _ := excelize.CoordinatesToCellName(lastNum, len(s.Rows)+1)
		if err := f.SetCellStyle(name, from, to, num); err != nil {
			return err
		}
		// Reviews are counts, not scores.
		rc, _ := excelize.CoordinatesToCellName(5, 2)
		rcTo, _ := excelize.CoordinatesToCellName(5, len(s.Rows)+1)
		if err := f.SetCellStyle(name, rc, rcTo, 0); err != nil {
			return err
		}
	}
	if err := f.SetPanes(name, &excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: "C2", ActiveCell: "C2", Pane: "bottomRight"}}}); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// widths are the columns' widths, in characters: titles and units wide,
// numbers narrow.
func widths(s Sheet) []float64 {
	out := []float64{8, 40, 28, 10, 8}
	for range s.Experts {
		out = append(out, 14)
	}
	for range s.Criteria {
		out = append(out, 12)
	}
	return append(out, 12)
}
