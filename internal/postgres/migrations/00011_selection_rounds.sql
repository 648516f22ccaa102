-- +goose Up

-- A selection programme's round of a year. The Temporal workflow
-- "selection:<programme>:<year>" is the authority on its state; this row
-- mirrors it (the whole state as JSON) for lists, pages and the archive.
-- version only grows: an older snapshot recorded late never overwrites a
-- newer one.
CREATE TABLE selection_rounds (
    id                text PRIMARY KEY,
    programme_code    text NOT NULL,
    programme_version integer NOT NULL,
    year              integer NOT NULL CHECK (year BETWEEN 1900 AND 2199),
    committee_code    text NOT NULL REFERENCES committees (code),
    phase             text NOT NULL,
    version           integer NOT NULL DEFAULT 0,
    started_at        timestamptz NOT NULL,
    closed_at         timestamptz,
    state             jsonb NOT NULL,
    UNIQUE (programme_code, year)
);
CREATE INDEX selection_rounds_programme ON selection_rounds (programme_code, year DESC);

-- A round's history; key (the update's id) makes recording idempotent.
CREATE TABLE selection_events (
    id       bigserial PRIMARY KEY,
    key      text UNIQUE,
    round_id text NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    at       timestamptz NOT NULL,
    actor    text NOT NULL,
    kind     text NOT NULL,
    detail   jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX selection_events_round ON selection_events (round_id, id);

-- +goose Down
DROP TABLE selection_events;
DROP TABLE selection_rounds;
