-- ?1 ti_id, ?2 try_number, ?3 state, ?4 reason, ?5 now
UPDATE task_attempts
SET state = ?3, reason = ?4, finished_at = ?5
WHERE ti_id = ?1 AND try_number = ?2
