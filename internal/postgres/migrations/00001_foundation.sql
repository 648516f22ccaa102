-- +goose Up

-- Organisations keep a stable code; names change with government
-- reorganisations and the history keeps every old name.
CREATE TABLE organisations (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9-]{1,62}$'),
    name_zh     text NOT NULL CHECK (name_zh <> ''),
    name_en     text NOT NULL CHECK (name_en <> ''),
    kind        text NOT NULL DEFAULT 'department' CHECK (kind IN ('department', 'other')),
    merged_into text REFERENCES organisations (code) CHECK (merged_into <> code),
    position    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE organisation_events (
    id          bigserial PRIMARY KEY,
    org_code    text NOT NULL REFERENCES organisations (code),
    kind        text NOT NULL CHECK (kind IN ('created', 'renamed', 'merged')),
    at          timestamptz NOT NULL DEFAULT now(),
    old_name_zh text NOT NULL DEFAULT '',
    old_name_en text NOT NULL DEFAULT '',
    new_name_zh text NOT NULL DEFAULT '',
    new_name_en text NOT NULL DEFAULT '',
    target_code text REFERENCES organisations (code),
    note        text NOT NULL DEFAULT ''
);
CREATE INDEX organisation_events_org ON organisation_events (org_code, at, id);

CREATE TABLE committees (
    code               text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9-]{1,62}$'),
    name_zh            text NOT NULL,
    name_en            text NOT NULL,
    plan_item          text NOT NULL DEFAULT '',
    office_host        text REFERENCES organisations (code),
    office_director_zh text NOT NULL DEFAULT '',
    office_director_en text NOT NULL DEFAULT '',
    cadence            text NOT NULL CHECK (cadence IN ('half-yearly', 'yearly', 'as-needed')),
    min_per_year       integer NOT NULL DEFAULT 0 CHECK (min_per_year BETWEEN 0 AND 12),
    cadence_note_zh    text NOT NULL DEFAULT '',
    cadence_note_en    text NOT NULL DEFAULT '',
    position           integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE committee_conveners (
    committee_code text NOT NULL REFERENCES committees (code) ON DELETE CASCADE,
    position       integer NOT NULL,
    rank           text NOT NULL CHECK (rank IN ('chief', 'convener')),
    title_zh       text NOT NULL,
    title_en       text NOT NULL,
    PRIMARY KEY (committee_code, position)
);

CREATE TABLE committee_members (
    committee_code text NOT NULL REFERENCES committees (code) ON DELETE CASCADE,
    org_code       text NOT NULL REFERENCES organisations (code),
    position       integer NOT NULL,
    PRIMARY KEY (committee_code, org_code)
);
CREATE INDEX committee_members_org ON committee_members (org_code);

-- Seed sets applied, so that a seed is loaded once and later edits by
-- administrators are never overwritten by a restart.
CREATE TABLE seed_runs (
    name       text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id                  bigserial PRIMARY KEY,
    username            text NOT NULL CHECK (username = lower(username) AND username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    display_name        text NOT NULL,
    password_hash       text NOT NULL,
    disabled_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username ON users (username);

CREATE TABLE user_roles (
    user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role           text NOT NULL CHECK (role IN ('admin', 'office', 'convener', 'liaison', 'member', 'expert')),
    committee_code text NOT NULL DEFAULT '' ,
    org_code       text NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, role, committee_code, org_code),
    CHECK ((role IN ('office', 'convener')) = (committee_code <> '')),
    CHECK ((role IN ('liaison', 'member')) = (org_code <> ''))
);
CREATE INDEX user_roles_org ON user_roles (org_code) WHERE org_code <> '';
CREATE INDEX user_roles_committee ON user_roles (committee_code) WHERE committee_code <> '';

-- Sessions live on the server: the cookie holds a random token, the table
-- its SHA-256, so a leaked table grants nothing.
CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ip           text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           bigserial PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '',
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- Failed sign-ins, counted per username and per address to slow and then
-- refuse guessing.
CREATE TABLE login_failures (
    id       bigserial PRIMARY KEY,
    username text NOT NULL,
    ip       text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

-- The audit trail is append-only and hash-chained: each row's hash covers
-- its content and the previous row's hash, so an edited, removed or
-- reordered row breaks the chain.
CREATE TABLE audit_log (
    seq        bigint PRIMARY KEY,
    at         timestamptz NOT NULL,
    actor      text NOT NULL,
    action     text NOT NULL,
    object     text NOT NULL DEFAULT '',
    result     text NOT NULL CHECK (result IN ('ok', 'denied', 'failed')),
    request_id text NOT NULL DEFAULT '',
    ip         text NOT NULL DEFAULT '',
    detail     jsonb NOT NULL DEFAULT '{}',
    prev_hash  bytea NOT NULL,
    hash       bytea NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE login_failures;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE seed_runs;
DROP TABLE committee_members;
DROP TABLE committee_conveners;
DROP TABLE committees;
DROP TABLE organisation_events;
DROP TABLE organisations;
