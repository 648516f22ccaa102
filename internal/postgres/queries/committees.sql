-- name: ListCommittees :many
SELECT * FROM committees ORDER BY position, code;

-- name: GetCommittee :one
SELECT * FROM committees WHERE code = $1;

-- name: ListConveners :many
SELECT * FROM committee_conveners ORDER BY committee_code, position;

-- name: ListMembers :many
SELECT m.committee_code, o.code, o.name_zh, o.name_en, o.kind, o.merged_into
FROM committee_members m JOIN organisations o ON o.code = m.org_code
ORDER BY m.committee_code, m.position;

-- name: InsertCommittee :exec
INSERT INTO committees (code, name_zh, name_en, plan_item, office_host, office_director_zh, office_director_en,
                        cadence, min_per_year, cadence_note_zh, cadence_note_en, position)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (code) DO NOTHING;

-- name: InsertConvener :exec
INSERT INTO committee_conveners (committee_code, position, rank, title_zh, title_en)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING;

-- name: InsertMember :exec
INSERT INTO committee_members (committee_code, org_code, position)
VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING;

-- name: MarkSeedApplied :execrows
INSERT INTO seed_runs (name) VALUES ($1) ON CONFLICT DO NOTHING;
