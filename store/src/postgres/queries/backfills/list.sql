-- Backfills of one DAG (or of every DAG when $1 is NULL), newest first. $1 dag_id
SELECT b.id, b.dag_id, b.from_date, b.to_date, b.max_active_runs, b.rerun_failed, b.state, b.created_by, b.created_at, b.updated_at, b.completed_at,
       COUNT(r.id) AS runs_total,
       COUNT(r.id) FILTER (WHERE r.state = 'success') AS runs_success,
       COUNT(r.id) FILTER (WHERE r.state = 'failed') AS runs_failed,
       COUNT(r.id) FILTER (WHERE r.state IN ('queued', 'running')) AS runs_active
FROM backfills b
LEFT JOIN dag_runs r ON r.backfill_id = b.id
WHERE ($1::text IS NULL OR b.dag_id = $1)
GROUP BY b.id
ORDER BY b.id DESC
