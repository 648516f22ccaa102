-- name: LedgerStats :many
-- The supervision ledger's statistics: one row per lead department (with
-- its current name, renames included) over the tasks the filters select and
-- the viewer may see. Filters and visibility mean what they mean in
-- ListTasks, so the statistics always describe the list beside them; the
-- department subqueries are written as uncorrelated IN lists rather than
-- EXISTS, so PostgreSQL computes each once (a hashed subplan) instead of
-- probing task_departments once per task.
--
-- on_time counts accepted tasks whose accepted submission (submitted_at is
-- the last one: a returned task's resubmission replaces it) came in at or
-- before the due time in force, which an approved extension has moved. A
-- task that is overdue is open or in progress past its due time, as in
-- domain.Task.Overdue: a submitted task waits on the office, not on the
-- department.
WITH counts AS (
    -- Grouped by department and status, with one plain count and two
    -- conditional ones, over the narrow task rows: cheaper than eight
    -- conditional counts per row, and the ~200 groups are folded into one
    -- line per department by the caller. Names are joined to the groups
    -- afterwards, not to 100,000 rows before grouping.
    SELECT t.lead_org, t.status,
        count(*) AS n,
        count(*) FILTER (WHERE t.submitted_at <= t.due_at) AS on_time,
        count(*) FILTER (WHERE t.due_at < @now) AS past_due
    FROM tasks t
    WHERE (sqlc.narg(committee)::text IS NULL OR t.committee_code = sqlc.narg(committee))
      AND (sqlc.narg(department)::text IS NULL OR t.id IN (
            SELECT d.task_id FROM task_departments d WHERE d.org_code = sqlc.narg(department)))
      AND (sqlc.narg(status)::text IS NULL OR t.status = sqlc.narg(status))
      AND (sqlc.narg(source_kind)::text IS NULL OR t.source_kind = sqlc.narg(source_kind))
      AND (sqlc.narg(source_id)::text IS NULL OR t.source_id = sqlc.narg(source_id))
      AND (NOT @overdue_only::boolean OR (t.status IN ('open', 'in_progress') AND t.due_at < @now))
      AND (sqlc.narg(due_from)::timestamptz IS NULL OR t.due_at >= sqlc.narg(due_from))
      AND (sqlc.narg(due_to)::timestamptz IS NULL OR t.due_at < sqlc.narg(due_to))
      AND (sqlc.narg(text_pattern)::text IS NULL OR t.title ILIKE sqlc.narg(text_pattern) OR t.body ILIKE sqlc.narg(text_pattern))
      AND (@see_all::boolean
           OR t.committee_code = ANY(@committees::text[])
           OR (cardinality(@departments::text[]) > 0
               AND t.id IN (SELECT d.task_id FROM task_departments d WHERE d.org_code = ANY(@departments::text[]))))
    GROUP BY t.lead_org, t.status
)
SELECT c.lead_org AS code, c.status, o.name_zh, o.name_en, COALESCE(o.merged_into, '')::text AS merged_into,
    c.n, c.on_time, c.past_due
FROM counts c
JOIN organisations o ON o.code = c.lead_org
ORDER BY o.position, c.lead_org, c.status;

-- name: SerialPlans :exec
-- Statistics read every visible task; under many concurrent readers a
-- parallel plan per request loses to plain sequential plans (measured at
-- 100,000 tasks and 16 clients: p99 about 4x lower), so the statistics'
-- transaction asks for none.
SET LOCAL max_parallel_workers_per_gather = 0;

-- name: CustomPlans :exec
-- A plan made for the parameters at hand: a committee office's statistics
-- then drop the department branch of the visibility test (cardinality of
-- an empty list folds to false) and read the office's tasks by the
-- committee index instead of scanning every task. A generic plan, which
-- PostgreSQL prefers after five runs, keeps both branches and scans.
SET LOCAL plan_cache_mode = force_custom_plan;
