-- +goose Up

-- A year of the cultural masterpiece projects. The Temporal workflow
-- "masterpiece:<year>" is the authority on its state; this row mirrors it
-- (as JSON) for the portfolio, the exports and the next year's carry-over.
CREATE TABLE masterpiece_years (
    id         text PRIMARY KEY,
    year       integer NOT NULL UNIQUE CHECK (year BETWEEN 1900 AND 2199),
    phase      text NOT NULL,
    version    integer NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL,
    closed_at  timestamptz,
    state      jsonb NOT NULL
);

-- A year's history; key (the update's id) makes recording idempotent.
CREATE TABLE masterpiece_events (
    id      bigserial PRIMARY KEY,
    key     text UNIQUE,
    year_id text NOT NULL REFERENCES masterpiece_years (id) ON DELETE CASCADE,
    at      timestamptz NOT NULL,
    actor   text NOT NULL,
    kind    text NOT NULL,
    detail  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX masterpiece_events_year ON masterpiece_events (year_id, id);

-- +goose Down
DROP TABLE masterpiece_events;
DROP TABLE masterpiece_years;
