package postgres

import (
	"context"
	"fmt"
	"time"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

// DepartmentStats is one line of the supervision ledger's statistics
// (督办台账统计): the tasks a department leads, by where they stand. A task
// has exactly one lead department, so the lines add up to the totals.
type DepartmentStats struct {
	Department domain.Code
	NameZH     string // the department's current name: a rename shows on old tasks too
	NameEN     string
	MergedInto domain.Code // set when the department has since been merged into another

	Total      int // every task selected, cancelled ones included
	Open       int
	InProgress int
	Submitted  int
	Accepted   int // done (办结)
	OnTime     int // accepted, and submitted by the due time in force (see OnTimeRate)
	Cancelled  int
	Overdue    int // open or in progress past the due time, now
}

// Name returns the department's name in a language ("en" or Chinese).
func (d DepartmentStats) Name(lang string) string {
	return domain.Organisation{NameZH: d.NameZH, NameEN: d.NameEN}.Name(lang)
}

// Assigned is the number of tasks assigned and not withdrawn: a cancelled
// task is not held against the department.
func (d DepartmentStats) Assigned() int { return d.Total - d.Cancelled }

// OnTimeRate is the share of done tasks that were done on time, in percent,
// and false when nothing is done yet (0 % would accuse a department that had
// no chance to be late). "On time" means the submission the office accepted
// came in at or before the due time in force when it was made, an approved
// extension included: the ledger judges departments against the deadline
// the office agreed to, and a task returned for rework and resubmitted late
// is late, whatever its first submission was.
func (d DepartmentStats) OnTimeRate() (float64, bool) {
	if d.Accepted == 0 {
		return 0, false
	}
	return 100 * float64(d.OnTime) / float64(d.Accepted), true
}

// Add adds another line's counts to d (for totals).
func (d *DepartmentStats) Add(o DepartmentStats) {
	d.Total += o.Total
	d.Open += o.Open
	d.InProgress += o.InProgress
	d.Submitted += o.Submitted
	d.Accepted += o.Accepted
	d.OnTime += o.OnTime
	d.Cancelled += o.Cancelled
	d.Overdue += o.Overdue
}

// LedgerStats returns the statistics per lead department of the tasks that
// match the filter and that the viewer may see — the tasks ListTasks pages
// through with the same arguments — in the directory's order of
// departments. f.Now is the instant "overdue" is judged at (the store's
// clock when zero).
//
// Readers asking for the same statistics while a computation of them is
// under way share its result, computed an instant before they asked: the
// statistics read every task a viewer may see, and a meeting's office
// opening the ledger together would otherwise queue as many scans as
// people (BenchmarkInboxLedger). The result is shared: callers must not
// change it.
func (s *Store) LedgerStats(ctx context.Context, f TaskFilter, v Viewer) ([]DepartmentStats, error) {
	if f.Now.IsZero() {
		f.Now = s.now()
	}
	at := f.Now
	f.Now = time.Time{}
	key := fmt.Sprintf("%#v|%#v", f, v)
	f.Now = at
	ch := s.statsFlight.DoChan(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		return s.ledgerStats(ctx, f, v)
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.([]DepartmentStats), nil
	}
}

func (s *Store) ledgerStats(ctx context.Context, f TaskFilter, v Viewer) ([]DepartmentStats, error) {
	p := sqlcgen.LedgerStatsParams{Now: tstz(f.Now), Committee: ntext(f.Committee), Department: ntext(f.Department),
		Status: ntext(string(f.Status)), SourceKind: ntext(f.SourceKind), SourceID: ntext(f.SourceID), OverdueOnly: f.Overdue,
		DueFrom: tstz(f.DueFrom), DueTo: tstz(f.DueTo), TextPattern: f.textPattern(), SeeAll: v.All,
		Committees: orEmpty(v.Committees), Departments: orEmpty(v.Departments)}
	var rows []sqlcgen.LedgerStatsRow
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		if err := q.SerialPlans(ctx); err != nil {
			return err
		}
		if err := q.CustomPlans(ctx); err != nil {
			return err
		}
		var err error
		rows, err = q.LedgerStats(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Rows come per department and status, departments in order: fold each
	// department's run of rows into its line.
	var out []DepartmentStats
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Department != r.Code {
			out = append(out, DepartmentStats{Department: r.Code, NameZH: r.NameZh, NameEN: r.NameEn, MergedInto: r.MergedInto})
		}
		d, n := &out[len(out)-1], int(r.N)
		d.Total += n
		switch domain.TaskStatus(r.Status) {
		case domain.TaskOpen:
			d.Open += n
			d.Overdue += int(r.PastDue)
		case domain.TaskInProgress:
			d.InProgress += n
			d.Overdue += int(r.PastDue)
		case domain.TaskSubmitted:
			d.Submitted += n
		case domain.TaskAccepted:
			d.Accepted += n
			d.OnTime += int(r.OnTime)
		case domain.TaskCancelled:
			d.Cancelled += n
		}
	}
	return out, nil
}
