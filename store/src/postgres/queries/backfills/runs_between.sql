-- A DAG's runs with logical dates in [$2, $3], oldest first. $1 dag_id, $2 from, $3 to
SELECT id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end, state, conf, triggered_by, dag_version_id, backfill_id, created_at, started_at, finished_at
FROM dag_runs
WHERE dag_id = $1 AND logical_date >= $2 AND logical_date <= $3
ORDER BY logical_date, id
