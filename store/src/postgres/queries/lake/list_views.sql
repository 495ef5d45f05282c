SELECT view, entity, features, source, as_of, row_count, version, dag_id, task_id, updated_at
FROM feature_views
ORDER BY view
