-- Why adopt_run changed nothing: the DAGs of the run and of the backfill (NULL if missing).
-- $1 run_pk, $2 backfill_id
SELECT (SELECT dag_id FROM dag_runs WHERE id = $1) AS run_dag_id,
       (SELECT dag_id FROM backfills WHERE id = $2) AS backfill_dag_id
