-- A cleared run is queued again. $1 run_pk
UPDATE dag_runs SET state = 'queued', finished_at = NULL WHERE id = $1
