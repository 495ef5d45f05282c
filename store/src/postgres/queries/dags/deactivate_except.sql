-- $1 the ids of the DAGs still defined, $2 now
UPDATE dags
SET is_active = false, updated_at = $2
WHERE is_active AND NOT (dag_id = ANY ($1))
