-- $1 dag_id or NULL, $2 state or NULL
SELECT count(*) FROM dag_runs WHERE ($1::text IS NULL OR dag_id = $1) AND ($2::text IS NULL OR state = $2)
