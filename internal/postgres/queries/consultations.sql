-- name: InsertConsultation :execrows
INSERT INTO consultations (id, slug, committee_code, phase, opens_at, closes_at, feedback_due_at, sections, version, started_at, closed_at, state)
VALUES (@id, @slug, @committee_code, @phase, @opens_at, @closes_at, @feedback_due_at, @sections, @version, @started_at, sqlc.narg(closed_at), @state)
ON CONFLICT DO NOTHING;

-- name: UpsertConsultation :exec
-- A snapshot recorded by the consultation's workflow; an older version
-- never replaces a newer one.
UPDATE consultations SET phase = @phase, version = @version, closed_at = sqlc.narg(closed_at), state = @state
WHERE id = @id AND version < @version;

-- name: GetConsultation :one
SELECT * FROM consultations WHERE slug = $1;

-- name: ListConsultations :many
SELECT * FROM consultations ORDER BY opens_at DESC, slug LIMIT $1;

-- name: InsertConsultationEvent :execrows
INSERT INTO consultation_events (key, consultation_id, at, actor, kind, detail)
VALUES (sqlc.narg(key), @consultation_id, @at, @actor, @kind, @detail)
ON CONFLICT (key) DO NOTHING;

-- name: ListConsultationEvents :many
SELECT * FROM consultation_events WHERE consultation_id = $1 ORDER BY id;

-- name: InsertConsultationFile :one
-- A file of a consultation not yet reported on.
INSERT INTO consultation_files (consultation_id, revised, name, content_type, size, sha256, data, uploaded_by)
SELECT c.id, @revised, @name, @content_type, @size, @sha256, @data, @uploaded_by
FROM consultations c WHERE c.id = @consultation_id AND c.phase IN ('scheduled', 'open', 'replying')
RETURNING id, revised, name, content_type, size, at;

-- name: ListConsultationFiles :many
SELECT id, revised, name, content_type, size, at FROM consultation_files WHERE consultation_id = $1 ORDER BY id;

-- name: GetConsultationFile :one
SELECT * FROM consultation_files WHERE consultation_id = @consultation_id AND id = @id;

-- name: UpsertCommenter :one
-- A contact verified again keeps its comments and gets a new token.
INSERT INTO consultation_commenters (consultation_id, contact, token_hash, expires_at, verified_at, address)
VALUES (@consultation_id, @contact, @token_hash, @expires_at, now(), sqlc.narg(address))
ON CONFLICT (consultation_id, contact) DO UPDATE SET token_hash = EXCLUDED.token_hash, expires_at = EXCLUDED.expires_at
RETURNING id;

-- name: CommenterByToken :one
SELECT id, consultation_id, contact, expires_at FROM consultation_commenters WHERE token_hash = $1 AND expires_at > now();

-- name: InsertPublicComment :one
-- A comment from the public, only while the window is open (checked here,
-- in the statement that stores it) and only on a section of the draft.
INSERT INTO consultation_comments (consultation_id, section, body, name, commenter_id, address, at)
SELECT c.id, @section, @body, @name, @commenter_id, sqlc.narg(address), @at
FROM consultations c
WHERE c.id = @consultation_id AND c.phase IN ('scheduled', 'open')
  AND c.opens_at <= @at AND @at < c.closes_at
  AND (@section = '' OR @section = ANY (c.sections))
RETURNING *;

-- name: InsertDepartmentComment :execrows
-- A department's comment filed from its task; key makes it once.
INSERT INTO consultation_comments (consultation_id, section, body, department, task_id, key, at)
VALUES (@consultation_id, @section, @body, @department, @task_id, @key, @at)
ON CONFLICT (key) DO NOTHING;

-- name: ListConsultationComments :many
SELECT k.id, k.section, k.body, k.name, k.department, k.task_id, k.at, k.reply_status, k.reply, k.replied_by, k.replied_at,
       coalesce(m.contact, '')::text AS contact
FROM consultation_comments k LEFT JOIN consultation_commenters m ON m.id = k.commenter_id
WHERE k.consultation_id = @consultation_id
  AND (NOT @unreplied_only::boolean OR k.reply_status IS NULL)
  AND (sqlc.narg(section)::text IS NULL OR k.section = sqlc.narg(section)::text)
ORDER BY k.id;

-- name: CommentsByCommenter :many
SELECT * FROM consultation_comments WHERE consultation_id = @consultation_id AND commenter_id = @commenter_id ORDER BY id;

-- name: ReplyComment :one
-- The office's reply, while the consultation is not reported on.
UPDATE consultation_comments k SET reply_status = @reply_status, reply = @reply, replied_by = @replied_by, replied_at = @replied_at
FROM consultations c
WHERE k.id = @id AND k.consultation_id = @consultation_id AND c.id = k.consultation_id AND c.phase IN ('scheduled', 'open', 'replying')
RETURNING k.*;

-- name: ConsultationCommentExists :one
SELECT EXISTS (SELECT 1 FROM consultation_comments WHERE consultation_id = @consultation_id AND id = @id);

-- name: CountComments :one
SELECT count(*)::int AS total,
       count(*) FILTER (WHERE commenter_id IS NOT NULL)::int AS public,
       count(*) FILTER (WHERE department IS NOT NULL)::int AS department,
       count(*) FILTER (WHERE reply_status IS NOT NULL)::int AS replied,
       count(*) FILTER (WHERE reply_status = 'adopted')::int AS adopted,
       count(*) FILTER (WHERE reply_status = 'partly')::int AS partly,
       count(*) FILTER (WHERE reply_status = 'not_adopted')::int AS not_adopted,
       count(*) FILTER (WHERE reply_status = 'out_of_scope')::int AS out_of_scope
FROM consultation_comments WHERE consultation_id = $1;
