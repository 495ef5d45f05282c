-- A page of DAGs. $1 tag or NULL, $2 paused or NULL, $3 lower-case text or NULL,
-- $4 include inactive, $5 limit, $6 offset
SELECT d.dag_id, d.file, d.is_paused, d.is_active, d.latest_version_id, v.version AS latest_version, d.last_scheduled_interval_start, d.last_scheduled_interval_end, d.next_run_after, d.created_at, d.updated_at, v.description, v.owner, v.tags::text AS tags, v.schedule, v.timezone
FROM dags AS d
LEFT JOIN dag_versions AS v ON v.id = d.latest_version_id
WHERE ($1::text IS NULL OR v.tags @> jsonb_build_array($1::text))
  AND ($2::boolean IS NULL OR d.is_paused = $2)
  AND ($3::text IS NULL OR strpos(lower(d.dag_id), $3) > 0 OR strpos(lower(COALESCE(v.description, '')), $3) > 0)
  AND ($4 OR d.is_active)
ORDER BY d.dag_id
LIMIT $5 OFFSET $6
