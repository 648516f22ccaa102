-- +goose Up

-- A department's inbox pages through its own tasks in due order. With the
-- due time copied onto each task's department rows, one index walk answers
-- a page however many tasks the department has had.
ALTER TABLE task_departments ADD COLUMN due_at timestamptz;
UPDATE task_departments d SET due_at = t.due_at FROM tasks t WHERE t.id = d.task_id;
ALTER TABLE task_departments ALTER COLUMN due_at SET NOT NULL;
CREATE INDEX task_departments_org_due ON task_departments (org_code, due_at, task_id);

-- +goose Down
DROP INDEX task_departments_org_due;
ALTER TABLE task_departments DROP COLUMN due_at;
