-- A batch of guarded state changes in one statement; each applies only if the task instance is
-- still in its `from` state. ?1 JSON array of {id, from, to, reason}, ?2 now
UPDATE task_instances
SET state = c.to_state,
    reason = COALESCE(c.reason, task_instances.reason),
    scheduled_at = CASE WHEN c.to_state = 'scheduled' THEN ?2 ELSE task_instances.scheduled_at END,
    queued_at = CASE WHEN c.to_state = 'queued' THEN ?2 ELSE task_instances.queued_at END,
    finished_at = CASE WHEN c.to_state IN ('success', 'failed', 'skipped', 'upstream_failed', 'removed') THEN ?2 ELSE task_instances.finished_at END,
    retry_at = CASE WHEN c.to_state = 'up_for_retry' THEN ?2 ELSE NULL END,
    lease_expires_at = NULL
FROM (SELECT json_extract(value, '$.id') AS id,
             json_extract(value, '$.from') AS from_state,
             json_extract(value, '$.to') AS to_state,
             json_extract(value, '$.reason') AS reason
      FROM json_each(?1)) AS c
WHERE task_instances.id = c.id AND task_instances.state = c.from_state
RETURNING id
