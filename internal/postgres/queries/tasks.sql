-- name: InsertTask :one
INSERT INTO tasks (source_kind, source_id, committee_code, kind, title, body, lead_org, form, due_at, priority, created_by, created_at, updated_at, retry_key)
VALUES (@source_kind, @source_id, @committee_code, @kind, @title, @body, @lead_org, @form, @due_at, @priority, @created_by, @created_at, @created_at, sqlc.narg(retry_key))
RETURNING id;

-- name: TaskByRetryKey :one
SELECT id FROM tasks WHERE retry_key = $1;

-- name: InsertTaskDepartment :exec
INSERT INTO task_departments (task_id, org_code, role, due_at) VALUES ($1, $2, $3, $4);

-- name: SetTaskDepartmentsDue :exec
UPDATE task_departments SET due_at = $2 WHERE task_id = $1 AND due_at <> $2;

-- name: InsertTaskEvent :execrows
INSERT INTO task_events (key, task_id, at, actor, on_behalf_of, kind, detail)
VALUES (sqlc.narg(key), @task_id, @at, @actor, @on_behalf_of, @kind, @detail)
ON CONFLICT (key) DO NOTHING;

-- name: GetTask :one
SELECT * FROM tasks WHERE id = $1;

-- name: ListTaskDepartments :many
SELECT task_id, org_code, role FROM task_departments WHERE task_id = ANY(@ids::bigint[]) ORDER BY task_id, role DESC, org_code;

-- name: ListTaskEvents :many
SELECT * FROM task_events WHERE task_id = $1 ORDER BY id;

-- name: UpdateTaskState :exec
UPDATE tasks SET status = @status, field_values = @field_values, due_at = @due_at, extension = @extension,
    assigned_to = @assigned_to, updated_at = @updated_at, submitted_at = @submitted_at, closed_at = @closed_at
WHERE id = @id;

-- name: UpsertContribution :exec
INSERT INTO task_contributions (task_id, org_code, body, author, at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (task_id, org_code) DO UPDATE SET body = excluded.body, author = excluded.author, at = excluded.at;

-- name: ListContributions :many
SELECT * FROM task_contributions WHERE task_id = $1 ORDER BY org_code;

-- name: InsertComment :one
INSERT INTO task_comments (task_id, author, body, at, retry_key) VALUES (@task_id, @author, @body, @at, sqlc.narg(retry_key)) RETURNING id;

-- name: CommentByRetryKey :one
SELECT id, task_id, author, body, at FROM task_comments WHERE retry_key = $1;

-- name: ListComments :many
SELECT * FROM task_comments WHERE task_id = $1 ORDER BY id;

-- name: ListTasks :many
-- Filters are optional (NULL: any); the caller's visibility is "all", or
-- the committees whose office or conveners they are, or their departments.
-- Keyset pagination on (due_at, id).
SELECT t.* FROM tasks t
WHERE (sqlc.narg(committee)::text IS NULL OR t.committee_code = sqlc.narg(committee))
  AND (sqlc.narg(department)::text IS NULL OR EXISTS (
        SELECT 1 FROM task_departments d WHERE d.task_id = t.id AND d.org_code = sqlc.narg(department)))
  AND (sqlc.narg(status)::text IS NULL OR t.status = sqlc.narg(status))
  AND (sqlc.narg(source_kind)::text IS NULL OR t.source_kind = sqlc.narg(source_kind))
  AND (sqlc.narg(source_id)::text IS NULL OR t.source_id = sqlc.narg(source_id))
  AND (NOT @overdue::boolean OR (t.status IN ('open', 'in_progress') AND t.due_at < @now))
  AND (sqlc.narg(due_from)::timestamptz IS NULL OR t.due_at >= sqlc.narg(due_from))
  AND (sqlc.narg(due_to)::timestamptz IS NULL OR t.due_at < sqlc.narg(due_to))
  AND (sqlc.narg(text_pattern)::text IS NULL OR t.title ILIKE sqlc.narg(text_pattern) OR t.body ILIKE sqlc.narg(text_pattern))
  AND (@see_all::boolean
       OR t.committee_code = ANY(@committees::text[])
       OR EXISTS (SELECT 1 FROM task_departments d WHERE d.task_id = t.id AND d.org_code = ANY(@departments::text[])))
  AND (t.due_at, t.id) > (@after_due::timestamptz, @after_id::bigint)
ORDER BY t.due_at, t.id
LIMIT @lim;

-- name: ListCalendarOverrides :many
SELECT * FROM calendar_overrides ORDER BY day;

-- name: UpsertCalendarOverride :exec
INSERT INTO calendar_overrides (day, working, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (day) DO UPDATE SET working = excluded.working, note = excluded.note, updated_by = excluded.updated_by, updated_at = excluded.updated_at;

-- name: DeleteCalendarOverride :execrows
DELETE FROM calendar_overrides WHERE day = $1;

-- name: ListDepartmentTasks :many
-- One department's tasks, paged through its own rows of task_departments
-- (index task_departments_org_due), with the same optional filters as
-- ListTasks.
SELECT t.* FROM task_departments d JOIN tasks t ON t.id = d.task_id
WHERE d.org_code = @department
  AND (sqlc.narg(committee)::text IS NULL OR t.committee_code = sqlc.narg(committee))
  AND (sqlc.narg(status)::text IS NULL OR t.status = sqlc.narg(status))
  AND (sqlc.narg(source_kind)::text IS NULL OR t.source_kind = sqlc.narg(source_kind))
  AND (sqlc.narg(source_id)::text IS NULL OR t.source_id = sqlc.narg(source_id))
  AND (NOT @overdue::boolean OR (t.status IN ('open', 'in_progress') AND t.due_at < @now))
  AND (sqlc.narg(due_from)::timestamptz IS NULL OR d.due_at >= sqlc.narg(due_from))
  AND (sqlc.narg(due_to)::timestamptz IS NULL OR d.due_at < sqlc.narg(due_to))
  AND (sqlc.narg(text_pattern)::text IS NULL OR t.title ILIKE sqlc.narg(text_pattern) OR t.body ILIKE sqlc.narg(text_pattern))
  AND (d.due_at, d.task_id) > (@after_due::timestamptz, @after_id::bigint)
ORDER BY d.due_at, d.task_id
LIMIT @lim;
