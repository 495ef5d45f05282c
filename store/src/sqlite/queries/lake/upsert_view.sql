INSERT INTO feature_views
    (view, entity, features, source, as_of, row_count, version, dag_id, task_id, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT (view) DO UPDATE SET
    entity = excluded.entity,
    features = excluded.features,
    source = excluded.source,
    as_of = excluded.as_of,
    row_count = excluded.row_count,
    version = excluded.version,
    dag_id = excluded.dag_id,
    task_id = excluded.task_id,
    updated_at = excluded.updated_at
WHERE feature_views.as_of <= excluded.as_of
