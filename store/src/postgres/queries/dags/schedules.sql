-- What the scheduler reads of every DAG at every tick: the DAG rows alone (no version join).
SELECT dag_id, is_paused, is_active, latest_version_id, last_scheduled_interval_start, last_scheduled_interval_end, next_run_after
FROM dags
ORDER BY dag_id
