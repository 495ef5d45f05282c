-- The newest runs of each DAG, through the (dag_id, logical_date) unique index. $1 dag ids, $2 per DAG
SELECT r.dag_id, r.run_id, r.state, r.logical_date
FROM unnest($1::text[]) AS d (dag_id)
CROSS JOIN LATERAL (
    SELECT dag_id, run_id, state, logical_date
    FROM dag_runs
    WHERE dag_id = d.dag_id
    ORDER BY logical_date DESC
    LIMIT $2
) AS r
ORDER BY r.dag_id, r.logical_date DESC
