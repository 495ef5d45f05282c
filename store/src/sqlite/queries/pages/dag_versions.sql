-- ?1 dag_id
SELECT id, dag_id, version, content_hash, git_commit, created_at
FROM dag_versions
WHERE dag_id = ?1
ORDER BY version DESC
