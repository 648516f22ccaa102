-- +goose Up

-- Selection programmes (评选) are data, and versioned: a definition is never
-- changed in place; an edit stores the next version, so a round keeps the
-- version it started with. definition holds the whole domain.Programme;
-- committee_code and owner_code repeat two of its fields so that the
-- database keeps them pointing at rows that exist.
CREATE TABLE programmes (
    code           text NOT NULL CHECK (code ~ '^[a-z][a-z0-9-]{1,62}$'),
    version        integer NOT NULL CHECK (version >= 1),
    committee_code text NOT NULL REFERENCES committees (code),
    owner_code     text NOT NULL REFERENCES organisations (code),
    definition     jsonb NOT NULL,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code, version)
);

-- The expert pool: what a user holding the expert role brings to a review.
-- affiliation is the organisation they belong to (they never review its
-- entries); fields are their subjects, free text.
CREATE TABLE expert_profiles (
    username    text PRIMARY KEY REFERENCES users (username) ON DELETE CASCADE,
    affiliation text REFERENCES organisations (code),
    fields      text[] NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE expert_profiles;
DROP TABLE programmes;
