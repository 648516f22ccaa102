-- name: CreateSession :exec
INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
VALUES ($1, $2, $3, $3, $4, $5, $6);

-- name: GetSession :one
SELECT * FROM sessions WHERE token_hash = $1;

-- name: TouchSession :exec
UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1;

-- name: DeleteSession :one
DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id;

-- name: DeleteUserSessions :execrows
DELETE FROM sessions WHERE user_id = $1;

-- name: DeleteExpiredSessions :execrows
DELETE FROM sessions WHERE expires_at < @now OR last_seen_at < @idle_before;

-- name: CreateAPIToken :one
INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, $2, $3) RETURNING id;

-- name: GetAPIToken :one
SELECT * FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL;

-- name: TouchAPIToken :exec
UPDATE api_tokens SET last_used_at = $2 WHERE id = $1;

-- name: InsertLoginFailure :exec
INSERT INTO login_failures (username, ip, at) VALUES ($1, $2, $3);

-- name: CountFailuresByUsername :one
SELECT count(*) FROM login_failures WHERE username = $1 AND at > $2;

-- name: CountFailuresByIP :one
SELECT count(*) FROM login_failures WHERE ip = $1 AND at > $2;

-- name: RevokeUserTokens :exec
UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL;

-- name: ClearLoginFailures :exec
DELETE FROM login_failures WHERE username = $1;

-- name: DeleteOldLoginFailures :execrows
DELETE FROM login_failures WHERE at < $1;

-- name: LockLoginAttempts :exec
-- Attempts on one username are counted one at a time, so parallel guesses
-- each see the ones before them.
SELECT pg_advisory_xact_lock(hashtextextended('login:' || @username::text, 0));
