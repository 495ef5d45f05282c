-- Task instance wake-ups in three kinds, because each wakes someone else (store/src/events.rs):
-- `task_instances_queued` (rows became queued: workers claim them), `task_instances_claimed`
-- (queued to running: only watchers care) and `task_instances` (inserted, or any other state:
-- schedulers act on them). Before, every claim woke every scheduler and every other worker,
-- each of which then ran a query for nothing. Old listeners read an unknown payload as
-- "look at everything", so this is safe to apply under running components.
--
-- The joins of the transition tables run with nested loops off. PL/pgSQL plans a query without
-- parameters once per session, so the plan made for the first (small) statement was kept: a
-- nested loop, quadratic in the rows of a statement. Queueing 10,000 task instances at once
-- then spent most of the database's time in this trigger (half of all CPU in a fan-out).

CREATE FUNCTION weir_notify_task_instances_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows) THEN
        PERFORM pg_notify('weir_events', 'task_instances');
    END IF;
    IF EXISTS (SELECT 1 FROM new_rows WHERE state = 'queued') THEN
        PERFORM pg_notify('weir_events', 'task_instances_queued');
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION weir_notify_task_states_changed() RETURNS trigger LANGUAGE plpgsql
SET enable_nestloop = off AS $$
DECLARE
    queued boolean;
    claimed boolean;
    other boolean;
BEGIN
    SELECT coalesce(bool_or(n.state = 'queued'), false),
           coalesce(bool_or(o.state = 'queued' AND n.state = 'running'), false),
           coalesce(bool_or(n.state <> 'queued'
                            AND NOT (o.state = 'queued' AND n.state = 'running')), false)
    INTO queued, claimed, other
    FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
    WHERE o.state IS DISTINCT FROM n.state;
    IF queued THEN
        PERFORM pg_notify('weir_events', 'task_instances_queued');
    END IF;
    IF claimed THEN
        PERFORM pg_notify('weir_events', 'task_instances_claimed');
    END IF;
    IF other THEN
        PERFORM pg_notify('weir_events', 'task_instances');
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER task_instances_inserted ON task_instances;
DROP TRIGGER task_instances_state_changed ON task_instances;

CREATE TRIGGER task_instances_inserted
    AFTER INSERT ON task_instances REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION weir_notify_task_instances_inserted();
CREATE TRIGGER task_instances_state_changed
    AFTER UPDATE ON task_instances REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION weir_notify_task_states_changed();

-- Runs and backfills: the same join, the same plan.
ALTER FUNCTION weir_notify_state_changed() SET enable_nestloop = off;
