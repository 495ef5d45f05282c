-- Makes a run of the backfill's DAG belong to the backfill, once: no row when it already does.
-- ?1 run_pk, ?2 backfill_id
UPDATE dag_runs
SET backfill_id = ?2
WHERE id = ?1
  AND backfill_id IS NOT ?2
  AND dag_id = (SELECT dag_id FROM backfills WHERE id = ?2)
