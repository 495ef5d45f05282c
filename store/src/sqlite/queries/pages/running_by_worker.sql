SELECT worker_id, count(*) FROM task_instances
WHERE state = 'running' AND worker_id IS NOT NULL
GROUP BY worker_id
