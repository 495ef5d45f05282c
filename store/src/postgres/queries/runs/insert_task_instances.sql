-- All of a run's task instances in one statement. $1 run_pk, $2 dag_id, $3 task ids,
-- $4 max_tries, $5 priorities, $6 pools, $7 queues, $8 now
INSERT INTO task_instances (run_pk, dag_id, task_id, max_tries, tries_allowed, priority, pool,
                            queue, created_at)
SELECT $1, $2, t.task_id, t.max_tries, t.max_tries, t.priority, t.pool, t.queue, $8
FROM UNNEST($3::text[], $4::int4[], $5::int4[], $6::text[], $7::text[])
     AS t (task_id, max_tries, priority, pool, queue)
