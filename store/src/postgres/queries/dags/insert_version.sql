-- $1 dag_id, $2 version, $3 content_hash, $4 source, $5 dag_json (text), $6 git_commit, $7 now,
-- $8 description, $9 owner, $10 tags (JSON text), $11 schedule, $12 timezone
INSERT INTO dag_versions (dag_id, version, content_hash, source, dag_json, git_commit, created_at, description, owner, tags, schedule, timezone)
VALUES ($1, $2, $3, $4, $5::json, $6, $7, $8, $9, $10::jsonb, $11, $12)
RETURNING id
