-- A page of DAGs. ?1 tag or NULL, ?2 paused or NULL, ?3 lower-case text or NULL,
-- ?4 include inactive, ?5 limit, ?6 offset
SELECT d.dag_id, d.file, d.is_paused, d.is_active, d.latest_version_id, v.version AS latest_version, d.last_scheduled_interval_start, d.last_scheduled_interval_end, d.next_run_after, d.created_at, d.updated_at, v.description, v.owner, v.tags, v.schedule, v.timezone
FROM dags AS d
LEFT JOIN dag_versions AS v ON v.id = d.latest_version_id
WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM json_each(v.tags) WHERE json_each.value = ?1))
  AND (?2 IS NULL OR d.is_paused = ?2)
  AND (?3 IS NULL OR instr(lower(d.dag_id), ?3) > 0 OR instr(lower(COALESCE(v.description, '')), ?3) > 0)
  AND (?4 OR d.is_active)
ORDER BY d.dag_id
LIMIT ?5 OFFSET ?6
