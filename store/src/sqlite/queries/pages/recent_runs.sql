-- The newest runs of each DAG. ?1 dag ids (JSON array), ?2 per DAG
--
-- A LIMIT per DAG through the (dag_id, logical_date) unique index: a window over every run of
-- the listed DAGs would read a 10,000-run DAG's whole history for a strip of ten.
SELECT r.dag_id, r.run_id, r.state, r.logical_date
FROM json_each(?1) AS d
JOIN dag_runs AS r ON r.id IN (
    SELECT id FROM dag_runs WHERE dag_id = d.value ORDER BY logical_date DESC LIMIT ?2
)
ORDER BY r.dag_id, r.logical_date DESC
