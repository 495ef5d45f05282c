//! Task instances: read, moved between states by the scheduler, cleared.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use weir_core::state::TaskState;

use super::{SqliteStore, json_list, ts};
use crate::clock;
use crate::error::Result;
use crate::events::{StoreEvent, task_state_events};
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

/// A state change as the update reads it from its JSON array.
#[derive(Serialize)]
struct ChangeJson<'a> {
    id: i64,
    from: &'static str,
    to: &'static str,
    reason: Option<&'a str>,
}

pub(super) async fn of_run(db: &SqliteStore, run_pk: i64) -> Result<Vec<TaskInstanceRecord>> {
    let rows: Vec<TaskInstanceRow> = sqlx::query_as(OF_RUN)
        .bind(run_pk)
        .fetch_all(&db.reader)
        .await?;
    convert(rows)
}

pub(super) async fn finished_since(
    db: &SqliteStore,
    run_pk: i64,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<TaskInstanceRecord>> {
    let rows: Vec<TaskInstanceRow> = sqlx::query_as(FINISHED_SINCE)
        .bind(run_pk)
        .bind(super::ts(since))
        .fetch_all(&db.reader)
        .await?;
    convert(rows)
}

pub(super) async fn get(db: &SqliteStore, ti_id: i64) -> Result<Option<TaskInstanceRecord>> {
    let row: Option<TaskInstanceRow> = sqlx::query_as(GET)
        .bind(ti_id)
        .fetch_optional(&db.reader)
        .await?;
    row.map(TaskInstanceRecord::try_from).transpose()
}

pub(super) async fn update_states(db: &SqliteStore, changes: &[TaskStateChange]) -> Result<u64> {
    rules::check_changes(changes)?;
    if changes.is_empty() {
        return Ok(0);
    }
    let json: Vec<ChangeJson<'_>> = changes
        .iter()
        .map(|c| ChangeJson {
            id: c.ti_id,
            from: c.from.as_str(),
            to: c.to.as_str(),
            reason: c.reason.as_deref(),
        })
        .collect();
    let now = clock::now();
    let mut tx = db.writer.begin_with("BEGIN IMMEDIATE").await?;
    let applied: Vec<i64> = sqlx::query_scalar(UPDATE_STATES)
        .bind(serde_json::to_string(&json)?)
        .bind(ts(now))
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
    for event in task_state_events(applied.iter().map(|id| (by_id[id].from, by_id[id].to))) {
        db.wake(event);
    }
    Ok(applied.len() as u64)
}

async fn close_attempt(
    tx: &mut sqlx::SqliteConnection,
    ti_id: i64,
    to: TaskState,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(CLOSE_ATTEMPT)
        .bind(ti_id)
        .bind(to.as_str())
        .bind(rules::interrupted_reason(to, reason))
        .bind(ts(now))
        .execute(tx)
        .await?;
    Ok(())
}

pub(super) async fn due_retries(db: &SqliteStore, now: DateTime<Utc>) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(DUE_RETRIES)
        .bind(ts(now))
        .fetch_all(&db.reader)
        .await?)
}

pub(super) async fn clear(db: &SqliteStore, run_pk: i64, task_ids: &[String]) -> Result<u64> {
    if task_ids.is_empty() {
        return Ok(0);
    }
    let now = ts(clock::now());
    let mut tx = db.writer.begin_with("BEGIN IMMEDIATE").await?;
    let cleared: Vec<i64> = sqlx::query_scalar(CLEAR)
        .bind(run_pk)
        .bind(json_list(task_ids)?)
        .fetch_all(&mut *tx)
        .await?;
    if !cleared.is_empty() {
        sqlx::query(CLOSE_CLEARED_ATTEMPTS)
            .bind(json_list(&cleared)?)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(REQUEUE_RUN)
            .bind(run_pk)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    if !cleared.is_empty() {
        db.wake(StoreEvent::TaskInstances);
        db.wake(StoreEvent::DagRuns);
    }
    Ok(cleared.len() as u64)
}
