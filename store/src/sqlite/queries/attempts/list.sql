-- ?1 ti_id
SELECT ti_id, try_number, worker_id, state, reason, started_at, finished_at
FROM task_attempts WHERE ti_id = ?1 ORDER BY try_number
