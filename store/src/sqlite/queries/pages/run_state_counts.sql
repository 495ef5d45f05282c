SELECT state, count(*) FROM dag_runs GROUP BY state
