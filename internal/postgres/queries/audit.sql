-- name: LockAuditChain :exec
-- One writer at a time extends the chain; the lock ends with the transaction.
SELECT pg_advisory_xact_lock(7261636);

-- name: LastAudit :one
SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1;

-- name: InsertAudit :exec
INSERT INTO audit_log (seq, at, actor, action, object, result, request_id, ip, detail, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);

-- name: ListAudit :many
SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2;

-- name: ListRecentAudit :many
SELECT * FROM audit_log ORDER BY seq DESC LIMIT $1;
