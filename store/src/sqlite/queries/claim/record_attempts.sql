-- The attempt rows of the task instances just claimed. ?1 ids (JSON array)
INSERT INTO task_attempts (ti_id, try_number, worker_id, state, started_at)
SELECT id, try_number, worker_id, 'running', claimed_at
FROM task_instances
WHERE id IN (SELECT value FROM json_each(?1))
