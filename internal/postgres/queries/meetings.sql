-- name: InsertCycle :execrows
INSERT INTO meeting_cycles (id, committee_code, period, phase, planned_month, version, waiting_role, waiting_on, started_at, state)
VALUES (@id, @committee_code, @period, @phase, @planned_month, @version, @waiting_role, @waiting_on, @started_at, @state)
ON CONFLICT DO NOTHING;

-- name: UpsertCycle :exec
-- A snapshot recorded by the cycle's workflow; an older version never
-- replaces a newer one.
INSERT INTO meeting_cycles (id, committee_code, period, phase, planned_month, version, waiting_role, waiting_on, meeting_at, place, started_at, closed_at, state)
VALUES (@id, @committee_code, @period, @phase, @planned_month, @version, @waiting_role, @waiting_on, sqlc.narg(meeting_at), @place, @started_at, sqlc.narg(closed_at), @state)
ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, planned_month = excluded.planned_month, version = excluded.version,
    waiting_role = excluded.waiting_role, waiting_on = excluded.waiting_on, meeting_at = excluded.meeting_at, place = excluded.place,
    closed_at = excluded.closed_at, state = excluded.state
WHERE meeting_cycles.version < excluded.version;

-- name: GetCycle :one
SELECT * FROM meeting_cycles WHERE id = $1;

-- name: ListCycles :many
SELECT * FROM meeting_cycles WHERE committee_code = $1 ORDER BY started_at DESC, id LIMIT $2;

-- name: PreviousCycle :one
-- The committee's latest cycle before a new one starts: what it left
-- unfinished is carried over.
SELECT * FROM meeting_cycles WHERE committee_code = $1 AND id <> @exclude::text AND phase <> 'cancelled'
ORDER BY started_at DESC, id DESC LIMIT 1;

-- name: CyclesOfYear :many
SELECT id, period, phase, meeting_at FROM meeting_cycles
WHERE committee_code = $1 AND substr(period, 1, 4) = @year::text;

-- name: MeetingsBetween :many
-- Meetings with a notice, for calendar feeds.
SELECT * FROM meeting_cycles WHERE meeting_at IS NOT NULL AND meeting_at >= @since
ORDER BY meeting_at, id;

-- name: InsertCycleEvent :execrows
INSERT INTO meeting_events (key, cycle_id, at, actor, kind, detail)
VALUES (sqlc.narg(key), @cycle_id, @at, @actor, @kind, @detail)
ON CONFLICT (key) DO NOTHING;

-- name: ListCycleEvents :many
SELECT * FROM meeting_events WHERE cycle_id = $1 ORDER BY id;

-- name: TaskBySourceKey :one
SELECT * FROM tasks WHERE source_key = $1;

-- name: SetTaskSourceKey :exec
UPDATE tasks SET source_key = $2 WHERE id = $1;

-- name: InsertKeyedNotification :execrows
INSERT INTO notifications (user_id, key, task_id, subject, body, link, created_at)
VALUES (@user_id, @key, sqlc.narg(task_id), @subject, @body, @link, @created_at)
ON CONFLICT (user_id, key) WHERE key IS NOT NULL DO NOTHING;

-- name: CommitteeCycleSettings :one
SELECT code, cadence, min_per_year, agenda_lead_days, cycle_settings FROM committees WHERE code = $1;

-- name: ListCommitteeCadences :many
SELECT code, cadence, min_per_year, agenda_lead_days, cycle_settings FROM committees ORDER BY position, code;

-- name: UpdateCommitteeCadence :execrows
UPDATE committees SET cadence = @cadence, min_per_year = @min_per_year, agenda_lead_days = @agenda_lead_days,
    cycle_settings = @cycle_settings, updated_at = @updated_at
WHERE code = @code;
