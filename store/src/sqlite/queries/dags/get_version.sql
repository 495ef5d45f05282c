-- ?1 version id
SELECT id, dag_id, version, content_hash, source, dag_json, git_commit, created_at
FROM dag_versions
WHERE id = ?1
