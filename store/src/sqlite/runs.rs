//! Runs: created with all their task instances at once, listed, moved between states.

use serde::Serialize;
use weir_core::state::RunState;

use super::{SqliteStore, ts};
use crate::clock;
use crate::error::Result;
use crate::events::StoreEvent;
use crate::model::{CreateRun, NewRun, NewTaskInstance, RunRecord};
use crate::rows::{RunRow, convert};

const INSERT: &str = include_str!("queries/runs/insert.sql");
const INSERT_TASK_INSTANCES: &str = include_str!("queries/runs/insert_task_instances.sql");
const FIND_EXISTING: &str = include_str!("queries/runs/find_existing.sql");
const ACTIVE: &str = include_str!("queries/runs/active.sql");
const GET: &str = include_str!("queries/runs/get.sql");
const GET_BY_PK: &str = include_str!("queries/runs/get_by_pk.sql");
const LIST: &str = include_str!("queries/runs/list.sql");
const COUNT: &str = include_str!("queries/runs/count.sql");
const SET_STATE: &str = include_str!("queries/runs/set_state.sql");
const DELETE_FINISHED: &str = include_str!("queries/runs/delete_finished.sql");

/// A task instance as the insert reads it from its JSON array.
#[derive(Serialize)]
struct TaskJson<'a> {
    task_id: &'a str,
    max_tries: i32,
    priority: i32,
    pool: &'a str,
    queue: &'a str,
}

pub(super) async fn create(
    db: &SqliteStore,
    run: &NewRun,
    tasks: &[NewTaskInstance],
) -> Result<CreateRun> {
    let now = ts(clock::now());
    let mut tx = db.writer.begin_with("BEGIN IMMEDIATE").await?;
    let row: Option<RunRow> = sqlx::query_as(INSERT)
        .bind(&run.dag_id)
        .bind(&run.run_id)
        .bind(run.run_type.as_str())
        .bind(ts(run.logical_date))
        .bind(ts(run.data_interval.start))
        .bind(ts(run.data_interval.end))
        .bind(serde_json::to_string(&run.conf)?)
        .bind(&run.triggered_by)
        .bind(run.dag_version_id)
        .bind(run.backfill_id)
        .bind(&now)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else {
        // Writers take turns, so the run that made the insert do nothing is there to read.
        let existing: RunRow = sqlx::query_as(FIND_EXISTING)
            .bind(&run.dag_id)
            .bind(&run.run_id)
            .bind(ts(run.logical_date))
            .fetch_one(&mut *tx)
            .await?;
        return Ok(CreateRun::Exists(existing.try_into()?));
    };
    let record = RunRecord::try_from(row)?;
    let tasks: Vec<TaskJson<'_>> = tasks
        .iter()
        .map(|t| TaskJson {
            task_id: &t.task_id,
            max_tries: t.max_tries,
            priority: t.priority,
            pool: &t.pool,
            queue: &t.queue,
        })
        .collect();
    sqlx::query(INSERT_TASK_INSTANCES)
        .bind(record.id)
        .bind(&run.dag_id)
        .bind(serde_json::to_string(&tasks)?)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    db.wake(StoreEvent::DagRuns);
    db.wake(StoreEvent::TaskInstances);
    Ok(CreateRun::Created(record))
}

pub(super) async fn active(db: &SqliteStore) -> Result<Vec<RunRecord>> {
    let rows: Vec<RunRow> = sqlx::query_as(ACTIVE).fetch_all(&db.reader).await?;
    convert(rows)
}

pub(super) async fn get(db: &SqliteStore, dag_id: &str, run_id: &str) -> Result<Option<RunRecord>> {
    let row: Option<RunRow> = sqlx::query_as(GET)
        .bind(dag_id)
        .bind(run_id)
        .fetch_optional(&db.reader)
        .await?;
    row.map(RunRecord::try_from).transpose()
}

pub(super) async fn get_by_pk(db: &SqliteStore, run_pk: i64) -> Result<Option<RunRecord>> {
    let row: Option<RunRow> = sqlx::query_as(GET_BY_PK)
        .bind(run_pk)
        .fetch_optional(&db.reader)
        .await?;
    row.map(RunRecord::try_from).transpose()
}

pub(super) async fn list(
    db: &SqliteStore,
    dag_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<RunRecord>, i64)> {
    let rows: Vec<RunRow> = sqlx::query_as(LIST)
        .bind(dag_id)
        .bind(limit.max(0))
        .bind(offset.max(0))
        .fetch_all(&db.reader)
        .await?;
    let total: i64 = sqlx::query_scalar(COUNT)
        .bind(dag_id)
        .fetch_one(&db.reader)
        .await?;
    Ok((convert(rows)?, total))
}

pub(super) async fn set_state(
    db: &SqliteStore,
    run_pk: i64,
    from: RunState,
    to: RunState,
) -> Result<bool> {
    let done = sqlx::query(SET_STATE)
        .bind(run_pk)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(ts(clock::now()))
        .execute(&db.writer)
        .await?;
    let moved = done.rows_affected() == 1;
    if moved {
        db.wake(StoreEvent::DagRuns);
    }
    Ok(moved)
}

pub(super) async fn delete_finished(
    db: &SqliteStore,
    before: chrono::DateTime<chrono::Utc>,
    limit: i64,
) -> Result<u64> {
    let done = sqlx::query(DELETE_FINISHED)
        .bind(ts(before))
        .bind(limit)
        .execute(&db.writer)
        .await?;
    Ok(done.rows_affected())
}
