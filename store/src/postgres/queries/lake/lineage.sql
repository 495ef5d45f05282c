SELECT DISTINCT i.value AS input, v.dag_id, v.task_id, v.dataset AS output
FROM dataset_versions v
CROSS JOIN LATERAL jsonb_array_elements_text(v.inputs) AS i(value)
WHERE v.dag_id IS NOT NULL AND v.task_id IS NOT NULL
ORDER BY 1, 2, 3, 4
