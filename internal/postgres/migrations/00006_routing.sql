-- +goose Up

-- A deputy acts for an absent colleague between two dates (inclusive);
-- what the deputy does is recorded as done on the colleague's behalf.
CREATE TABLE deputies (
    id           bigserial PRIMARY KEY,
    principal_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    deputy_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    starts_on    date NOT NULL,
    ends_on      date NOT NULL,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on),
    CHECK (principal_id <> deputy_id)
);
CREATE INDEX deputies_deputy ON deputies (deputy_id, ends_on);
CREATE INDEX deputies_principal ON deputies (principal_id, ends_on);

-- Files attached to a task: kept in the database with their SHA-256, so a
-- backup holds them and a download can be checked.
CREATE TABLE task_attachments (
    id           bigserial PRIMARY KEY,
    task_id      bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    name         text NOT NULL,
    content_type text NOT NULL,
    size         integer NOT NULL CHECK (size > 0),
    sha256       bytea NOT NULL,
    data         bytea NOT NULL,
    uploaded_by  text NOT NULL,
    at           timestamptz NOT NULL
);
CREATE INDEX task_attachments_task ON task_attachments (task_id, id);

-- A committee's own escalation ladder; committees without one use the
-- default (reminders at 3 and 1 working days, urging at 1, 3 and 5 overdue).
CREATE TABLE escalation_ladders (
    committee_code text PRIMARY KEY REFERENCES committees (code),
    steps          jsonb NOT NULL,
    updated_by     text NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE escalation_ladders;
DROP TABLE task_attachments;
DROP TABLE deputies;
