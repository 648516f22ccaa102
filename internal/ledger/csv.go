package ledger

import (
	"encoding/csv"
	"io"
	"strings"
	"time"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
)

// bom is the UTF-8 byte order mark. Excel reads a CSV file without it in
// the machine's legacy code page (GBK on Chinese Windows), which turns every
// Chinese character into mojibake; with it, Excel and WPS read UTF-8.
const bom = "\ufeff"

// CSVWriter writes the ledger as CSV: a UTF-8 byte order mark, the header
// row, one row per task, CRLF line ends (what Excel writes and expects).
type CSVWriter struct {
	out     io.Writer
	w       *csv.Writer
	sheet   Sheet
	cal     *calendar.Calendar
	started bool
	serial  int
	err     error
}

// NewCSV starts a CSV ledger on w; the header is written with the first
// Write or at Close, so a failure before any row leaves w untouched.
func NewCSV(w io.Writer, s Sheet) *CSVWriter {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &CSVWriter{out: w, w: cw, sheet: s, cal: s.calendar()}
}

// start writes the mark and the header once. The mark goes to w directly:
// the csv writer has buffered nothing yet, and would quote it.
func (c *CSVWriter) start() error {
	if c.started || c.err != nil {
		return c.err
	}
	c.started = true
	if _, err := io.WriteString(c.out, bom); err != nil {
		c.err = err
		return err
	}
	c.err = c.w.Write(Header())
	return c.err
}

// Write adds a task's row.
func (c *CSVWriter) Write(t domain.Task) error {
	if err := c.start(); err != nil {
		return err
	}
	c.serial++
	cells := c.sheet.row(c.serial, t, c.cal).cells()
	for i := range cells {
		cells[i] = Defuse(cells[i])
	}
	if err := c.w.Write(cells); err != nil {
		c.err = err
	}
	return c.err
}

// Rows returns the number of task rows written so far.
func (c *CSVWriter) Rows() int { return c.serial }

// Flush sends the rows written so far to the underlying writer, so a long
// export reaches the client as it is read instead of all at the end.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// Close writes the header if no task was written, and flushes.
func (c *CSVWriter) Close() error {
	if err := c.start(); err != nil {
		return err
	}
	return c.Flush()
}

// Defuse keeps a spreadsheet from reading a text cell as a formula (CSV
// injection, CWE-1236): a cell that starts with = + - @, a tab or a carriage
// return gets a leading apostrophe, which Excel and WPS show as text and do
// not evaluate. Task titles and names are typed by people, so any of them
// could start with "=HYPERLINK(…)".
func Defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes a ledger of tasks as CSV, for callers that hold the tasks
// already; exports of the store stream through NewCSV and Each.
func WriteCSV(w io.Writer, tasks []domain.Task, names Names, now time.Time, cal *calendar.Calendar) error {
	c := NewCSV(w, Sheet{Names: names, Now: now, Calendar: cal})
	for _, t := range tasks {
		if err := c.Write(t); err != nil {
			return err
		}
	}
	return c.Close()
}
