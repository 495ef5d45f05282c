-- The newest runs of each DAG, through the (dag_id, logical_date) unique index. $1 dag ids, $2 per DAG
--
-- Why `dag_id >= d.dag_id AND dag_id <= d.dag_id` and not `dag_id = d.dag_id`: with an equality,
-- the planner drops dag_id from the ORDER BY (it is constant per DAG) and may read
-- dag_runs_logical_date backwards with a filter on dag_id instead. Its estimate for the filter is
-- 1/n_distinct(dag_id), which is "every row" when one DAG holds most runs, so for each DAG with
-- few or no runs it walks the whole table (measured: 70-110 ms per page of 50 DAGs with one
-- 10,000-run DAG, in custom and generic plans alike). The range keeps dag_id in the ORDER BY,
-- which only the unique index provides, so each DAG costs one short index descent.
SELECT r.dag_id, r.run_id, r.state, r.logical_date
FROM unnest($1::text[]) AS d (dag_id)
CROSS JOIN LATERAL (
    SELECT dag_id, run_id, state, logical_date
    FROM dag_runs
    WHERE dag_id >= d.dag_id AND dag_id <= d.dag_id
    ORDER BY dag_id DESC, logical_date DESC
    LIMIT $2
) AS r
ORDER BY r.dag_id, r.logical_date DESC
