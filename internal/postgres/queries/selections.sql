-- name: InsertRound :execrows
INSERT INTO selection_rounds (id, programme_code, programme_version, year, committee_code, phase, version, started_at, state)
VALUES (@id, @programme_code, @programme_version, @year, @committee_code, @phase, @version, @started_at, @state)
ON CONFLICT DO NOTHING;

-- name: UpsertRound :exec
-- A snapshot recorded by the round's workflow; an older version never
-- replaces a newer one.
UPDATE selection_rounds SET phase = @phase, version = @version, closed_at = sqlc.narg(closed_at), state = @state
WHERE id = @id AND version < @version;

-- name: GetRound :one
SELECT * FROM selection_rounds WHERE id = $1;

-- name: ListRounds :many
SELECT * FROM selection_rounds WHERE programme_code = $1 ORDER BY year DESC LIMIT $2;

-- name: InsertRoundEvent :execrows
INSERT INTO selection_events (key, round_id, at, actor, kind, detail)
VALUES (sqlc.narg(key), @round_id, @at, @actor, @kind, @detail)
ON CONFLICT (key) DO NOTHING;

-- name: ListRoundEvents :many
SELECT * FROM selection_events WHERE round_id = $1 ORDER BY id;

-- name: UserIDsByName :many
SELECT id FROM users WHERE username = ANY(@names::text[]) AND disabled_at IS NULL ORDER BY id;

-- name: ListOpenRounds :many
-- Rounds still running: an expert's assignments are found among them.
SELECT * FROM selection_rounds WHERE phase NOT IN ('announced', 'reviewed', 'cancelled') ORDER BY started_at DESC LIMIT 200;
