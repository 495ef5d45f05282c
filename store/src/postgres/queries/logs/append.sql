-- Appends a batch of lines, only while the token holds the running attempt (else no row).
-- seq continues per attempt. $1 ti_id, $2 token, $3 try_number, $4 times, $5 streams, $6 lines
INSERT INTO task_logs (ti_id, try_number, seq, logged_at, stream, line)
SELECT $1, $3, b.last_seq + l.ord, l.logged_at, l.stream, l.line
FROM (SELECT 1 FROM task_instances
      WHERE id = $1 AND lease_token = $2 AND state = 'running' AND try_number = $3) AS g,
     (SELECT COALESCE(max(seq), 0) AS last_seq FROM task_logs
      WHERE ti_id = $1 AND try_number = $3) AS b,
     UNNEST($4::timestamptz[], $5::text[], $6::text[]) WITH ORDINALITY AS l (logged_at, stream, line, ord)
