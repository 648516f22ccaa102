-- +goose Up

-- One-time codes that verify a member of the public's contact, for any
-- public process (scope: "contest:2026", "consultation:<slug>"); only
-- their hashes are kept. Codes live minutes, so those of the contests'
-- own table are not carried over.
CREATE TABLE contact_codes (
    id         bigserial PRIMARY KEY,
    scope      text NOT NULL,
    contact    text NOT NULL,
    code_hash  bytea NOT NULL,
    address    inet,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    used_at    timestamptz
);
CREATE INDEX contact_codes_contact ON contact_codes (scope, contact, created_at DESC);
CREATE INDEX contact_codes_address ON contact_codes (scope, address, created_at DESC);
DROP TABLE contest_codes;

-- A draft put out for comments (征求意见). The Temporal workflow
-- "consultation:<slug>" governs its phases; this row mirrors its state (as
-- JSON). The window's dates are columns: a comment checks them in the
-- same statement that stores it.
CREATE TABLE consultations (
    id              text PRIMARY KEY,
    slug            text NOT NULL UNIQUE,
    committee_code  text NOT NULL REFERENCES committees (code),
    phase           text NOT NULL,
    opens_at        timestamptz NOT NULL,
    closes_at       timestamptz NOT NULL CHECK (closes_at > opens_at),
    feedback_due_at timestamptz NOT NULL CHECK (feedback_due_at >= closes_at),
    sections        text[] NOT NULL,
    version         integer NOT NULL DEFAULT 0,
    started_at      timestamptz NOT NULL,
    closed_at       timestamptz,
    state           jsonb NOT NULL
);

-- A consultation's history; key (the update's id) makes recording
-- idempotent.
CREATE TABLE consultation_events (
    id              bigserial PRIMARY KEY,
    key             text UNIQUE,
    consultation_id text NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    at              timestamptz NOT NULL,
    actor           text NOT NULL,
    kind            text NOT NULL,
    detail          jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX consultation_events_consultation ON consultation_events (consultation_id, id);

-- The draft's attachments and the revised draft, uploaded by the office.
CREATE TABLE consultation_files (
    id              bigserial PRIMARY KEY,
    consultation_id text NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    revised         boolean NOT NULL DEFAULT false,
    name            text NOT NULL,
    content_type    text NOT NULL,
    size            integer NOT NULL CHECK (size > 0),
    sha256          bytea NOT NULL,
    data            bytea NOT NULL,
    uploaded_by     text NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consultation_files_consultation ON consultation_files (consultation_id, id);

-- A verified contact commenting on one consultation; token_hash is the
-- hash of the bearer token given on verification.
CREATE TABLE consultation_commenters (
    id              bigserial PRIMARY KEY,
    consultation_id text NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    contact         text NOT NULL,
    token_hash      bytea NOT NULL UNIQUE,
    expires_at      timestamptz NOT NULL,
    verified_at     timestamptz NOT NULL,
    address         inet,
    UNIQUE (consultation_id, contact)
);

-- A comment: from the public (commenter_id) or a department (department,
-- task_id, key unique per task and position so a replayed notice files it
-- once). The office's reply sits on the row.
CREATE TABLE consultation_comments (
    id              bigserial PRIMARY KEY,
    consultation_id text NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    section         text NOT NULL DEFAULT '',
    body            text NOT NULL,
    name            text NOT NULL DEFAULT '',
    commenter_id    bigint REFERENCES consultation_commenters (id),
    department      text REFERENCES organisations (code),
    task_id         bigint,
    key             text UNIQUE,
    address         inet,
    at              timestamptz NOT NULL DEFAULT now(),
    reply_status    text CHECK (reply_status IN ('adopted', 'partly', 'not_adopted', 'out_of_scope')),
    reply           text NOT NULL DEFAULT '',
    replied_by      text NOT NULL DEFAULT '',
    replied_at      timestamptz,
    CHECK ((commenter_id IS NULL) <> (department IS NULL)),
    CHECK (reply_status IS NULL OR replied_at IS NOT NULL),
    CHECK (reply_status <> 'not_adopted' OR reply <> '')
);
CREATE INDEX consultation_comments_consultation ON consultation_comments (consultation_id, id);
CREATE INDEX consultation_comments_unreplied ON consultation_comments (consultation_id) WHERE reply_status IS NULL;

-- +goose Down
DROP TABLE consultation_comments;
DROP TABLE consultation_commenters;
DROP TABLE consultation_files;
DROP TABLE consultation_events;
DROP TABLE consultations;
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
DROP TABLE contact_codes;
