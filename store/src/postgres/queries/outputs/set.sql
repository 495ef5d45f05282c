-- Only while the token holds the running attempt (else no row). $1 ti_id, $2 token, $3 value, $4 now
INSERT INTO task_outputs (ti_id, try_number, value, created_at)
SELECT id, try_number, $3, $4
FROM task_instances
WHERE id = $1 AND lease_token = $2 AND state = 'running'
ON CONFLICT (ti_id) DO UPDATE
SET try_number = excluded.try_number, value = excluded.value, created_at = excluded.created_at
