-- Running task instances whose lease expired: retried (at once) or failed, and their attempts
-- ended, in one statement. SKIP LOCKED leaves a row a worker is reporting on to that report.
-- $1 now
WITH expired AS (
    SELECT id FROM task_instances
    WHERE state = 'running' AND lease_expires_at < $1
    ORDER BY lease_expires_at
    FOR UPDATE SKIP LOCKED
),
reaped AS (
    UPDATE task_instances AS t
    SET state = CASE WHEN t.try_number < t.max_tries THEN 'up_for_retry' ELSE 'failed' END,
        retry_at = CASE WHEN t.try_number < t.max_tries THEN $1 ELSE NULL END,
        reason = 'lease expired on worker ' || COALESCE(t.worker_id, 'unknown'),
        finished_at = $1,
        lease_expires_at = NULL
    FROM expired AS e
    WHERE t.id = e.id
    RETURNING t.id, t.worker_id, t.try_number, t.state, t.reason
),
attempts AS (
    UPDATE task_attempts AS a
    SET state = r.state, reason = r.reason, finished_at = $1
    FROM reaped AS r
    WHERE a.ti_id = r.id AND a.try_number = r.try_number
)
SELECT id AS ti_id, worker_id, state FROM reaped ORDER BY id
