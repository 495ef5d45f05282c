-- ?1 ti_id
SELECT ti_id, try_number, value, created_at FROM task_outputs WHERE ti_id = ?1
