INSERT INTO dataset_versions
    (dataset, version, operation, row_count, byte_count, schema, dag_id, run_id, task_id, inputs, committed_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
ON CONFLICT (dataset, version) DO UPDATE SET
    operation = excluded.operation,
    row_count = excluded.row_count,
    byte_count = excluded.byte_count,
    schema = excluded.schema,
    dag_id = excluded.dag_id,
    run_id = excluded.run_id,
    task_id = excluded.task_id,
    inputs = excluded.inputs
