-- A finished run whose task instances a user marked is settled again by the scheduler.
-- $1 run_pk
UPDATE dag_runs SET state = 'running', finished_at = NULL
WHERE id = $1 AND state IN ('success', 'failed')
