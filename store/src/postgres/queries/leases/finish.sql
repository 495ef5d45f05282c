-- The workers' reports, many in one statement, each guarded by its lease: a report whose token
-- is stale matches no row and writes nothing. A failure with tries left becomes up_for_retry.
-- started_at is stamped from the report when the attempt did not stamp it (a noop task). Ends
-- the attempt rows in the same statement. Returns the rows that applied.
-- $1 ti_ids, $2 tokens, $3 succeeded, $4 reasons, $5 retry_at, $6 started_at, $7 now
WITH report AS (
    SELECT *
    FROM UNNEST($1::int8[], $2::int8[], $3::bool[], $4::text[], $5::timestamptz[],
                $6::timestamptz[])
         AS r (id, token, succeeded, reason, retry_at, started_at)
),
finished AS (
    UPDATE task_instances AS t
    SET state = CASE WHEN r.succeeded THEN 'success'
                     WHEN t.try_number < t.max_tries THEN 'up_for_retry'
                     ELSE 'failed' END,
        retry_at = CASE WHEN NOT r.succeeded AND t.try_number < t.max_tries THEN r.retry_at
                        ELSE NULL END,
        reason = r.reason,
        started_at = COALESCE(t.started_at, r.started_at),
        finished_at = $7,
        lease_expires_at = NULL
    FROM report AS r
    WHERE t.id = r.id AND t.lease_token = r.token AND t.state = 'running'
    RETURNING t.id, t.try_number, t.state, t.reason
),
attempt AS (
    UPDATE task_attempts AS a
    SET state = f.state, reason = f.reason, finished_at = $7
    FROM finished AS f
    WHERE a.ti_id = f.id AND a.try_number = f.try_number
)
SELECT id, state FROM finished
