SELECT v.dataset, v.version, v.operation, v.row_count, v.byte_count, v.schema, v.dag_id, v.run_id,
       v.task_id, v.inputs, v.committed_at, c.versions
FROM dataset_versions v
JOIN (SELECT dataset, max(version) AS latest, count(*) AS versions
      FROM dataset_versions GROUP BY dataset) c
  ON v.dataset = c.dataset AND v.version = c.latest
ORDER BY v.dataset
