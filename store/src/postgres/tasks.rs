//! Task instances: read, moved between states by the scheduler, cleared.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use weir_core::state::TaskState;

use crate::clock;
use crate::error::Result;
use crate::model::{TaskInstanceRecord, TaskStateChange};
use crate::rows::{TaskInstanceRow, convert};
use crate::rules;

const OF_RUN: &str = include_str!("queries/tasks/of_run.sql");
const FINISHED_SINCE: &str = include_str!("queries/tasks/finished_since.sql");
const GET: &str = include_str!("queries/tasks/get.sql");
const UPDATE_STATES: &str = include_str!("queries/tasks/update_states.sql");
const CLOSE_ATTEMPT: &str = include_str!("queries/tasks/close_attempt.sql");
const DUE_RETRIES: &str = include_str!("queries/tasks/due_retries.sql");
const CLEAR: &str = include_str!("queries/tasks/clear.sql");
const CLOSE_CLEARED_ATTEMPTS: &str = include_str!("queries/tasks/close_cleared_attempts.sql");
const REQUEUE_RUN: &str = include_str!("queries/runs/requeue.sql");

pub(super) async fn of_run(pool: &PgPool, run_pk: i64) -> Result<Vec<TaskInstanceRecord>> {
    let rows: Vec<TaskInstanceRow> = sqlx::query_as(OF_RUN).bind(run_pk).fetch_all(pool).await?;
    convert(rows)
}

pub(super) async fn finished_since(
    pool: &PgPool,
    run_pk: i64,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<TaskInstanceRecord>> {
    let rows: Vec<TaskInstanceRow> = sqlx::query_as(FINISHED_SINCE)
        .bind(run_pk)
        .bind(since)
        .fetch_all(pool)
        .await?;
    convert(rows)
}

pub(super) async fn get(pool: &PgPool, ti_id: i64) -> Result<Option<TaskInstanceRecord>> {
    let row: Option<TaskInstanceRow> = sqlx::query_as(GET).bind(ti_id).fetch_optional(pool).await?;
    row.map(TaskInstanceRecord::try_from).transpose()
}

pub(super) async fn update_states(pool: &PgPool, changes: &[TaskStateChange]) -> Result<u64> {
    rules::check_changes(changes)?;
    if changes.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = changes.iter().map(|c| c.ti_id).collect();
    let from: Vec<&str> = changes.iter().map(|c| c.from.as_str()).collect();
    let to: Vec<&str> = changes.iter().map(|c| c.to.as_str()).collect();
    let reasons: Vec<Option<&str>> = changes.iter().map(|c| c.reason.as_deref()).collect();
    let now = clock::now();
    let mut tx = pool.begin().await?;
    let applied: Vec<i64> = sqlx::query_scalar(UPDATE_STATES)
        .bind(ids)
        .bind(from)
        .bind(to)
        .bind(reasons)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
    // A task instance taken out of `running` here (removed, or marked by a user) ends its
    // attempt; its worker's next write finds the lease lost.
    let by_id: HashMap<i64, &TaskStateChange> = changes.iter().map(|c| (c.ti_id, c)).collect();
    for id in &applied {
        let change = by_id[id];
        if change.from == TaskState::Running {
            close_attempt(&mut tx, *id, change.to, change.reason.as_deref(), now).await?;
        }
    }
    tx.commit().await?;
    Ok(applied.len() as u64)
}

async fn close_attempt(
    tx: &mut sqlx::PgConnection,
    ti_id: i64,
    to: TaskState,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(CLOSE_ATTEMPT)
        .bind(ti_id)
        .bind(to.as_str())
        .bind(rules::interrupted_reason(to, reason))
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

pub(super) async fn due_retries(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(DUE_RETRIES)
        .bind(now)
        .fetch_all(pool)
        .await?)
}

pub(super) async fn clear(pool: &PgPool, run_pk: i64, task_ids: &[String]) -> Result<u64> {
    if task_ids.is_empty() {
        return Ok(0);
    }
    let now = clock::now();
    let mut tx = pool.begin().await?;
    let cleared: Vec<i64> = sqlx::query_scalar(CLEAR)
        .bind(run_pk)
        .bind(task_ids)
        .fetch_all(&mut *tx)
        .await?;
    if !cleared.is_empty() {
        sqlx::query(CLOSE_CLEARED_ATTEMPTS)
            .bind(&cleared)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(REQUEUE_RUN)
            .bind(run_pk)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(cleared.len() as u64)
}
