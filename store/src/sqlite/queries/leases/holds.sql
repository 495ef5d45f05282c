-- Whether the token still holds the running attempt. ?1 ti_id, ?2 token, ?3 try_number
SELECT id FROM task_instances
WHERE id = ?1 AND lease_token = ?2 AND state = 'running' AND try_number = ?3
