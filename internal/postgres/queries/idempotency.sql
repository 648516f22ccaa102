-- name: ClaimIdempotencyKey :execrows
INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (user_id, key) DO NOTHING;

-- name: GetIdempotencyKey :one
SELECT * FROM idempotency_keys WHERE user_id = $1 AND key = $2;

-- name: CompleteIdempotencyKey :exec
UPDATE idempotency_keys SET status = $3, content_type = $4, body = $5
WHERE user_id = $1 AND key = $2;

-- name: ReleaseIdempotencyKey :exec
DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status = 0;

-- name: DeleteOldIdempotencyKeys :execrows
DELETE FROM idempotency_keys WHERE created_at < $1;

-- name: TakeOverIdempotencyKey :execrows
UPDATE idempotency_keys SET created_at = @created_at
WHERE user_id = @user_id AND key = @key AND status = 0 AND created_at < @stale_before;
