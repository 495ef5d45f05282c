-- How many DAGs match; the same filter as dags.sql. ?1 tag, ?2 paused, ?3 text, ?4 include inactive
SELECT count(*)
FROM dags AS d
LEFT JOIN dag_versions AS v ON v.id = d.latest_version_id
WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM json_each(v.tags) WHERE json_each.value = ?1))
  AND (?2 IS NULL OR d.is_paused = ?2)
  AND (?3 IS NULL OR instr(lower(d.dag_id), ?3) > 0 OR instr(lower(COALESCE(v.description, '')), ?3) > 0)
  AND (?4 OR d.is_active)
