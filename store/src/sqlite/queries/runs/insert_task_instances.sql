-- All of a run's task instances in one statement. ?1 run_pk, ?2 dag_id,
-- ?3 JSON array of {task_id, max_tries, priority, pool, queue}, ?4 now
INSERT INTO task_instances (run_pk, dag_id, task_id, max_tries, tries_allowed, priority, pool,
                            queue, created_at)
SELECT ?1, ?2,
       json_extract(t.value, '$.task_id'),
       json_extract(t.value, '$.max_tries'),
       json_extract(t.value, '$.max_tries'),
       json_extract(t.value, '$.priority'),
       json_extract(t.value, '$.pool'),
       json_extract(t.value, '$.queue'),
       ?4
FROM json_each(?3) AS t
