-- A batch of guarded state changes in one statement; each applies only if the task instance is
-- still in its `from` state. $1 ids, $2 from states, $3 to states, $4 reasons, $5 now
UPDATE task_instances AS t
SET state = c.to_state,
    reason = COALESCE(c.reason, t.reason),
    scheduled_at = CASE WHEN c.to_state = 'scheduled' THEN $5 ELSE t.scheduled_at END,
    queued_at = CASE WHEN c.to_state = 'queued' THEN $5 ELSE t.queued_at END,
    finished_at = CASE WHEN c.to_state IN ('success', 'failed', 'skipped', 'upstream_failed', 'removed') THEN $5 ELSE t.finished_at END,
    retry_at = CASE WHEN c.to_state = 'up_for_retry' THEN $5 ELSE NULL END,
    lease_expires_at = NULL
FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::text[]) AS c (id, from_state, to_state, reason)
WHERE t.id = c.id AND t.state = c.from_state
RETURNING t.id
