-- name: ListRemindable :many
-- Open tasks due before a horizon: those a reminder or an escalation may
-- concern. The covering partial index tasks_open_due answers it alone when
-- few are; when most open tasks are, a sequential scan is cheaper. In no
-- order: each task is decided by itself, and sorting 75,000 rows spilled
-- to disk and took a third of the sweep's time (measured by
-- BenchmarkReminderSweepQuery).
SELECT id, committee_code, due_at FROM tasks
WHERE status IN ('open', 'in_progress') AND due_at < @horizon;

-- name: InsertOutboxBatch :many
-- All of a sweep's decisions in one statement; those decided before are
-- skipped by their key, and only the new ones come back.
INSERT INTO outbox (key, task_id, rule, audience, created_at)
SELECT unnest(@keys::text[]), unnest(@task_ids::bigint[]), unnest(@rules::text[]), unnest(@audiences::text[]), @created_at
ON CONFLICT (key) DO NOTHING
RETURNING key, task_id, rule, audience;

-- name: InsertSystemEvents :exec
INSERT INTO task_events (key, task_id, at, actor, kind, detail)
SELECT unnest(@keys::text[]), unnest(@task_ids::bigint[]), @at, 'system', unnest(@kinds::text[]), unnest(@details::jsonb[])
ON CONFLICT (key) DO NOTHING;

-- name: ListUndispatched :many
SELECT id FROM outbox WHERE dispatched_at IS NULL ORDER BY id LIMIT $1;

-- name: GetOutbox :one
SELECT o.id, o.key, o.task_id, o.rule, o.audience, o.created_at, t.title, t.committee_code, t.lead_org, t.due_at
FROM outbox o JOIN tasks t ON t.id = o.task_id
WHERE o.id = $1;

-- name: MarkDispatched :exec
UPDATE outbox SET dispatched_at = $2 WHERE id = $1 AND dispatched_at IS NULL;

-- name: DepartmentRecipients :many
-- The people who act for departments: liaisons and members, enabled, with
-- the e-mail address they gave, if any.
SELECT DISTINCT u.id, u.username, u.display_name, coalesce(c.email, '')::text AS email
FROM users u JOIN user_roles r ON r.user_id = u.id
LEFT JOIN channel_settings c ON c.owner_kind = 'user' AND c.owner = u.username
WHERE r.org_code = ANY(@orgs::text[]) AND r.role IN ('liaison', 'member') AND u.disabled_at IS NULL
ORDER BY u.id;

-- name: CommitteeRecipients :many
SELECT DISTINCT u.id, u.username, u.display_name, coalesce(c.email, '')::text AS email
FROM users u JOIN user_roles r ON r.user_id = u.id
LEFT JOIN channel_settings c ON c.owner_kind = 'user' AND c.owner = u.username
WHERE r.committee_code = @committee AND r.role = @role AND u.disabled_at IS NULL
ORDER BY u.id;

-- name: GetDelivery :one
SELECT * FROM deliveries WHERE outbox_id = $1 AND recipient = $2 AND channel = $3;

-- name: RecordDelivery :exec
INSERT INTO deliveries (outbox_id, recipient, channel, status, attempts, last_error, at) VALUES ($1, $2, $3, $4, 1, $5, $6)
ON CONFLICT (outbox_id, recipient, channel) DO UPDATE
SET status = excluded.status, attempts = deliveries.attempts + 1, last_error = excluded.last_error, at = excluded.at;

-- name: ListDeliveries :many
SELECT * FROM deliveries WHERE outbox_id = $1 ORDER BY channel, recipient;

-- name: InsertNotification :execrows
INSERT INTO notifications (user_id, outbox_id, task_id, subject, body, link, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (user_id, outbox_id) DO NOTHING;

-- name: ListNotifications :many
SELECT * FROM notifications WHERE user_id = @user_id AND id < @before ORDER BY id DESC LIMIT @lim;

-- name: CountUnread :one
SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL;

-- name: MarkNotificationRead :execrows
UPDATE notifications SET read_at = coalesce(read_at, $3) WHERE id = $1 AND user_id = $2;

-- name: MarkAllNotificationsRead :execrows
UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL;

-- name: GetChannelSettings :one
SELECT * FROM channel_settings WHERE owner_kind = $1 AND owner = $2;

-- name: UpsertChannelSettings :exec
INSERT INTO channel_settings (owner_kind, owner, email, webhook_url, webhook_secret) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (owner_kind, owner) DO UPDATE SET email = excluded.email, webhook_url = excluded.webhook_url, webhook_secret = excluded.webhook_secret;
