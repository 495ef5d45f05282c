SELECT count(*) FROM task_attempts
