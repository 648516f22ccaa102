-- name: InsertContest :execrows
INSERT INTO contests (id, year, committee_code, phase, votes_per_voter, version, started_at, state)
VALUES (@id, @year, @committee_code, @phase, @votes_per_voter, @version, @started_at, @state)
ON CONFLICT DO NOTHING;

-- name: UpsertContest :exec
-- A snapshot recorded by the contest's workflow; an older version never
-- replaces a newer one.
UPDATE contests SET phase = @phase, version = @version, closed_at = sqlc.narg(closed_at), state = @state
WHERE id = @id AND version < @version;

-- name: GetContest :one
SELECT * FROM contests WHERE year = $1;

-- name: ListContests :many
SELECT * FROM contests ORDER BY year DESC LIMIT $1;

-- name: InsertContestEvent :execrows
INSERT INTO contest_events (key, contest_id, at, actor, kind, detail)
VALUES (sqlc.narg(key), @contest_id, @at, @actor, @kind, @detail)
ON CONFLICT (key) DO NOTHING;

-- name: ListContestEvents :many
SELECT * FROM contest_events WHERE contest_id = $1 ORDER BY id;

-- name: UpsertContestVoter :one
-- A contact verified again keeps its votes and gets a new token.
INSERT INTO contest_voters (year, contact, token_hash, expires_at, verified_at, address)
VALUES (@year, @contact, @token_hash, @expires_at, now(), sqlc.narg(address))
ON CONFLICT (year, contact) DO UPDATE SET token_hash = EXCLUDED.token_hash, expires_at = EXCLUDED.expires_at
RETURNING id, votes_cast;

-- name: ContestVoterByToken :one
SELECT id, year, contact, votes_cast, expires_at FROM contest_voters WHERE token_hash = $1 AND expires_at > now();

-- name: InsertContestFile :one
INSERT INTO contest_files (year, voter_id, name, content_type, size, sha256, data)
VALUES (@year, @voter_id, @name, @content_type, @size, @sha256, @data)
RETURNING id, at;

-- name: ClaimContestFiles :execrows
UPDATE contest_files SET idea_id = @idea_id WHERE id = ANY(@ids::bigint[]) AND voter_id = @voter_id AND idea_id IS NULL;

-- name: GetContestFile :one
SELECT f.id, f.name, f.content_type, f.size, f.sha256, f.data FROM contest_files f
WHERE f.id = @id AND f.idea_id = @idea_id;

-- name: InsertIdea :one
-- An idea, accepted only while the contest takes submissions.
INSERT INTO contest_ideas (year, tracking_code, voter_id, name, contact, category, title, problem, proposal, effect, attachments, address)
SELECT @year, @tracking_code, @voter_id, @name, @contact, @category, @title, @problem, @proposal, @effect, @attachments::bigint[], sqlc.narg(address)
WHERE EXISTS (SELECT 1 FROM contests c WHERE c.year = @year AND c.phase = 'submission')
RETURNING id, submitted_at;

-- name: GetIdea :one
SELECT * FROM contest_ideas WHERE year = @year AND id = @id;

-- name: GetIdeaByTracking :one
SELECT * FROM contest_ideas WHERE tracking_code = $1;

-- name: ListIdeas :many
-- A contest's ideas, with their votes when asked (the count is not made
-- otherwise), filtered by status, category and text (each empty for all).
SELECT i.*, (CASE WHEN @with_votes::bool THEN (SELECT count(*) FROM contest_votes v WHERE v.idea_id = i.id) ELSE 0 END)::int AS votes
FROM contest_ideas i
WHERE i.year = @year
  AND (@status::text = '' OR i.status = @status)
  AND (@category::text = '' OR i.category = @category)
  AND (@q::text = '' OR strpos(i.title, @q) > 0 OR strpos(i.proposal, @q) > 0 OR strpos(i.problem, @q) > 0)
ORDER BY i.id
LIMIT @lim OFFSET @off;

-- name: CountIdeas :one
SELECT count(*) FILTER (WHERE status = 'submitted')::int AS unscreened,
       count(*) FILTER (WHERE status = 'eligible')::int AS eligible,
       count(*)::int AS total
FROM contest_ideas WHERE year = $1;

-- name: ScreenIdea :one
-- A screening decision, taken only before the vote opens.
UPDATE contest_ideas SET status = @status, reason = @reason, merged_into = sqlc.narg(merged_into), screened_by = @screened_by, screened_at = now()
WHERE contest_ideas.year = @year AND contest_ideas.id = @id
  AND EXISTS (SELECT 1 FROM contests c WHERE c.year = @year AND c.phase IN ('submission', 'screening'))
