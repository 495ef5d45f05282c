-- History retention: finished runs that ended before ?1, at most ?2 of them (small batches keep
-- the writer's turn short). Task instances, attempts, logs and outputs go with them (ON DELETE
-- CASCADE, with foreign keys on).
DELETE FROM dag_runs
WHERE id IN (
    SELECT id FROM dag_runs
    WHERE state IN ('success', 'failed') AND COALESCE(finished_at, created_at) < ?1
    ORDER BY id
    LIMIT ?2
)
