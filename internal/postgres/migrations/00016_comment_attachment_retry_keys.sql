-- +goose Up

-- The retry key of the request that added a comment or a file (an
-- Idempotency-Key, scoped to its user), as on tasks (00015): a retry after a
-- crash that lost the first attempt's answer finds the row instead of
-- adding it twice.
ALTER TABLE task_comments ADD COLUMN retry_key text;
CREATE UNIQUE INDEX task_comments_retry_key ON task_comments (retry_key) WHERE retry_key IS NOT NULL;
ALTER TABLE task_attachments ADD COLUMN retry_key text;
CREATE UNIQUE INDEX task_attachments_retry_key ON task_attachments (retry_key) WHERE retry_key IS NOT NULL;

-- +goose Down
DROP INDEX task_attachments_retry_key;
ALTER TABLE task_attachments DROP COLUMN retry_key;
DROP INDEX task_comments_retry_key;
ALTER TABLE task_comments DROP COLUMN retry_key;
