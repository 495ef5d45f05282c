-- The workers' reports, many in one statement, each guarded by its lease: a report whose token
-- is stale matches no row and writes nothing. A failure with tries left becomes up_for_retry.
-- started_at is stamped from the report when the attempt did not stamp it (a noop task).
-- ?1 JSON array of {id, token, succeeded, reason, retry_at, started_at}, ?2 now
UPDATE task_instances
SET state = CASE WHEN r.succeeded THEN 'success'
                 WHEN task_instances.try_number < task_instances.max_tries THEN 'up_for_retry'
                 ELSE 'failed' END,
    retry_at = CASE WHEN NOT r.succeeded AND task_instances.try_number < task_instances.max_tries
                    THEN r.retry_at ELSE NULL END,
    reason = r.reason,
    started_at = COALESCE(task_instances.started_at, r.started_at),
    finished_at = ?2,
    lease_expires_at = NULL
FROM (SELECT json_extract(value, '$.id') AS id,
             json_extract(value, '$.token') AS token,
             json_extract(value, '$.succeeded') AS succeeded,
             json_extract(value, '$.reason') AS reason,
             json_extract(value, '$.retry_at') AS retry_at,
             json_extract(value, '$.started_at') AS started_at
      FROM json_each(?1)) AS r
WHERE task_instances.id = r.id AND task_instances.lease_token = r.token
  AND task_instances.state = 'running'
RETURNING id AS ti_id, worker_id, try_number, state, reason
