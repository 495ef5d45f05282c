-- ?1 the ids of the DAGs still defined (JSON array), ?2 now
UPDATE dags
SET is_active = 0, updated_at = ?2
WHERE is_active AND dag_id NOT IN (SELECT value FROM json_each(?1))
