-- Guarded by the state it leaves. ?1 run_pk, ?2 from, ?3 to, ?4 now
UPDATE dag_runs
SET state = ?3,
    started_at = CASE WHEN ?3 <> 'queued' THEN COALESCE(started_at, ?4) ELSE started_at END,
    finished_at = CASE WHEN ?3 IN ('success', 'failed') THEN ?4 ELSE NULL END
WHERE id = ?1 AND state = ?2
