-- name: InsertDeputy :one
INSERT INTO deputies (principal_id, deputy_id, starts_on, ends_on, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id;

-- name: ListDeputiesOf :many
SELECT d.*, p.username AS principal, q.username AS deputy FROM deputies d
JOIN users p ON p.id = d.principal_id JOIN users q ON q.id = d.deputy_id
WHERE (d.principal_id = @user_id OR d.deputy_id = @user_id) AND d.ends_on >= @today
ORDER BY d.starts_on, d.id;

-- name: ActiveDeputy :one
-- Whether deputy may act for principal on a day.
SELECT EXISTS (SELECT 1 FROM deputies WHERE principal_id = $1 AND deputy_id = $2 AND starts_on <= @day AND ends_on >= @day);

-- name: GetDeputy :one
SELECT * FROM deputies WHERE id = $1;

-- name: DeleteDeputy :execrows
DELETE FROM deputies WHERE id = $1;

-- name: InsertAttachment :one
INSERT INTO task_attachments (task_id, name, content_type, size, sha256, data, uploaded_by, at, retry_key)
VALUES (@task_id, @name, @content_type, @size, @sha256, @data, @uploaded_by, @at, sqlc.narg(retry_key)) RETURNING id;

-- name: AttachmentByRetryKey :one
SELECT id, task_id, name, content_type, size, sha256, uploaded_by, at FROM task_attachments WHERE retry_key = $1;

-- name: ListAttachments :many
SELECT id, task_id, name, content_type, size, sha256, uploaded_by, at FROM task_attachments WHERE task_id = $1 ORDER BY id;

-- name: GetAttachment :one
SELECT * FROM task_attachments WHERE id = $1 AND task_id = $2;

-- name: CountAttachmentBytes :one
SELECT coalesce(sum(size), 0)::bigint FROM task_attachments WHERE task_id = $1;

-- name: GetLadder :one
SELECT steps FROM escalation_ladders WHERE committee_code = $1;

-- name: ListLadders :many
SELECT committee_code, steps FROM escalation_ladders;

-- name: UpsertLadder :exec
INSERT INTO escalation_ladders (committee_code, steps, updated_by, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (committee_code) DO UPDATE SET steps = excluded.steps, updated_by = excluded.updated_by, updated_at = excluded.updated_at;
