-- Weir's state on PostgreSQL: DAGs and their versions, runs, task instances with their leases,
-- attempts, logs and outputs, pools, workers and schedulers.
--
-- Expand/contract: a later migration never breaks the previous release's code. Every timestamp
-- is timestamptz (UTC on the wire) and is written by the store from its clock.

CREATE TABLE dags (
    dag_id                        text PRIMARY KEY,
    file                          text NOT NULL,
    is_paused                     boolean NOT NULL DEFAULT false,
    is_active                     boolean NOT NULL DEFAULT true,
    latest_version_id             bigint,
    -- Where the timetable continues: the last interval a scheduled run was created for.
    last_scheduled_interval_start timestamptz,
    last_scheduled_interval_end   timestamptz,
    -- Cached: when the next scheduled run is due, so that the scheduler reads one column.
    next_run_after                timestamptz,
    created_at                    timestamptz NOT NULL,
    updated_at                    timestamptz NOT NULL
);

CREATE TABLE dag_versions (
    id           bigserial PRIMARY KEY,
    dag_id       text NOT NULL REFERENCES dags (dag_id),
    version      integer NOT NULL,
    content_hash text NOT NULL,
    source       text NOT NULL,
    -- json, not jsonb: jsonb reorders object keys, and a DAG's params and env keep file order.
    dag_json     json NOT NULL,
    git_commit   text,
    created_at   timestamptz NOT NULL,
    UNIQUE (dag_id, version)
);

ALTER TABLE dags
    ADD CONSTRAINT dags_latest_version_fk FOREIGN KEY (latest_version_id) REFERENCES dag_versions (id);

CREATE TABLE import_errors (
    file          text PRIMARY KEY,
    diagnostics   jsonb NOT NULL,
    first_seen_at timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE dag_runs (
    id                  bigserial PRIMARY KEY,
    dag_id              text NOT NULL REFERENCES dags (dag_id),
    run_id              text NOT NULL,
    run_type            text NOT NULL CHECK (run_type IN ('scheduled', 'manual', 'backfill')),
    logical_date        timestamptz NOT NULL,
    data_interval_start timestamptz NOT NULL,
    data_interval_end   timestamptz NOT NULL,
    state               text NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'running', 'success', 'failed')),
    conf                jsonb NOT NULL DEFAULT '{}',
    triggered_by        text,
    dag_version_id      bigint NOT NULL REFERENCES dag_versions (id),
    backfill_id         bigint,
    created_at          timestamptz NOT NULL,
    started_at          timestamptz,
    finished_at         timestamptz,
    UNIQUE (dag_id, run_id),
    -- Two schedulers cannot both create a DAG's run for one logical date. Its index also serves
    -- the runs list, newest first: a B-tree is read backwards as cheaply as forwards.
    UNIQUE (dag_id, logical_date)
);

-- The scheduler's working set: the few runs that are not finished.
CREATE INDEX dag_runs_active ON dag_runs (dag_id, logical_date) WHERE state IN ('queued', 'running');

CREATE TABLE task_instances (
    id               bigserial PRIMARY KEY,
    run_pk           bigint NOT NULL REFERENCES dag_runs (id) ON DELETE CASCADE,
    dag_id           text NOT NULL,
    task_id          text NOT NULL,
    state            text NOT NULL DEFAULT 'none'
                     CHECK (state IN ('none', 'scheduled', 'queued', 'running', 'success', 'failed',
                                      'up_for_retry', 'skipped', 'upstream_failed', 'removed')),
    -- Attempts so far; the claim increments it, so the running attempt has this number.
    try_number       integer NOT NULL DEFAULT 0,
    -- The attempt number after which a failure is final.
    max_tries        integer NOT NULL DEFAULT 1,
    -- Attempts granted by the DAG (retries + 1): a clear grants them again from try_number.
    tries_allowed    integer NOT NULL DEFAULT 1,
    priority         integer NOT NULL DEFAULT 1,
    pool             text NOT NULL DEFAULT 'default_pool',
    queue            text NOT NULL DEFAULT 'default',
    retry_at         timestamptz,
    -- The fencing token: incremented at each claim; every write of a worker is guarded by it.
    lease_token      bigint NOT NULL DEFAULT 0,
    worker_id        text,
    lease_expires_at timestamptz,
    reason           text,
    created_at       timestamptz NOT NULL,
    scheduled_at     timestamptz,
    queued_at        timestamptz,
    claimed_at       timestamptz,
    started_at       timestamptz,
    finished_at      timestamptz,
    UNIQUE (run_pk, task_id)
);

-- The claim reads only this index: the queued rows, in claim order per queue.
CREATE INDEX task_instances_claimable
    ON task_instances (queue, priority DESC, queued_at, id) WHERE state = 'queued';
-- The reaper's scan of expired leases.
CREATE INDEX task_instances_leases ON task_instances (lease_expires_at) WHERE state = 'running';
-- Pool slots in use, counted at each claim.
CREATE INDEX task_instances_running_pool ON task_instances (pool) WHERE state = 'running';
-- Retries that come due.
CREATE INDEX task_instances_retries ON task_instances (retry_at) WHERE state = 'up_for_retry';

CREATE TABLE task_attempts (
    ti_id       bigint NOT NULL REFERENCES task_instances (id) ON DELETE CASCADE,
    try_number  integer NOT NULL,
    worker_id   text,
    state       text NOT NULL,
    reason      text,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    PRIMARY KEY (ti_id, try_number)
);

CREATE TABLE task_logs (
    ti_id      bigint NOT NULL REFERENCES task_instances (id) ON DELETE CASCADE,
    try_number integer NOT NULL,
    seq        bigint NOT NULL,
    logged_at  timestamptz NOT NULL,
    stream     text NOT NULL CHECK (stream IN ('stdout', 'stderr', 'system')),
    line       text NOT NULL,
    PRIMARY KEY (ti_id, try_number, seq)
);

CREATE TABLE task_outputs (
    ti_id      bigint PRIMARY KEY REFERENCES task_instances (id) ON DELETE CASCADE,
    try_number integer NOT NULL,
    value      jsonb NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE pools (
    name        text PRIMARY KEY,
    slots       integer NOT NULL CHECK (slots >= 0),
    description text
);

INSERT INTO pools (name, slots, description) VALUES ('default_pool', 128, 'Default pool');

CREATE TABLE workers (
    worker_id      text PRIMARY KEY,
    hostname       text NOT NULL,
    queues         jsonb NOT NULL,
    capacity       integer NOT NULL,
    started_at     timestamptz NOT NULL,
    last_heartbeat timestamptz NOT NULL,
    state          text NOT NULL
);

CREATE TABLE scheduler_heartbeats (
    scheduler_id   text PRIMARY KEY,
    hostname       text NOT NULL,
    started_at     timestamptz NOT NULL,
    last_heartbeat timestamptz NOT NULL
);

-- Wake-ups: one notification per statement that inserts task instances or runs or changes their
-- state (lease heartbeats, which touch only lease_expires_at, wake nobody). PostgreSQL folds equal
-- notifications of one transaction into one and delivers them at commit.
CREATE FUNCTION weir_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('weir_events', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER task_instances_notify
    AFTER INSERT OR UPDATE OF state ON task_instances
    FOR EACH STATEMENT EXECUTE FUNCTION weir_notify_events();

CREATE TRIGGER dag_runs_notify
    AFTER INSERT OR UPDATE OF state ON dag_runs
    FOR EACH STATEMENT EXECUTE FUNCTION weir_notify_events();
