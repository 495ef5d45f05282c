//! Runs: created with all their task instances at once, listed, moved between states.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::types::Json;
use weir_core::state::RunState;

use crate::clock;
use crate::error::{Result, StoreError};
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

/// How often an insert that lost a race looks for the winner: the winner may roll back between
/// the two statements, and then the insert is tried again.
const ATTEMPTS: usize = 3;

pub(super) async fn create(
    pool: &PgPool,
    run: &NewRun,
    tasks: &[NewTaskInstance],
) -> Result<CreateRun> {
    for _ in 0..ATTEMPTS {
        if let Some(created) = try_insert(pool, run, tasks).await? {
            return Ok(CreateRun::Created(created));
        }
        let existing: Option<RunRow> = sqlx::query_as(FIND_EXISTING)
            .bind(&run.dag_id)
            .bind(&run.run_id)
            .bind(run.logical_date)
            .fetch_optional(pool)
            .await?;
        if let Some(row) = existing {
            return Ok(CreateRun::Exists(row.try_into()?));
        }
    }
    Err(StoreError::Conflict(format!(
        "run `{}` of DAG `{}` kept conflicting with a run that then vanished",
        run.run_id, run.dag_id
    )))
}

/// The run and its task instances in one transaction, or `None` if the run exists.
async fn try_insert(
    pool: &PgPool,
    run: &NewRun,
    tasks: &[NewTaskInstance],
) -> Result<Option<RunRecord>> {
    let now = clock::now();
    let mut tx = pool.begin().await?;
    let row: Option<RunRow> = sqlx::query_as(INSERT)
        .bind(&run.dag_id)
        .bind(&run.run_id)
        .bind(run.run_type.as_str())
        .bind(clock::truncate(run.logical_date))
        .bind(clock::truncate(run.data_interval.start))
        .bind(clock::truncate(run.data_interval.end))
        .bind(Json(&run.conf))
        .bind(&run.triggered_by)
        .bind(run.dag_version_id)
        .bind(run.backfill_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let record = RunRecord::try_from(row)?;
    let task_ids: Vec<&str> = tasks.iter().map(|t| t.task_id.as_str()).collect();
    let max_tries: Vec<i32> = tasks.iter().map(|t| t.max_tries).collect();
    let priorities: Vec<i32> = tasks.iter().map(|t| t.priority).collect();
    let pools: Vec<&str> = tasks.iter().map(|t| t.pool.as_str()).collect();
    let queues: Vec<&str> = tasks.iter().map(|t| t.queue.as_str()).collect();
    sqlx::query(INSERT_TASK_INSTANCES)
        .bind(record.id)
        .bind(&run.dag_id)
        .bind(task_ids)
        .bind(max_tries)
        .bind(priorities)
        .bind(pools)
        .bind(queues)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(record))
}

pub(super) async fn active(pool: &PgPool) -> Result<Vec<RunRecord>> {
    let rows: Vec<RunRow> = sqlx::query_as(ACTIVE).fetch_all(pool).await?;
    convert(rows)
}

pub(super) async fn get(pool: &PgPool, dag_id: &str, run_id: &str) -> Result<Option<RunRecord>> {
    let row: Option<RunRow> = sqlx::query_as(GET)
        .bind(dag_id)
        .bind(run_id)
        .fetch_optional(pool)
        .await?;
    row.map(RunRecord::try_from).transpose()
}

pub(super) async fn get_by_pk(pool: &PgPool, run_pk: i64) -> Result<Option<RunRecord>> {
    let row: Option<RunRow> = sqlx::query_as(GET_BY_PK)
        .bind(run_pk)
        .fetch_optional(pool)
        .await?;
    row.map(RunRecord::try_from).transpose()
}

pub(super) async fn list(
    pool: &PgPool,
    dag_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<RunRecord>, i64)> {
    let rows: Vec<RunRow> = sqlx::query_as(LIST)
        .bind(dag_id)
        .bind(limit.max(0))
        .bind(offset.max(0))
        .fetch_all(pool)
        .await?;
    let total: i64 = sqlx::query_scalar(COUNT)
        .bind(dag_id)
        .fetch_one(pool)
        .await?;
    Ok((convert(rows)?, total))
}

pub(super) async fn set_state(
    pool: &PgPool,
    run_pk: i64,
    from: RunState,
    to: RunState,
) -> Result<bool> {
    let done = sqlx::query(SET_STATE)
        .bind(run_pk)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(clock::now())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn delete_finished(
    pool: &PgPool,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<u64> {
    let done = sqlx::query(DELETE_FINISHED)
        .bind(before)
        .bind(limit)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
