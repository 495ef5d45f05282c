-- Through task_instances_started_at. ?1 since, ?2 limit
SELECT id, run_pk, dag_id, task_id, state, try_number, max_tries, priority, pool, queue, retry_at, lease_token, worker_id, lease_expires_at, reason, created_at, scheduled_at, queued_at, claimed_at, started_at, finished_at
FROM task_instances
WHERE started_at >= ?1
ORDER BY started_at
LIMIT ?2
