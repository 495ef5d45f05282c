-- Ends attempt rows with the state their task instance reached.
-- ?1 JSON array of {ti_id, try_number, state, reason}, ?2 now
UPDATE task_attempts
SET state = e.state, reason = e.reason, finished_at = ?2
FROM (SELECT json_extract(value, '$.ti_id') AS ti_id,
             json_extract(value, '$.try_number') AS try_number,
             json_extract(value, '$.state') AS state,
             json_extract(value, '$.reason') AS reason
      FROM json_each(?1)) AS e
WHERE task_attempts.ti_id = e.ti_id AND task_attempts.try_number = e.try_number
