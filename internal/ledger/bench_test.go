package ledger

import (
	"fmt"
	"io"
	"testing"
	"time"

	"lianxi/internal/calendar"
	"lianxi/internal/domain"
)

func benchTasks(n int) []domain.Task {
	depts := []string{"finance", "tax", "land", "education", "sci-tech"}
	due := time.Date(2026, 11, 2, 17, 30, 0, 0, calendar.Location)
	out := make([]domain.Task, n)
	for i := range out {
		out[i] = domain.Task{ID: int64(i + 1), Source: domain.TaskSource{Kind: "adhoc", Committee: "science"}, Kind: domain.KindDecision,
			Title: fmt.Sprintf("落实联席会议议定事项 %d", i), Lead: depts[i%len(depts)], Co: []string{depts[(i+1)%len(depts)]},
			DueAt: due.AddDate(0, 0, i%60-30), Status: []domain.TaskStatus{domain.TaskOpen, domain.TaskSubmitted, domain.TaskAccepted}[i%3],
			Priority: domain.PriorityNormal}
	}
	return out
}

// BenchmarkExport10k writes a 10,000-row ledger as XLSX and, as the
// baseline measured in the same run, as CSV; the ratio is printed.
func BenchmarkExport10k(b *testing.B) {
	tasks := benchTasks(10000)
	cal, err := calendar.New(calendar.Options{})
	if err != nil {
		b.Fatal(err)
	}
	names := Names{Departments: map[string]string{"finance": "市财政局", "tax": "市税务局", "land": "市国土资源局", "education": "市教育局", "sci-tech": "市科技局"},
		Committees: map[string]string{"science": "市科技创新工作联席会议"}}
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, calendar.Location)
	var csvNs, xlsxNs float64
	b.Run("csv-baseline", func(b *testing.B) {
		for b.Loop() {
			if err := WriteCSV(io.Discard, tasks, names, now, cal); err != nil {
				b.Fatal(err)
			}
		}
		csvNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(csvNs/1e6, "ms/op")
	})
	b.Run("xlsx", func(b *testing.B) {
		for b.Loop() {
			if err := WriteXLSX(io.Discard, tasks, names, now, cal); err != nil {
				b.Fatal(err)
			}
		}
		xlsxNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(xlsxNs/1e6, "ms/op")
	})
	if csvNs > 0 && xlsxNs > 0 {
		fmt.Printf("BenchmarkExport10k: xlsx %.1f ms, csv %.1f ms: ratio %.1f\n", xlsxNs/1e6, csvNs/1e6, xlsxNs/csvNs)
	}
}
