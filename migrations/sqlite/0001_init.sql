-- Weir's state on SQLite: the same tables as on PostgreSQL, types adapted.
--
-- Timestamps are TEXT in one fixed-width form, RFC 3339 in UTC with microseconds
-- (2026-01-01T00:00:00.000000Z), written by the store, so that text order is time order.
-- JSON is TEXT; booleans are 0 and 1. Wake-ups are in-process: the store fires them on its writes.

CREATE TABLE dags (
    dag_id                        TEXT PRIMARY KEY NOT NULL,
    file                          TEXT NOT NULL,
    is_paused                     BOOLEAN NOT NULL DEFAULT 0,
    is_active                     BOOLEAN NOT NULL DEFAULT 1,
    latest_version_id             INTEGER REFERENCES dag_versions (id),
    last_scheduled_interval_start TEXT,
    last_scheduled_interval_end   TEXT,
    next_run_after                TEXT,
    created_at                    TEXT NOT NULL,
    updated_at                    TEXT NOT NULL
);

CREATE TABLE dag_versions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    dag_id       TEXT NOT NULL REFERENCES dags (dag_id),
    version      INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    source       TEXT NOT NULL,
    dag_json     TEXT NOT NULL,
    git_commit   TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (dag_id, version)
);

CREATE TABLE import_errors (
    file          TEXT PRIMARY KEY NOT NULL,
    diagnostics   TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE dag_runs (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    dag_id              TEXT NOT NULL REFERENCES dags (dag_id),
    run_id              TEXT NOT NULL,
    run_type            TEXT NOT NULL CHECK (run_type IN ('scheduled', 'manual', 'backfill')),
    logical_date        TEXT NOT NULL,
    data_interval_start TEXT NOT NULL,
    data_interval_end   TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'queued'
                        CHECK (state IN ('queued', 'running', 'success', 'failed')),
    conf                TEXT NOT NULL DEFAULT '{}',
    triggered_by        TEXT,
    dag_version_id      INTEGER NOT NULL REFERENCES dag_versions (id),
    backfill_id         INTEGER,
    created_at          TEXT NOT NULL,
    started_at          TEXT,
    finished_at         TEXT,
    UNIQUE (dag_id, run_id),
    UNIQUE (dag_id, logical_date)
);

CREATE INDEX dag_runs_active ON dag_runs (dag_id, logical_date) WHERE state IN ('queued', 'running');

CREATE TABLE task_instances (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    run_pk           INTEGER NOT NULL REFERENCES dag_runs (id) ON DELETE CASCADE,
    dag_id           TEXT NOT NULL,
    task_id          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'none'
                     CHECK (state IN ('none', 'scheduled', 'queued', 'running', 'success', 'failed',
                                      'up_for_retry', 'skipped', 'upstream_failed', 'removed')),
    try_number       INTEGER NOT NULL DEFAULT 0,
    max_tries        INTEGER NOT NULL DEFAULT 1,
    tries_allowed    INTEGER NOT NULL DEFAULT 1,
    priority         INTEGER NOT NULL DEFAULT 1,
    pool             TEXT NOT NULL DEFAULT 'default_pool',
    queue            TEXT NOT NULL DEFAULT 'default',
    retry_at         TEXT,
    lease_token      INTEGER NOT NULL DEFAULT 0,
    worker_id        TEXT,
    lease_expires_at TEXT,
    reason           TEXT,
    created_at       TEXT NOT NULL,
    scheduled_at     TEXT,
    queued_at        TEXT,
    claimed_at       TEXT,
    started_at       TEXT,
    finished_at      TEXT,
    UNIQUE (run_pk, task_id)
);

CREATE INDEX task_instances_claimable
    ON task_instances (queue, priority DESC, queued_at, id) WHERE state = 'queued';
CREATE INDEX task_instances_leases ON task_instances (lease_expires_at) WHERE state = 'running';
CREATE INDEX task_instances_running_pool ON task_instances (pool) WHERE state = 'running';
CREATE INDEX task_instances_retries ON task_instances (retry_at) WHERE state = 'up_for_retry';

CREATE TABLE task_attempts (
    ti_id       INTEGER NOT NULL REFERENCES task_instances (id) ON DELETE CASCADE,
    try_number  INTEGER NOT NULL,
    worker_id   TEXT,
    state       TEXT NOT NULL,
    reason      TEXT,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (ti_id, try_number)
);

CREATE TABLE task_logs (
    ti_id      INTEGER NOT NULL REFERENCES task_instances (id) ON DELETE CASCADE,
    try_number INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    logged_at  TEXT NOT NULL,
    stream     TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr', 'system')),
    line       TEXT NOT NULL,
    PRIMARY KEY (ti_id, try_number, seq)
);

CREATE TABLE task_outputs (
    ti_id      INTEGER PRIMARY KEY REFERENCES task_instances (id) ON DELETE CASCADE,
    try_number INTEGER NOT NULL,
    value      TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE pools (
    name        TEXT PRIMARY KEY NOT NULL,
    slots       INTEGER NOT NULL CHECK (slots >= 0),
    description TEXT
);

INSERT INTO pools (name, slots, description) VALUES ('default_pool', 128, 'Default pool');

CREATE TABLE workers (
    worker_id      TEXT PRIMARY KEY NOT NULL,
    hostname       TEXT NOT NULL,
    queues         TEXT NOT NULL,
    capacity       INTEGER NOT NULL,
    started_at     TEXT NOT NULL,
    last_heartbeat TEXT NOT NULL,
    state          TEXT NOT NULL
);

CREATE TABLE scheduler_heartbeats (
    scheduler_id   TEXT PRIMARY KEY NOT NULL,
    hostname       TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    last_heartbeat TEXT NOT NULL
);
