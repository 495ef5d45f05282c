-- How many DAGs match; the same filter as dags.sql. $1 tag, $2 paused, $3 text, $4 include inactive
SELECT count(*)
FROM dags AS d
LEFT JOIN dag_versions AS v ON v.id = d.latest_version_id
WHERE ($1::text IS NULL OR v.tags @> jsonb_build_array($1::text))
  AND ($2::boolean IS NULL OR d.is_paused = $2)
  AND ($3::text IS NULL OR strpos(lower(d.dag_id), $3) > 0 OR strpos(lower(COALESCE(v.description, '')), $3) > 0)
  AND ($4 OR d.is_active)
