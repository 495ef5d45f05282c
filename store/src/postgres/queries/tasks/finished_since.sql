-- A run's task instances that finished (or were reaped, or ended an attempt) at or after $2:
-- what a scheduler that saw the run before needs to learn. $1 run_pk, $2 since
SELECT id, run_pk, dag_id, task_id, state, try_number, max_tries, priority, pool, queue, retry_at, lease_token, worker_id, lease_expires_at, reason, created_at, scheduled_at, queued_at, claimed_at, started_at, finished_at FROM task_instances WHERE run_pk = $1 AND finished_at >= $2 ORDER BY id
