-- ?1 ti_id, ?2 try_number, ?3 after seq, ?4 limit
SELECT seq, logged_at, stream, line
FROM task_logs
WHERE ti_id = ?1 AND try_number = ?2 AND seq > ?3
ORDER BY seq
LIMIT ?4
