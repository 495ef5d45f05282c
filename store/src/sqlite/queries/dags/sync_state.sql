-- What sync_dag compares (inside BEGIN IMMEDIATE: writers take turns). ?1 dag_id
SELECT d.file, d.is_active, v.id, v.version, v.content_hash
FROM dags AS d
LEFT JOIN dag_versions AS v ON v.id = d.latest_version_id
WHERE d.dag_id = ?1
