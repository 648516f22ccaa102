-- name: ListOrganisations :many
SELECT * FROM organisations ORDER BY position, code;

-- name: GetOrganisation :one
SELECT * FROM organisations WHERE code = $1;

-- name: LockOrganisation :one
SELECT * FROM organisations WHERE code = $1 FOR UPDATE;

-- name: LockOrganisations :many
-- Rows are locked in code order, so two merges in opposite directions
-- cannot deadlock.
SELECT * FROM organisations WHERE code = ANY(@codes::text[]) ORDER BY code FOR UPDATE;

-- name: ListOrganisationEvents :many
SELECT * FROM organisation_events ORDER BY org_code, at, id;

-- name: ListOrganisationEventsFor :many
SELECT * FROM organisation_events WHERE org_code = $1 ORDER BY at, id;

-- name: InsertOrganisation :execrows
INSERT INTO organisations (code, name_zh, name_en, kind, position)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (code) DO NOTHING;

-- name: InsertOrganisationEvent :exec
INSERT INTO organisation_events (org_code, kind, at, old_name_zh, old_name_en, new_name_zh, new_name_en, target_code, note)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: RenameOrganisation :exec
UPDATE organisations SET name_zh = $2, name_en = $3, updated_at = now() WHERE code = $1;

-- name: MergeOrganisation :exec
UPDATE organisations SET merged_into = $2, updated_at = now() WHERE code = $1;

-- name: ListMergers :many
-- The organisations merged into another: what a department's people
-- inherit.
SELECT code, merged_into::text AS merged_into FROM organisations WHERE merged_into IS NOT NULL ORDER BY code;
