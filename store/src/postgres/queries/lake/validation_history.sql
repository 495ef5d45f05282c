SELECT id, dataset, version, scope, dag_id, run_id, task_id, try_number, success, passed, failed,
       warned, row_count, results, validated_at
FROM validations
WHERE dataset = $1
ORDER BY id DESC
LIMIT $2
