-- ?1 dag_id, ?2 file, ?3 is_paused, ?4 now
INSERT INTO dags (dag_id, file, is_paused, is_active, created_at, updated_at)
VALUES (?1, ?2, ?3, 1, ?4, ?4)
ON CONFLICT (dag_id) DO NOTHING
