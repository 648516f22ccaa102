-- name: InsertMasterpieceYear :execrows
INSERT INTO masterpiece_years (id, year, phase, version, started_at, state)
VALUES (@id, @year, @phase, @version, @started_at, @state)
ON CONFLICT DO NOTHING;

-- name: UpsertMasterpieceYear :exec
-- A snapshot recorded by the year's workflow; an older version never
-- replaces a newer one.
UPDATE masterpiece_years SET phase = @phase, version = @version, closed_at = sqlc.narg(closed_at), state = @state
WHERE id = @id AND version < @version;

-- name: GetMasterpieceYear :one
SELECT * FROM masterpiece_years WHERE year = $1;

-- name: ListMasterpieceYears :many
SELECT * FROM masterpiece_years ORDER BY year DESC LIMIT $1;

-- name: InsertMasterpieceEvent :execrows
INSERT INTO masterpiece_events (key, year_id, at, actor, kind, detail)
VALUES (sqlc.narg(key), @year_id, @at, @actor, @kind, @detail)
ON CONFLICT (key) DO NOTHING;

-- name: ListMasterpieceEvents :many
SELECT * FROM masterpiece_events WHERE year_id = $1 ORDER BY id;
