package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"lianxi/internal/domain"
	"lianxi/internal/postgres/sqlcgen"
)

// CreateTask stores a new task with its departments, its creation event and
// audit record, in one transaction; it checks that the committee and the
// departments exist, naming the field of the one that does not. start runs
// inside the transaction with the new task (id set) before it commits: the
// task's workflow is started there, so a task row never lacks its workflow
// (a failed start rolls the row back).
func (s *Store) CreateTask(ctx context.Context, t domain.Task, rec domain.AuditRecord, start func(domain.Task) error) (int64, error) {
	// A request sent again under its retry key (its first attempt's answer
	// lost to a crash) finds the task it created, already started.
	key := domain.RetryKey(ctx)
	if key != "" {
		id, err := s.q.TaskByRetryKey(ctx, ntext(key))
		if err == nil || !errors.Is(err, pgx.ErrNoRows) {
			return id, err
		}
	}
	var id int64
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		var err error
		if id, err = s.insertTask(ctx, q, t, key, rec); err != nil {
			return err
		}
		t.ID = id
		return start(t)
	})
	return id, err
}

// insertTask checks and inserts a task with its departments, creation event
// and audit record; retryKey is the creating request's, or "".
func (s *Store) insertTask(ctx context.Context, q *sqlcgen.Queries, t domain.Task, retryKey string, rec domain.AuditRecord) (int64, error) {
	form, err := json.Marshal(t.Form)
	if err != nil {
		return 0, err
	}
	var v domain.Validation
	ok, err := q.CommitteeExists(ctx, t.Source.Committee)
	if err != nil {
		return 0, err
	}
	v.Check(ok, "committee", "validation.unknown_committee", map[string]any{"value": t.Source.Committee})
	for i, d := range append([]domain.Code{t.Lead}, t.Co...) {
		ok, err := q.DepartmentExists(ctx, d)
		if err != nil {
			return 0, err
		}
		field := "lead_department"
		if i > 0 {
			field = "co_departments[" + itoa(i-1) + "]"
		}
		v.Check(ok, field, "validation.unknown_department", map[string]any{"value": d})
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	id, err := q.InsertTask(ctx, sqlcgen.InsertTaskParams{SourceKind: t.Source.Kind, SourceID: t.Source.ID, CommitteeCode: t.Source.Committee,
		Kind: string(t.Kind), Title: t.Title, Body: t.Body, LeadOrg: t.Lead, Form: form, DueAt: tstz(t.DueAt),
		Priority: string(t.Priority), CreatedBy: t.CreatedBy, CreatedAt: tstz(t.CreatedAt), RetryKey: ntext(retryKey)})
	if err != nil {
		return 0, err
	}
	if err := q.InsertTaskDepartment(ctx, sqlcgen.InsertTaskDepartmentParams{TaskID: id, OrgCode: t.Lead, Role: "lead", DueAt: tstz(t.DueAt)}); err != nil {
		return 0, err
	}
	for _, c := range t.Co {
		if err := q.InsertTaskDepartment(ctx, sqlcgen.InsertTaskDepartmentParams{TaskID: id, OrgCode: c, Role: "co", DueAt: tstz(t.DueAt)}); err != nil {
			return 0, err
		}
	}
	detail, _ := json.Marshal(map[string]any{"due_at": t.DueAt, "lead": t.Lead, "co": t.Co})
	if _, err := q.InsertTaskEvent(ctx, sqlcgen.InsertTaskEventParams{TaskID: id, At: tstz(t.CreatedAt), Actor: t.CreatedBy, Kind: "created", Detail: detail}); err != nil {
		return 0, err
	}
	rec.Object = "task:" + itoa(int(id))
	return id, s.appendAudit(ctx, q, rec)
}

// OpenProcessTask opens a task a process decided on, once per key: when
// the key is stored already (a retried activity), the task stored under it
// is returned and start runs again for it (start must accept a workflow
// that is running already).
func (s *Store) OpenProcessTask(ctx context.Context, key string, t domain.Task, rec domain.AuditRecord, start func(domain.Task) error) (domain.Task, error) {
	var out domain.Task
	err := s.inTx(ctx, func(q *sqlcgen.Queries) error {
		r, err := q.TaskBySourceKey(ctx, ntext(key))
		switch {
		case err == nil:
			ts, err := s.withDepartments(ctx, []sqlcgen.Task{r})
			if err != nil {
				return err
			}
			out = ts[0]
			return start(out)
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		id, err := s.insertTask(ctx, q, t, "", rec)
		if err != nil {
			return err
		}
		if err := q.SetTaskSourceKey(ctx, sqlcgen.SetTaskSourceKeyParams{ID: id, SourceKey: ntext(key)}); err != nil {
			return err
		}
		t.ID = id
		out = t
		return start(t)
	})
	return out, err
}

func taskFromRow(r sqlcgen.Task, co []domain.Code) (domain.Task, error) {
	t := domain.Task{ID: r.ID, Source: domain.TaskSource{Kind: r.SourceKind, ID: r.SourceID, Committee: r.CommitteeCode},
		Kind: domain.TaskKind(r.Kind), Title: r.Title, Body: r.Body, Lead: r.LeadOrg, Co: co, DueAt: r.DueAt.Time,
		Priority: domain.Priority(r.Priority), Status: domain.TaskStatus(r.Status), AssignedTo: r.AssignedTo, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt.Time, UpdatedAt: r.UpdatedAt.Time, SubmittedAt: r.SubmittedAt.Time}
	if err := json.Unmarshal(r.Form, &t.Form); err != nil {
		return t, err
	}
	if err := json.Unmarshal(r.FieldValues, &t.Values); err != nil {
		return t, err
	}
	if len(r.Extension) > 0 && string(r.Extension) != "null" {
		t.Extension = &domain.Extension{}
		if err := json.Unmarshal(r.Extension, t.Extension); err != nil {
			return t, err
		}
	}
	return t, nil
}

// GetTask returns a task with its co-handling departments.
func (s *Store) GetTask(ctx context.Context, id int64) (domain.Task, error) {
	r, err := s.q.GetTask(ctx, id)
	if err != nil {
		return domain.Task{}, notFound(err, "task", itoa(int(id)))
	}
	ts, err := s.withDepartments(ctx, []sqlcgen.Task{r})
	if err != nil {
		return domain.Task{}, err
	}
	return ts[0], nil
}

func (s *Store) withDepartments(ctx context.Context, rows []sqlcgen.Task) ([]domain.Task, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	deps, err := s.q.ListTaskDepartments(ctx, ids)
	if err != nil {
		return nil, err
	}
	co := map[int64][]domain.Code{}
	for _, d := range deps {
		if d.Role == "co" {
			co[d.TaskID] = append(co[d.TaskID], d.OrgCode)
		}
	}
	out := make([]domain.Task, len(rows))
	for i, r := range rows {
		if out[i], err = taskFromRow(r, co[r.ID]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TaskFilter selects tasks for lists, the ledger and exports. Empty fields
// match everything.
type TaskFilter struct {
	Committee  string
	Department string
	Status     domain.TaskStatus
	SourceKind string
	SourceID   string
	Overdue    bool
	DueFrom    time.Time
	DueTo      time.Time
	Text       string
	Now        time.Time
}

// TaskCursor is the keyset position after the last task of a page.
type TaskCursor struct {
	DueAt time.Time
	ID    int64
}

// Viewer is who lists tasks: everything for administrators, else the tasks
// of their committees (office, convener) and departments.
type Viewer struct {
	All         bool
	Committees  []string
	Departments []string
}

// ViewerOf derives what a user may see.
func ViewerOf(u domain.User) Viewer {
	v := Viewer{All: u.IsAdmin(), Committees: []string{}, Departments: []string{}}
	for _, g := range u.Grants {
		switch g.Role.Scope() {
		case domain.ScopeCommittee:
			v.Committees = append(v.Committees, g.Committee)
		case domain.ScopeDepartment:
			v.Departments = append(v.Departments, g.Department)
		}
	}
	return v
}

func ntext(s string) pgtype.Text { return pgtype.Text{String: s, Valid: s != ""} }

// textPattern is the filter's search text as an ILIKE pattern, or NULL.
func (f TaskFilter) textPattern() pgtype.Text {
	if f.Text == "" {
		return pgtype.Text{}
	}
	return ntext(likePattern(f.Text))
}

// orEmpty turns a nil list into an empty one, so the queries' array
// parameters are never NULL.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// likePattern escapes a search text for ILIKE.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// ListTasks returns up to limit tasks after the cursor, in due order, that
// match the filter and that the viewer may see.
func (s *Store) ListTasks(ctx context.Context, f TaskFilter, v Viewer, after TaskCursor, limit int) ([]domain.Task, error) {
	p := sqlcgen.ListTasksParams{Committee: ntext(f.Committee), Department: ntext(f.Department), Status: ntext(string(f.Status)),
		SourceKind: ntext(f.SourceKind), SourceID: ntext(f.SourceID), Overdue: f.Overdue, Now: tstz(f.Now),
		DueFrom: tstz(f.DueFrom), DueTo: tstz(f.DueTo), TextPattern: f.textPattern(), SeeAll: v.All,
		Committees: orEmpty(v.Committees), Departments: orEmpty(v.Departments),
		AfterDue: pgtype.Timestamptz{Time: after.DueAt, Valid: true, InfinityModifier: pgtype.NegativeInfinity}, AfterID: after.ID, Lim: int32(limit)}
	if !after.DueAt.IsZero() {
		p.AfterDue.InfinityModifier = pgtype.Finite
	}
	if !v.All && len(v.Committees) == 0 && len(v.Departments) == 1 && (f.Department == "" || f.Department == v.Departments[0]) {
		// The usual inbox: one department's people. Page through that
		// department's own rows instead of filtering every task.
		rows, err := s.q.ListDepartmentTasks(ctx, sqlcgen.ListDepartmentTasksParams{Department: v.Departments[0], Committee: p.Committee,
			Status: p.Status, SourceKind: p.SourceKind, SourceID: p.SourceID, Overdue: p.Overdue, Now: p.Now, DueFrom: p.DueFrom, DueTo: p.DueTo,
			TextPattern: p.TextPattern, AfterDue: p.AfterDue, AfterID: p.AfterID, Lim: p.Lim})
		if err != nil {
			return nil, err
		}
		return s.withDepartments(ctx, rows)
	}
	rows, err := s.q.ListTasks(ctx, p)
	if err != nil {
		return nil, err
	}
	return s.withDepartments(ctx, rows)
}

// RecordTaskChange applies a change to the task's row, appends its event
// and audit record; a change whose key was recorded before changes nothing.
func (s *Store) RecordTaskChange(ctx context.Context, c domain.TaskChange) error {
	values, err := json.Marshal(c.Values)
	if err != nil {
		return err
	}
	if c.Values == nil {
		values = []byte("{}")
	}
	var ext []byte
	if c.Extension != nil {
		if ext, err = json.Marshal(c.Extension); err != nil {
			return err
		}
	}
	detail, err := json.Marshal(c.Event.Detail)
	if err != nil {
		return err
	}
	if c.Event.Detail == nil {
		detail = []byte("{}")
	}
	return s.inTx(ctx, func(q *sqlcgen.Queries) error {
		n, err := q.InsertTaskEvent(ctx, sqlcgen.InsertTaskEventParams{Key: ntext(c.Key), TaskID: c.TaskID, At: tstz(c.At),
			Actor: c.Event.Actor, OnBehalfOf: c.Event.OnBehalfOf, Kind: c.Event.Kind, Detail: detail})
		if err != nil || n == 0 {
			return err // recorded already: a retried activity
		}
		if err := q.UpdateTaskState(ctx, sqlcgen.UpdateTaskStateParams{ID: c.TaskID, Status: string(c.Status), FieldValues: values,
			DueAt: tstz(c.DueAt), Extension: ext, AssignedTo: c.AssignedTo, UpdatedAt: tstz(c.At),
			SubmittedAt: tstz(c.SubmittedAt), ClosedAt: tstz(c.ClosedAt)}); err != nil {
			return err
		}
		if c.DueChanged {
			if err := q.SetTaskDepartmentsDue(ctx, sqlcgen.SetTaskDepartmentsDueParams{TaskID: c.TaskID, DueAt: tstz(c.DueAt)}); err != nil {
				return err
			}
		}
		if c.Contribution != nil {
			if err := q.UpsertContribution(ctx, sqlcgen.UpsertContributionParams{TaskID: c.TaskID, OrgCode: c.Contribution.Department,
				Body: c.Contribution.Body, Author: c.Event.Actor, At: tstz(c.At)}); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, q, c.Audit)
	})
}

// TaskHistory returns a task's events in order.
func (s *Store) TaskHistory(ctx context.Context, id int64) ([]domain.TaskEvent, error) {
	rows, err := s.q.ListTaskEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]domain.TaskEvent, len(rows))
	for i, r := range rows {
		out[i] = domain.TaskEvent{At: r.At.Time, Actor: r.Actor, OnBehalfOf: r.OnBehalfOf, Kind: r.Kind}
		if err := json.Unmarshal(r.Detail, &out[i].Detail); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// TaskContributions returns the co-handling departments' parts.
func (s *Store) TaskContributions(ctx context.Context, id int64) ([]domain.Contribution, error) {
	rows, err := s.q.ListContributions(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Contribution, len(rows))
	for i, r := range rows {
		out[i] = domain.Contribution{Department: r.OrgCode, Body: r.Body, Author: r.Author, At: r.At.Time}
	}
	return out, nil
}
