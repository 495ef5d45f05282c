-- Nothing when the run exists (same DAG and run id, or same DAG and logical date): the unique
-- keys settle a race between schedulers. $1 dag_id, $2 run_id, $3 run_type, $4 logical_date,
-- $5 data_interval_start, $6 data_interval_end, $7 conf, $8 triggered_by, $9 dag_version_id,
-- $10 backfill_id, $11 now
INSERT INTO dag_runs (dag_id, run_id, run_type, logical_date, data_interval_start,
                      data_interval_end, state, conf, triggered_by, dag_version_id, backfill_id,
                      created_at)
VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9, $10, $11)
ON CONFLICT DO NOTHING
RETURNING id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end, state, conf, triggered_by, dag_version_id, backfill_id, created_at, started_at, finished_at
