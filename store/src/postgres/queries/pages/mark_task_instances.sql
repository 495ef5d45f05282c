-- A user's verdict: the state is set whatever it was, and the lease token moves on so that a
-- worker still running an attempt can write nothing more. $1 run_pk, $2 task ids, $3 state,
-- $4 reason, $5 now
UPDATE task_instances
SET state = $3, reason = $4, finished_at = $5, retry_at = NULL, lease_expires_at = NULL,
    lease_token = lease_token + 1
WHERE run_pk = $1 AND task_id = ANY($2) AND state <> $3
RETURNING id
