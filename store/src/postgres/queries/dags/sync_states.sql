-- What sync_dags compares, without a lock: the fast path when nothing changed. $1 dag ids
SELECT d.dag_id, d.file, d.is_active, v.id, v.version, v.content_hash
FROM dags AS d
LEFT JOIN dag_versions AS v ON v.id = d.latest_version_id
WHERE d.dag_id = ANY ($1)
