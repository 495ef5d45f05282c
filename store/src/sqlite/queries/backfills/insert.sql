-- A running backfill of an existing DAG; no row when there is no such DAG.
-- ?1 dag_id, ?2 from_date, ?3 to_date, ?4 max_active_runs, ?5 rerun_failed, ?6 created_by, ?7 now
INSERT INTO backfills (dag_id, from_date, to_date, max_active_runs, rerun_failed, state,
                       created_by, created_at, updated_at)
SELECT dag_id, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?7 FROM dags WHERE dag_id = ?1
RETURNING id, dag_id, from_date, to_date, max_active_runs, rerun_failed, state, created_by,
          created_at, updated_at, completed_at, 0 AS runs_total, 0 AS runs_success,
          0 AS runs_failed, 0 AS runs_active
