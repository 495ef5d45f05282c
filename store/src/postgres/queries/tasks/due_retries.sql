-- $1 now
SELECT id FROM task_instances WHERE state = 'up_for_retry' AND retry_at <= $1 ORDER BY retry_at, id
