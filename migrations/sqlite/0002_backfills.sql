-- Backfills: the same table as on PostgreSQL, types adapted. Expand only.
--
-- dag_runs.backfill_id (0001) gets no foreign key: SQLite cannot add one without rebuilding the
-- table, and the previous release may write values no backfill row holds.

CREATE TABLE backfills (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    dag_id          TEXT NOT NULL REFERENCES dags (dag_id),
    from_date       TEXT NOT NULL,
    to_date         TEXT NOT NULL,
    max_active_runs INTEGER NOT NULL CHECK (max_active_runs >= 1),
    rerun_failed    BOOLEAN NOT NULL DEFAULT 0,
    state           TEXT NOT NULL DEFAULT 'running'
                    CHECK (state IN ('running', 'completed', 'cancelled')),
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    completed_at    TEXT,
    CHECK (to_date >= from_date)
);

CREATE INDEX backfills_running ON backfills (id) WHERE state = 'running';
CREATE INDEX backfills_dag ON backfills (dag_id, id);
CREATE INDEX dag_runs_backfill ON dag_runs (backfill_id) WHERE backfill_id IS NOT NULL;
