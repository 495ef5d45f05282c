-- ?1 dag_id
SELECT count(*) FROM dag_runs WHERE dag_id = ?1
