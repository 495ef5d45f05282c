-- Ends the open attempts of task instances cleared while running. $1 ids, $2 now
UPDATE task_attempts
SET state = 'failed', reason = 'cleared while running', finished_at = $2
WHERE ti_id = ANY ($1) AND finished_at IS NULL
