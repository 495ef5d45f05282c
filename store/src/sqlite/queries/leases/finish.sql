-- The worker's report, guarded by its lease: no row when the token is stale. A failure with tries
-- left becomes up_for_retry. ?1 ti_id, ?2 token, ?3 succeeded, ?4 reason, ?5 retry_at, ?6 now
UPDATE task_instances
SET state = CASE WHEN ?3 THEN 'success'
                 WHEN try_number < max_tries THEN 'up_for_retry'
                 ELSE 'failed' END,
    retry_at = CASE WHEN NOT ?3 AND try_number < max_tries THEN ?5 ELSE NULL END,
    reason = ?4,
    finished_at = ?6,
    lease_expires_at = NULL
WHERE id = ?1 AND lease_token = ?2 AND state = 'running'
RETURNING id AS ti_id, worker_id, try_number, state, reason
