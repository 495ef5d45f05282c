SELECT d.dag_id, d.file, d.is_paused, d.is_active, d.latest_version_id, v.version AS latest_version, d.last_scheduled_interval_start, d.last_scheduled_interval_end, d.next_run_after, d.created_at, d.updated_at, v.description, v.owner, v.tags::text AS tags, v.schedule, v.timezone
FROM dags AS d
LEFT JOIN dag_versions AS v ON v.id = d.latest_version_id
ORDER BY d.dag_id
