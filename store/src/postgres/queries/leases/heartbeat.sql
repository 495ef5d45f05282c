-- Extends the leases the worker still holds; returns those. Touches no state, so it wakes nobody.
-- $1 worker_id, $2 ids, $3 tokens, $4 new expiry
UPDATE task_instances AS t
SET lease_expires_at = $4
FROM UNNEST($2::int8[], $3::int8[]) AS h (id, token)
WHERE t.id = h.id AND t.lease_token = h.token AND t.state = 'running' AND t.worker_id = $1
RETURNING t.id
