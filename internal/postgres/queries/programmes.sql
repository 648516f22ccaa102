-- name: ListLatestProgrammes :many
-- The newest version of each programme, by committee (in the directory's
-- order), plan item and code.
SELECT p.* FROM programmes p
JOIN committees c ON c.code = p.committee_code
WHERE p.version = (SELECT max(x.version) FROM programmes x WHERE x.code = p.code)
ORDER BY c.position, p.committee_code, p.definition->>'plan_item', p.code;

-- name: GetLatestProgramme :one
SELECT * FROM programmes WHERE code = $1 ORDER BY version DESC LIMIT 1;

-- name: GetProgrammeVersion :one
SELECT * FROM programmes WHERE code = $1 AND version = $2;

-- name: ListProgrammeVersions :many
SELECT version, created_by, created_at FROM programmes WHERE code = $1 ORDER BY version DESC;

-- name: LockProgramme :exec
-- Serialises edits of one programme, so two of them cannot both take the
-- same next version.
SELECT pg_advisory_xact_lock(hashtextextended('programme:' || @code::text, 0));

-- name: LatestProgrammeVersion :one
SELECT coalesce(max(version), 0)::integer FROM programmes WHERE code = $1;

-- name: InsertProgramme :execrows
-- A version is written once; the seed's version 1 of a programme that
-- already exists is left alone.
INSERT INTO programmes (code, version, committee_code, owner_code, definition, created_by, created_at)
VALUES (@code, @version, @committee_code, @owner_code, @definition, @created_by, @created_at)
ON CONFLICT (code, version) DO NOTHING;

-- name: OrganisationState :one
-- Whether an organisation exists, and whether it was merged into another.
SELECT kind, merged_into FROM organisations WHERE code = $1;

-- name: UpsertExpertProfile :exec
INSERT INTO expert_profiles (username, affiliation, fields, updated_at)
VALUES (@username, sqlc.narg(affiliation), @fields::text[], @updated_at)
ON CONFLICT (username) DO UPDATE
SET affiliation = EXCLUDED.affiliation, fields = EXCLUDED.fields, updated_at = EXCLUDED.updated_at;

-- name: IsExpert :one
SELECT EXISTS (SELECT 1 FROM user_roles WHERE user_id = $1 AND role = 'expert');

-- name: ListExperts :many
-- Enabled users holding the expert role, with their profiles (none yet:
-- no affiliation, no fields).
SELECT u.username, u.display_name, p.affiliation, coalesce(p.fields, '{}')::text[] AS fields
FROM users u
LEFT JOIN expert_profiles p ON p.username = u.username
WHERE u.disabled_at IS NULL
  AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'expert')
ORDER BY u.username;

-- name: GetExpertProfile :one
SELECT u.username, u.display_name, p.affiliation, coalesce(p.fields, '{}')::text[] AS fields
FROM users u
LEFT JOIN expert_profiles p ON p.username = u.username
WHERE u.username = $1;
