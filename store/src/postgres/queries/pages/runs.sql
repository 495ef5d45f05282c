-- A page of runs. $1 dag_id or NULL, $2 state or NULL, $3 limit, $4 offset
SELECT id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end, state, conf, triggered_by, dag_version_id, backfill_id, created_at, started_at, finished_at
FROM dag_runs
WHERE ($1::text IS NULL OR dag_id = $1) AND ($2::text IS NULL OR state = $2)
ORDER BY logical_date DESC, id DESC
LIMIT $3 OFFSET $4