RETURNING *;

-- name: RehomeMergedIdeas :exec
-- Ideas merged into one that is itself merged follow it to its target.
UPDATE contest_ideas SET merged_into = @target WHERE year = @year AND merged_into = @id;

-- name: CastVote :one
-- A vote, in one statement: the voter (by the hash of their token, still
-- valid) has their count raised only below the contest's limit, only
-- while the contest is voting and only for an eligible idea of the
-- contest; a second vote for the same idea breaks the primary key and the
-- whole statement, count included, is undone.
WITH c AS (
    SELECT votes_per_voter FROM contests WHERE contests.year = @year AND phase = 'voting'
), bump AS (
    UPDATE contest_voters v SET votes_cast = v.votes_cast + 1
    FROM c
    WHERE v.token_hash = @token_hash AND v.year = @year AND v.expires_at > now() AND v.votes_cast < c.votes_per_voter
      AND EXISTS (SELECT 1 FROM contest_ideas i WHERE i.id = @idea_id AND i.year = @year AND i.status = 'eligible')
    RETURNING v.id, v.votes_cast, c.votes_per_voter
)
INSERT INTO contest_votes (voter_id, idea_id, year, address)
SELECT bump.id, @idea_id, @year, sqlc.narg(address) FROM bump
RETURNING (SELECT votes_cast FROM bump)::int AS votes_cast, (SELECT votes_per_voter FROM bump)::int AS votes_per_voter, at;

-- name: VoteRefusal :one
-- Why a vote was not cast.
SELECT coalesce((SELECT phase FROM contests c WHERE c.year = @year), '')::text AS phase,
       coalesce((SELECT votes_per_voter FROM contests c WHERE c.year = @year), 0)::int AS votes_per_voter,
       coalesce((SELECT status FROM contest_ideas i WHERE i.id = @idea_id AND i.year = @year), '')::text AS idea_status,
       coalesce((SELECT votes_cast FROM contest_voters v WHERE v.token_hash = @token_hash AND v.year = @year AND v.expires_at > now()), -1)::int AS votes_cast;

-- name: VotesOf :many
SELECT idea_id, at FROM contest_votes WHERE voter_id = $1 ORDER BY at;

-- name: Tallies :many
-- Votes per eligible idea, the most first.
SELECT i.id, i.title, i.category, (SELECT count(*) FROM contest_votes v WHERE v.idea_id = i.id)::int AS votes
FROM contest_ideas i WHERE i.year = $1 AND i.status = 'eligible'
ORDER BY votes DESC, i.id;

-- name: AddressBursts :many
-- Addresses (or, with shorter prefixes, subnets: @prefix for IPv4,
-- @prefix6 for IPv6) that cast more than @threshold votes within one
-- window of @window_seconds.
SELECT network(set_masklen(address, CASE WHEN family(address) = 4 THEN @prefix::int ELSE @prefix6::int END))::text AS source,
       to_timestamp(floor(extract(epoch FROM at) / @window_seconds::int) * @window_seconds::int)::timestamptz AS window_start,
       count(*)::int AS votes, count(DISTINCT voter_id)::int AS voters
FROM contest_votes
WHERE year = @year AND address IS NOT NULL
GROUP BY 1, 2 HAVING count(*) > @threshold::int
ORDER BY votes DESC LIMIT 50;

-- name: FreshContactBursts :many
-- Subnets (/@prefix for IPv4, /@prefix6 for IPv6) from which more than
-- @threshold contacts were verified within one window.
SELECT network(set_masklen(address, CASE WHEN family(address) = 4 THEN @prefix::int ELSE @prefix6::int END))::text AS source,
       to_timestamp(floor(extract(epoch FROM verified_at) / @window_seconds::int) * @window_seconds::int)::timestamptz AS window_start,
       count(*)::int AS voters
FROM contest_voters
WHERE year = @year AND address IS NOT NULL
GROUP BY 1, 2 HAVING count(*) > @threshold::int
ORDER BY voters DESC LIMIT 50;

-- name: IdeaVotes :one
SELECT count(*)::int FROM contest_votes WHERE idea_id = $1;

-- name: DeleteUnclaimedContestFiles :execrows
-- Files uploaded for an idea that was never submitted.
DELETE FROM contest_files WHERE idea_id IS NULL AND at < @before;
