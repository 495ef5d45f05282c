-- The backfills the scheduler drives, oldest first.
SELECT b.id, b.dag_id, b.from_date, b.to_date, b.max_active_runs, b.rerun_failed, b.state, b.created_by, b.created_at, b.updated_at, b.completed_at,
       COUNT(r.id) AS runs_total,
       COUNT(r.id) FILTER (WHERE r.state = 'success') AS runs_success,
       COUNT(r.id) FILTER (WHERE r.state = 'failed') AS runs_failed,
       COUNT(r.id) FILTER (WHERE r.state IN ('queued', 'running')) AS runs_active
FROM backfills b
LEFT JOIN dag_runs r ON r.backfill_id = b.id
WHERE b.state = 'running'
GROUP BY b.id
ORDER BY b.id
