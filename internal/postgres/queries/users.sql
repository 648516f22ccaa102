-- name: CreateUser :one
INSERT INTO users (username, display_name, password_hash)
VALUES ($1, $2, $3)
ON CONFLICT (username) DO NOTHING
RETURNING *;

-- name: InsertUserRole :exec
INSERT INTO user_roles (user_id, role, committee_code, org_code)
VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING;

-- name: GetUserByUsername :one
SELECT * FROM users WHERE username = $1;

-- name: GetUserByID :one
SELECT * FROM users WHERE id = $1;

-- name: ListUsers :many
SELECT * FROM users ORDER BY username;

-- name: ListUserRoles :many
SELECT * FROM user_roles ORDER BY user_id, role, committee_code, org_code;

-- name: ListUserRolesFor :many
SELECT * FROM user_roles WHERE user_id = $1 ORDER BY role, committee_code, org_code;

-- name: SetPassword :execrows
UPDATE users SET password_hash = $2, password_changed_at = now() WHERE id = $1;

-- name: SetDisabled :execrows
UPDATE users SET disabled_at = CASE WHEN @disabled::boolean THEN coalesce(disabled_at, now()) END WHERE id = @id;

-- name: CountOtherActiveAdmins :one
SELECT count(*) FROM users u
WHERE u.id <> $1 AND u.disabled_at IS NULL
  AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'admin');

-- name: CommitteeExists :one
SELECT EXISTS (SELECT 1 FROM committees WHERE code = $1);

-- name: DepartmentExists :one
SELECT EXISTS (SELECT 1 FROM organisations WHERE code = $1 AND kind = 'department');

-- name: LockAdminChanges :exec
SELECT pg_advisory_xact_lock(7261637);
