-- Back to none, keeping try_number (attempts, logs) and the fencing token, and granting the
-- DAG's tries again. $1 run_pk, $2 task ids
UPDATE task_instances
SET state = 'none',
    max_tries = try_number + tries_allowed,
    retry_at = NULL,
    worker_id = NULL,
    lease_expires_at = NULL,
    reason = NULL,
    scheduled_at = NULL,
    queued_at = NULL,
    claimed_at = NULL,
    started_at = NULL,
    finished_at = NULL
WHERE run_pk = $1 AND task_id = ANY ($2)
RETURNING id
