-- What a scheduler reads on every tick: the task instances of an active run that finished since
-- its last look (queries/tasks/finished_since.sql). Without this index the read walked every
-- task instance of the run through (run_pk, task_id): 10,000 rows per tick for a 10,000-task
-- fan-out, at every finished batch. Expand only: a new index.
CREATE INDEX task_instances_finished ON task_instances (run_pk, finished_at)
    WHERE finished_at IS NOT NULL;
