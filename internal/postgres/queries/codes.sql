-- name: InsertContactCode :exec
INSERT INTO contact_codes (scope, contact, code_hash, address, expires_at)
VALUES (@scope, @contact, @code_hash, sqlc.narg(address), @expires_at);

-- name: CountContactCodes :one
-- Codes sent to a contact, or from an address, since a time: the limits
-- on sending codes.
SELECT count(*) FILTER (WHERE contact = @contact)::int AS to_contact,
       count(*) FILTER (WHERE address = sqlc.narg(address))::int AS from_address
FROM contact_codes WHERE scope = @scope AND created_at > @since;

-- name: LatestContactCode :one
SELECT * FROM contact_codes
WHERE scope = @scope AND contact = @contact AND used_at IS NULL AND expires_at > now()
ORDER BY created_at DESC LIMIT 1 FOR UPDATE;

-- name: CountContactCodeAttempt :exec
UPDATE contact_codes SET attempts = attempts + 1 WHERE id = $1;

-- name: UseContactCode :exec
UPDATE contact_codes SET used_at = now() WHERE id = $1;

-- name: DeleteOldContactCodes :execrows
-- Codes past their life (the hourly limits count only the last hour).
DELETE FROM contact_codes WHERE expires_at < @before;
