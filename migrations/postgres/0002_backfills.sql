-- Backfills: a tracked past date range of one DAG that the scheduler drives, a few runs at a
-- time. Expand only: a new table and indexes; the previous release ignores them.
--
-- dag_runs.backfill_id (0001) gets no foreign key: the previous release may write values no
-- backfill row holds, and SQLite cannot add one without rebuilding the table.

CREATE TABLE backfills (
    id              bigserial PRIMARY KEY,
    dag_id          text NOT NULL REFERENCES dags (dag_id),
    from_date       timestamptz NOT NULL,
    to_date         timestamptz NOT NULL,
    max_active_runs integer NOT NULL CHECK (max_active_runs >= 1),
    rerun_failed    boolean NOT NULL DEFAULT false,
    state           text NOT NULL DEFAULT 'running'
                    CHECK (state IN ('running', 'completed', 'cancelled')),
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    completed_at    timestamptz,
    CHECK (to_date >= from_date)
);

-- The scheduler's working set: the few backfills it drives.
CREATE INDEX backfills_running ON backfills (id) WHERE state = 'running';
-- A DAG's backfills, newest first.
CREATE INDEX backfills_dag ON backfills (dag_id, id);
-- A backfill's runs, counted for every backfill read.
CREATE INDEX dag_runs_backfill ON dag_runs (backfill_id) WHERE backfill_id IS NOT NULL;

-- Wake-ups: a backfill created or moved wakes the schedulers (the listener reads the payload
-- `backfills` as a change of runs).
CREATE TRIGGER backfills_notify
    AFTER INSERT OR UPDATE OF state ON backfills
    FOR EACH STATEMENT EXECUTE FUNCTION weir_notify_events();
