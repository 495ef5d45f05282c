-- A worker that shuts down hands a running attempt back: the task instance is queued again at
-- once with one more try, so the interrupted attempt does not count against its retries, and
-- the attempt row records why. Guarded by the lease like every report.
-- $1 ti_id, $2 token, $3 reason, $4 now
WITH handed AS (
    UPDATE task_instances
    SET state = 'queued',
        queued_at = $4,
        max_tries = max_tries + 1,
        reason = $3,
        retry_at = NULL,
        lease_expires_at = NULL
    WHERE id = $1 AND lease_token = $2 AND state = 'running'
    RETURNING id, try_number
),
attempt AS (
    UPDATE task_attempts AS a
    SET state = 'queued', reason = $3, finished_at = $4
    FROM handed AS h
    WHERE a.ti_id = h.id AND a.try_number = h.try_number
)
SELECT id FROM handed
