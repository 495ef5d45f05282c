-- Guarded by the state it leaves. ?1 id, ?2 from, ?3 to, ?4 now
UPDATE backfills
SET state = ?3,
    updated_at = ?4,
    completed_at = CASE WHEN ?2 = 'running' AND ?3 <> 'running' THEN ?4 ELSE completed_at END
WHERE id = ?1 AND state = ?2
