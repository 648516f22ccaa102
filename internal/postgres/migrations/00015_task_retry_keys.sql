-- +goose Up

-- The retry key of the request that created a task (an Idempotency-Key,
-- scoped to its user): a retry after a crash finds the task instead of
-- creating a second one.
ALTER TABLE tasks ADD COLUMN retry_key text;
CREATE UNIQUE INDEX tasks_retry_key ON tasks (retry_key) WHERE retry_key IS NOT NULL;

-- +goose Down
DROP INDEX tasks_retry_key;
ALTER TABLE tasks DROP COLUMN retry_key;
