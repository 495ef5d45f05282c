SELECT dataset, version, operation, row_count, byte_count, schema, dag_id, run_id, task_id, inputs,
       committed_at
FROM dataset_versions
WHERE dataset = $1
ORDER BY version DESC
LIMIT $2
