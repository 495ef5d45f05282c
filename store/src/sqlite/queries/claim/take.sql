-- Takes queued task instances, inside BEGIN IMMEDIATE (writers take turns, so the pool count is
-- exact): highest priority first, then longest queued, through task_instances_claimable, skipping
-- full pools and taking at most a pool's free slots. A pool missing from `pools` does not limit.
-- ?1 queues (JSON array), ?2 max, ?3 worker_id, ?4 now, ?5 lease expiry
WITH pool_free AS (
    SELECT p.name,
           p.slots - (SELECT count(*) FROM task_instances AS r
                      WHERE r.state = 'running' AND r.pool = p.name) AS free
    FROM pools AS p
),
candidates AS (
    SELECT ti.id, ti.pool, ti.priority, ti.queued_at
    FROM task_instances AS ti
    WHERE ti.state = 'queued'
      AND ti.queue IN (SELECT value FROM json_each(?1))
      AND NOT EXISTS (SELECT 1 FROM pool_free AS f WHERE f.name = ti.pool AND f.free <= 0)
    ORDER BY ti.priority DESC, ti.queued_at, ti.id
    LIMIT ?2
),
ranked AS (
    SELECT c.id,
           row_number() OVER (PARTITION BY c.pool
                              ORDER BY c.priority DESC, c.queued_at, c.id) AS rank_in_pool,
           f.free
    FROM candidates AS c
    LEFT JOIN pool_free AS f ON f.name = c.pool
)
UPDATE task_instances
SET state = 'running',
    try_number = try_number + 1,
    lease_token = lease_token + 1,
    worker_id = ?3,
    claimed_at = ?4,
    lease_expires_at = ?5,
    started_at = NULL,
    finished_at = NULL,
    retry_at = NULL,
    reason = NULL
WHERE id IN (SELECT id FROM ranked WHERE free IS NULL OR rank_in_pool <= free)
RETURNING id
