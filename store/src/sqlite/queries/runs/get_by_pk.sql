-- ?1 run_pk
SELECT id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end, state, conf, triggered_by, dag_version_id, backfill_id, created_at, started_at, finished_at FROM dag_runs WHERE id = ?1
