-- +goose Up

-- Working-day overrides kept by administrators: a year the holiday library
-- does not know yet, a local holiday. They win over the library.
CREATE TABLE calendar_overrides (
    day        date PRIMARY KEY,
    working    boolean NOT NULL,
    note       text NOT NULL DEFAULT '',
    updated_by text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A department task. The Temporal workflow "task:<id>" is the authority
-- on its transitions; this row is what the inbox, the ledger and the
-- sweeps read.
CREATE TABLE tasks (
    id             bigserial PRIMARY KEY,
    source_kind    text NOT NULL,
    source_id      text NOT NULL DEFAULT '',
    committee_code text NOT NULL REFERENCES committees (code),
    kind           text NOT NULL,
    title          text NOT NULL CHECK (title <> ''),
    body           text NOT NULL DEFAULT '',
    lead_org       text NOT NULL REFERENCES organisations (code),
    form           jsonb NOT NULL DEFAULT '[]',
    field_values   jsonb NOT NULL DEFAULT '{}',
    due_at         timestamptz NOT NULL,
    priority       text NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'high', 'urgent')),
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'submitted', 'accepted', 'cancelled')),
    assigned_to    text NOT NULL DEFAULT '',
    extension      jsonb,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    submitted_at   timestamptz,
    closed_at      timestamptz
);
-- The sweep reads open tasks by due time; the ledger pages by committee or
-- department in due order with the id as tie-breaker (keyset pagination).
CREATE INDEX tasks_open_due ON tasks (due_at, id) WHERE status IN ('open', 'in_progress');
CREATE INDEX tasks_committee_due ON tasks (committee_code, due_at, id);
CREATE INDEX tasks_due ON tasks (due_at, id);
CREATE INDEX tasks_source ON tasks (source_kind, source_id);

-- Every department on a task, lead included, so "a department's tasks" is
-- one index lookup.
CREATE TABLE task_departments (
    task_id  bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    org_code text NOT NULL REFERENCES organisations (code),
    role     text NOT NULL CHECK (role IN ('lead', 'co')),
    PRIMARY KEY (task_id, org_code)
);
CREATE INDEX task_departments_org ON task_departments (org_code, task_id);

-- The full history of a task: who did what, when, on whose behalf.
-- key makes recording a change idempotent: a workflow activity retried
-- after a crash finds its event and changes nothing twice.
CREATE TABLE task_events (
    id           bigserial PRIMARY KEY,
    key          text UNIQUE,
    task_id      bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL,
    actor        text NOT NULL,
    on_behalf_of text NOT NULL DEFAULT '',
    kind         text NOT NULL,
    detail       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX task_events_task ON task_events (task_id, id);

-- A co-handling department's contribution; the lead submits the whole.
CREATE TABLE task_contributions (
    task_id  bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    org_code text NOT NULL REFERENCES organisations (code),
    body     text NOT NULL,
    author   text NOT NULL,
    at       timestamptz NOT NULL,
    PRIMARY KEY (task_id, org_code)
);

CREATE TABLE task_comments (
    id      bigserial PRIMARY KEY,
    task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    author  text NOT NULL,
    body    text NOT NULL,
    at      timestamptz NOT NULL
);
CREATE INDEX task_comments_task ON task_comments (task_id, id);

-- Notifications decided by a sweep. The key (task, rule, day) is unique, so
-- two replicas or a retried sweep decide each reminder once; the row is
-- written in the same transaction that records the decision on the task.
CREATE TABLE outbox (
    id             bigserial PRIMARY KEY,
    key            text NOT NULL UNIQUE,
    task_id        bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    rule           text NOT NULL,
    audience       text NOT NULL CHECK (audience IN ('department', 'office', 'convener')),
    created_at     timestamptz NOT NULL,
    dispatched_at  timestamptz
);
CREATE INDEX outbox_pending ON outbox (id) WHERE dispatched_at IS NULL;

-- One delivery per notification, recipient and channel, with its result:
-- a channel retried after a crash finds its row and does not send again.
CREATE TABLE deliveries (
    outbox_id    bigint NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    recipient    text NOT NULL,
    channel      text NOT NULL CHECK (channel IN ('inapp', 'email', 'webhook')),
    status       text NOT NULL CHECK (status IN ('sent', 'failed')),
    attempts     integer NOT NULL DEFAULT 1,
    last_error   text NOT NULL DEFAULT '',
    at           timestamptz NOT NULL,
    PRIMARY KEY (outbox_id, recipient, channel)
);

-- The in-app notification centre.
CREATE TABLE notifications (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    outbox_id  bigint REFERENCES outbox (id) ON DELETE CASCADE,
    task_id    bigint REFERENCES tasks (id) ON DELETE CASCADE,
    subject    text NOT NULL,
    body       text NOT NULL DEFAULT '',
    link       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    read_at    timestamptz,
    UNIQUE (user_id, outbox_id)
);
CREATE INDEX notifications_user ON notifications (user_id, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- Where a user or a department wants notifications besides the in-app
-- centre.
CREATE TABLE channel_settings (
    owner_kind     text NOT NULL CHECK (owner_kind IN ('user', 'department')),
    owner          text NOT NULL,
    email          text NOT NULL DEFAULT '',
    webhook_url    text NOT NULL DEFAULT '',
    webhook_secret text NOT NULL DEFAULT '',
    PRIMARY KEY (owner_kind, owner)
);

-- +goose Down
DROP TABLE channel_settings;
DROP TABLE notifications;
DROP TABLE deliveries;
DROP TABLE outbox;
DROP TABLE task_comments;
DROP TABLE task_contributions;
DROP TABLE task_events;
DROP TABLE task_departments;
DROP TABLE tasks;
DROP TABLE calendar_overrides;
