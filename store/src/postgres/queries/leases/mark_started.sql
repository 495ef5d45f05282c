-- $1 ti_id, $2 token, $3 now
UPDATE task_instances SET started_at = $3
WHERE id = $1 AND lease_token = $2 AND state = 'running'
