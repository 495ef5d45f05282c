-- Extends the leases the worker still holds; returns those.
-- ?1 worker_id, ?2 JSON array of [id, token], ?3 new expiry
UPDATE task_instances
SET lease_expires_at = ?3
WHERE state = 'running'
  AND worker_id = ?1
  AND EXISTS (SELECT 1 FROM json_each(?2) AS h
              WHERE json_extract(h.value, '$[0]') = task_instances.id
                AND json_extract(h.value, '$[1]') = task_instances.lease_token)
RETURNING id
