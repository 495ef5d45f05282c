SELECT state, count(*) FROM task_instances GROUP BY state
