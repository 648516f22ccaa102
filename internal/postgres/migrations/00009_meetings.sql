-- +goose Up

-- A joint meeting's cycle. The Temporal workflow "meeting:<committee>:<period>"
-- is the authority on its state; this row mirrors it (the whole state as
-- JSON, with the columns lists filter on) for lists, the ledger and the
-- next cycle's carry-over. version only grows: an older snapshot recorded
-- late never overwrites a newer one.
CREATE TABLE meeting_cycles (
    id             text PRIMARY KEY,
    committee_code text NOT NULL REFERENCES committees (code),
    period         text NOT NULL,
    phase          text NOT NULL,
    planned_month  text NOT NULL,
    version        integer NOT NULL DEFAULT 0,
    waiting_role   text NOT NULL DEFAULT '',
    waiting_on     text[] NOT NULL DEFAULT '{}',
    meeting_at     timestamptz,
    place          text NOT NULL DEFAULT '',
    started_at     timestamptz NOT NULL,
    closed_at      timestamptz,
    state          jsonb NOT NULL,
    UNIQUE (committee_code, period)
);
CREATE INDEX meeting_cycles_committee ON meeting_cycles (committee_code, started_at DESC);
CREATE INDEX meeting_cycles_meeting_at ON meeting_cycles (meeting_at) WHERE meeting_at IS NOT NULL;

-- A cycle's history: who moved it, when. key (the workflow update's id)
-- makes recording idempotent.
CREATE TABLE meeting_events (
    id       bigserial PRIMARY KEY,
    key      text UNIQUE,
    cycle_id text NOT NULL REFERENCES meeting_cycles (id) ON DELETE CASCADE,
    at       timestamptz NOT NULL,
    actor    text NOT NULL,
    kind     text NOT NULL,
    detail   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX meeting_events_cycle ON meeting_events (cycle_id, id);

-- A process opens its tasks under a key of its own (cycle, step,
-- department), so an activity retried after a crash finds the task it
-- opened instead of opening a second.
ALTER TABLE tasks ADD COLUMN source_key text;
CREATE UNIQUE INDEX tasks_source_key ON tasks (source_key) WHERE source_key IS NOT NULL;

-- Notifications a process sends (an item rejected, a deadline passed) carry
-- a key, so each reaches each person once.
ALTER TABLE notifications ADD COLUMN key text;
CREATE UNIQUE INDEX notifications_key ON notifications (user_id, key) WHERE key IS NOT NULL;

-- Each committee's cadence settings the office edits: how many working days
-- before the planned meeting month the agenda call opens, and the cycle's
-- working-day spans (empty: the defaults).
ALTER TABLE committees ADD COLUMN agenda_lead_days integer NOT NULL DEFAULT 20 CHECK (agenda_lead_days BETWEEN 0 AND 120);
ALTER TABLE committees ADD COLUMN cycle_settings jsonb NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE committees DROP COLUMN cycle_settings;
ALTER TABLE committees DROP COLUMN agenda_lead_days;
DROP INDEX notifications_key;
ALTER TABLE notifications DROP COLUMN key;
DROP INDEX tasks_source_key;
ALTER TABLE tasks DROP COLUMN source_key;
DROP TABLE meeting_events;
DROP TABLE meeting_cycles;
