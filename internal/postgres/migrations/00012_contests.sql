-- +goose Up

-- A year's Lotus City idea contest. The Temporal workflow "contest:<year>"
-- governs its phases; this row mirrors its state (as JSON) and its phase,
-- which the public's writes below check in the same statement.
CREATE TABLE contests (
    id             text PRIMARY KEY,
    year           integer NOT NULL UNIQUE CHECK (year BETWEEN 1900 AND 2199),
    committee_code text NOT NULL REFERENCES committees (code),
    phase          text NOT NULL,
    -- the rules' votes per voter, fixed at the start: each vote checks it
    votes_per_voter integer NOT NULL CHECK (votes_per_voter > 0),
    version        integer NOT NULL DEFAULT 0,
    started_at     timestamptz NOT NULL,
    closed_at      timestamptz,
    state          jsonb NOT NULL
);

-- A contest's history; key (the update's id) makes recording idempotent.
CREATE TABLE contest_events (
    id         bigserial PRIMARY KEY,
    key        text UNIQUE,
    contest_id text NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    kind       text NOT NULL,
    detail     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX contest_events_contest ON contest_events (contest_id, id);

-- One-time codes sent to a contact; only their hashes are kept.
CREATE TABLE contest_codes (
    id         bigserial PRIMARY KEY,
    year       integer NOT NULL REFERENCES contests (year),
    contact    text NOT NULL,
    code_hash  bytea NOT NULL,
    address    inet,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    used_at    timestamptz
);
CREATE INDEX contest_codes_contact ON contest_codes (year, contact, created_at DESC);

-- A verified contact: the one voter (and submitter) it is in a contest.
-- token_hash is the hash of the bearer token given on verification;
-- votes_cast counts the votes against the contest's limit.
CREATE TABLE contest_voters (
    id          bigserial PRIMARY KEY,
    year        integer NOT NULL REFERENCES contests (year),
    contact     text NOT NULL,
    token_hash  bytea NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    verified_at timestamptz NOT NULL,
    address     inet,
    votes_cast  integer NOT NULL DEFAULT 0 CHECK (votes_cast >= 0),
    UNIQUE (year, contact)
);
CREATE INDEX contest_voters_verified ON contest_voters (year, verified_at);

-- Files attached to ideas, kept like task attachments. A file belongs to
-- the voter who uploaded it until an idea takes it.
CREATE TABLE contest_files (
    id           bigserial PRIMARY KEY,
    year         integer NOT NULL REFERENCES contests (year),
    voter_id     bigint NOT NULL REFERENCES contest_voters (id),
    idea_id      bigint,
    name         text NOT NULL,
    content_type text NOT NULL,
    size         integer NOT NULL CHECK (size > 0),
    sha256       bytea NOT NULL,
    data         bytea NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contest_files_voter ON contest_files (voter_id);

-- An idea submitted by the public.
CREATE TABLE contest_ideas (
    id            bigserial PRIMARY KEY,
    year          integer NOT NULL REFERENCES contests (year),
    tracking_code text NOT NULL UNIQUE,
    voter_id      bigint NOT NULL REFERENCES contest_voters (id),
    name          text NOT NULL,
    contact       text NOT NULL,
    category      text NOT NULL,
    title         text NOT NULL,
    problem       text NOT NULL,
    proposal      text NOT NULL,
    effect        text NOT NULL,
    attachments   bigint[] NOT NULL DEFAULT '{}',
    address       inet,
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    status        text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'eligible', 'ineligible', 'merged')),
    reason        text NOT NULL DEFAULT '',
    merged_into   bigint REFERENCES contest_ideas (id),
    screened_by   text,
    screened_at   timestamptz
);
CREATE INDEX contest_ideas_year ON contest_ideas (year, status, id);
ALTER TABLE contest_files ADD FOREIGN KEY (idea_id) REFERENCES contest_ideas (id);

-- A vote: one per voter and idea, written straight by the vote endpoint.
CREATE TABLE contest_votes (
    voter_id bigint NOT NULL REFERENCES contest_voters (id),
    idea_id  bigint NOT NULL REFERENCES contest_ideas (id),
    year     integer NOT NULL,
    address  inet,
    at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (voter_id, idea_id)
);
CREATE INDEX contest_votes_idea ON contest_votes (idea_id);
CREATE INDEX contest_votes_year_at ON contest_votes (year, at);

-- +goose Down
DROP TABLE contest_votes;
ALTER TABLE contest_files DROP CONSTRAINT IF EXISTS contest_files_idea_id_fkey;
DROP TABLE contest_ideas;
DROP TABLE contest_files;
DROP TABLE contest_voters;
DROP TABLE contest_codes;
DROP TABLE contest_events;
DROP TABLE contests;
