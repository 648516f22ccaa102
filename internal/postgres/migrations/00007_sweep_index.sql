-- +goose Up

-- The reminder sweep reads id, committee and due time of every open task
-- due before its horizon, in due order: a covering partial index answers it
-- with an index-only scan, without a sort or heap reads.
DROP INDEX tasks_open_due;
CREATE INDEX tasks_open_due ON tasks (due_at, id) INCLUDE (committee_code) WHERE status IN ('open', 'in_progress');

-- +goose Down
DROP INDEX tasks_open_due;
CREATE INDEX tasks_open_due ON tasks (due_at, id) WHERE status IN ('open', 'in_progress');
