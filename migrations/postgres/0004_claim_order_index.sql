-- The claim reads queued task instances in claim order (priority, then queue time) and stops
-- after the few it takes. With `queue` leading task_instances_claimable, `queue = ANY(...)`
-- made PostgreSQL read every queued row and sort them: a claim cost grew with the queue (12 ms
-- at 5,000 queued). This index serves the order directly; queue and pool are filters on it.
-- task_instances_claimable stays until a later release drops it (expand, then contract).
CREATE INDEX task_instances_claim_order ON task_instances (priority DESC, queued_at, id)
    WHERE state = 'queued';
