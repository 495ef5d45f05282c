-- Ends the open attempts of task instances cleared while running. ?1 ids (JSON array), ?2 now
UPDATE task_attempts
SET state = 'failed', reason = 'cleared while running', finished_at = ?2
WHERE ti_id IN (SELECT value FROM json_each(?1)) AND finished_at IS NULL
