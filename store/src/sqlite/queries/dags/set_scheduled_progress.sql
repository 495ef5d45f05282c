-- ?1 dag_id, ?2 interval start, ?3 interval end (both null: keep), ?4 next_run_after, ?5 now
UPDATE dags
SET last_scheduled_interval_start = COALESCE(?2, last_scheduled_interval_start),
    last_scheduled_interval_end = COALESCE(?3, last_scheduled_interval_end),
    next_run_after = ?4,
    updated_at = ?5
WHERE dag_id = ?1
