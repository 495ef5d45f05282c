-- Claims queued task instances in one statement: pick them in claim order through the partial
-- index task_instances_claim_order, stopping after $2 (FOR UPDATE SKIP LOCKED: concurrent claimers never wait for each other
-- nor take the same row), keep within pool slots, and take a lease with a new fencing token.
--
-- Pools: pools already full are skipped, and a claim takes at most a pool's free slots. Free
-- slots are counted in this statement's snapshot, so claims that run at the same instant can
-- together overshoot a pool by what each saw free; SQLite, whose writers take turns, is exact.
-- A pool missing from `pools` does not limit.
--
-- $1 queues, $2 max, $3 worker_id, $4 now, $5 lease expiry
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
      AND ti.queue = ANY ($1)
      -- A filter on the ordered index scan, not a join: the scan stops after $2 rows.
      AND ti.pool <> ALL (ARRAY(SELECT f.name FROM pool_free AS f WHERE f.free <= 0))
    ORDER BY ti.priority DESC, ti.queued_at, ti.id
    LIMIT $2
    FOR UPDATE OF ti SKIP LOCKED
),
ranked AS (
    SELECT c.id,
           row_number() OVER (PARTITION BY c.pool
                              ORDER BY c.priority DESC, c.queued_at, c.id) AS rank_in_pool,
           f.free
    FROM candidates AS c
    LEFT JOIN pool_free AS f ON f.name = c.pool
),
claimed AS (
    UPDATE task_instances AS t
    SET state = 'running',
        try_number = t.try_number + 1,
        lease_token = t.lease_token + 1,
        worker_id = $3,
        claimed_at = $4,
        lease_expires_at = $5,
        started_at = NULL,
        finished_at = NULL,
        retry_at = NULL,
        reason = NULL
    -- By primary key: a join here made PostgreSQL scan the whole table.
    WHERE t.id = ANY (ARRAY(SELECT k.id FROM ranked AS k
                            WHERE k.free IS NULL OR k.rank_in_pool <= k.free))
    RETURNING t.id, t.run_pk, t.dag_id, t.task_id, t.try_number, t.max_tries, t.lease_token,
              t.lease_expires_at, t.priority, t.pool, t.queue, t.queued_at
),
attempts AS (
    INSERT INTO task_attempts (ti_id, try_number, worker_id, state, started_at)
    SELECT id, try_number, $3, 'running', $4 FROM claimed
)
SELECT c.id AS ti_id, c.run_pk, c.dag_id, r.run_id, c.task_id, c.try_number, c.max_tries,
       c.lease_token, c.lease_expires_at, c.priority, c.pool, c.queue, r.dag_version_id,
       r.logical_date, r.data_interval_start, r.data_interval_end, r.conf
FROM claimed AS c
JOIN dag_runs AS r ON r.id = c.run_pk
ORDER BY c.priority DESC, c.queued_at, c.id
