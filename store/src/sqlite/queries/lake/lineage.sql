SELECT DISTINCT j.value AS input, v.dag_id, v.task_id, v.dataset AS output
FROM dataset_versions v, json_each(v.inputs) AS j
WHERE v.dag_id IS NOT NULL AND v.task_id IS NOT NULL
ORDER BY 1, 2, 3, 4
