-- The newest runs of each DAG. ?1 dag ids (JSON array), ?2 per DAG
SELECT dag_id, run_id, state, logical_date FROM (
    SELECT dag_id, run_id, state, logical_date,
           row_number() OVER (PARTITION BY dag_id ORDER BY logical_date DESC) AS n
    FROM dag_runs
    WHERE dag_id IN (SELECT value FROM json_each(?1))
)
WHERE n <= ?2
ORDER BY dag_id, logical_date DESC
