-- Appends a batch of lines, only while the token holds the running attempt (else no row).
-- seq continues per attempt. ?1 ti_id, ?2 token, ?3 try_number,
-- ?4 JSON array of [logged_at, stream, line]
INSERT INTO task_logs (ti_id, try_number, seq, logged_at, stream, line)
SELECT ?1, ?3, b.last_seq + l.key + 1,
       json_extract(l.value, '$[0]'), json_extract(l.value, '$[1]'), json_extract(l.value, '$[2]')
FROM (SELECT 1 FROM task_instances
      WHERE id = ?1 AND lease_token = ?2 AND state = 'running' AND try_number = ?3) AS g,
     (SELECT COALESCE(max(seq), 0) AS last_seq FROM task_logs
      WHERE ti_id = ?1 AND try_number = ?3) AS b,
     json_each(?4) AS l
