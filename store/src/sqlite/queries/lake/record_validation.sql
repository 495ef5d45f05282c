INSERT INTO validations
    (dataset, version, scope, dag_id, run_id, task_id, try_number, success, passed, failed, warned,
     row_count, results, validated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
RETURNING id
