-- What the worker needs of the task instances just claimed, in claim order. ?1 ids (JSON array)
SELECT t.id AS ti_id, t.run_pk, t.dag_id, r.run_id, t.task_id, t.try_number, t.max_tries,
       t.lease_token, t.lease_expires_at, t.priority, t.pool, t.queue, r.dag_version_id,
       r.logical_date, r.data_interval_start, r.data_interval_end, r.conf
FROM task_instances AS t
JOIN dag_runs AS r ON r.id = t.run_pk
WHERE t.id IN (SELECT value FROM json_each(?1))
ORDER BY t.priority DESC, t.queued_at, t.id
