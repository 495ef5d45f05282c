-- $1 dag_id, $2 is_paused, $3 now
UPDATE dags SET is_paused = $2, updated_at = $3 WHERE dag_id = $1
