-- ?1 ti ids (JSON array), ?2 state, ?3 reason, ?4 now
UPDATE task_attempts
SET state = ?2, reason = ?3, finished_at = ?4
WHERE ti_id IN (SELECT value FROM json_each(?1)) AND finished_at IS NULL
