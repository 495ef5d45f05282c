-- Wake-ups only when something changed. A statement-level trigger fires even when its statement
-- touched no row, so the reaper's UPDATE, run by every scheduler tick, woke every scheduler,
-- whose tick ran the reaper again: an idle scheduler spun on a CPU. These triggers look at the
-- statement's transition tables and notify only when rows were inserted or a state changed
-- (lease heartbeats change no state and wake nobody, as before).

CREATE FUNCTION weir_notify_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows) THEN
        PERFORM pg_notify('weir_events', TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION weir_notify_state_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
        WHERE o.state IS DISTINCT FROM n.state
    ) THEN
        PERFORM pg_notify('weir_events', TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER task_instances_notify ON task_instances;
DROP TRIGGER dag_runs_notify ON dag_runs;
DROP TRIGGER backfills_notify ON backfills;

CREATE TRIGGER task_instances_inserted
    AFTER INSERT ON task_instances REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION weir_notify_inserted();
CREATE TRIGGER task_instances_state_changed
    AFTER UPDATE ON task_instances REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION weir_notify_state_changed();

CREATE TRIGGER dag_runs_inserted
    AFTER INSERT ON dag_runs REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION weir_notify_inserted();
CREATE TRIGGER dag_runs_state_changed
    AFTER UPDATE ON dag_runs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION weir_notify_state_changed();

CREATE TRIGGER backfills_inserted
    AFTER INSERT ON backfills REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION weir_notify_inserted();
CREATE TRIGGER backfills_state_changed
    AFTER UPDATE ON backfills REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION weir_notify_state_changed();
