-- $1 dag_id, $2 file, $3 latest_version_id, $4 now
UPDATE dags
SET file = $2, latest_version_id = $3, is_active = true, updated_at = $4
WHERE dag_id = $1
