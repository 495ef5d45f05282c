-- Running task instances whose lease expired: retried (at once) or failed. ?1 now
UPDATE task_instances
SET state = CASE WHEN try_number < max_tries THEN 'up_for_retry' ELSE 'failed' END,
    retry_at = CASE WHEN try_number < max_tries THEN ?1 ELSE NULL END,
    reason = 'lease expired on worker ' || COALESCE(worker_id, 'unknown'),
    finished_at = ?1,
    lease_expires_at = NULL
WHERE state = 'running' AND lease_expires_at < ?1
RETURNING id AS ti_id, worker_id, try_number, state, reason
