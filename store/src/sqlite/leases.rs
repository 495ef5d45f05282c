//! What a worker does under its lease, and the reaper of expired leases.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use weir_core::state::TaskState;

use super::{SqliteStore, json_list, ts, ts_opt};
use crate::clock;
use crate::error::{Result, StoreError};
use crate::events::StoreEvent;
use crate::model::{AttemptOutcome, AttemptRecord, AttemptReport, ReapedTask};
use crate::rows::{AttemptRow, convert};

const MARK_STARTED: &str = include_str!("queries/leases/mark_started.sql");
const HEARTBEAT: &str = include_str!("queries/leases/heartbeat.sql");
const FINISH: &str = include_str!("queries/leases/finish.sql");
const END_ATTEMPTS: &str = include_str!("queries/leases/end_attempts.sql");
const REAP: &str = include_str!("queries/leases/reap.sql");
const HAND_BACK: &str = include_str!("queries/leases/hand_back.sql");
const LIST_ATTEMPTS: &str = include_str!("queries/attempts/list.sql");

/// A task instance as finish and reap leave it: what its attempt row records.
#[derive(sqlx::FromRow, Serialize)]
struct Ended {
    ti_id: i64,
    #[serde(skip)]
    worker_id: Option<String>,
    try_number: i32,
    state: String,
    reason: Option<String>,
}

impl Ended {
    fn state(&self) -> Result<TaskState> {
        TaskState::parse(&self.state)
            .ok_or_else(|| StoreError::corrupt(format!("task state `{}`", self.state)))
    }
}

/// Ends the attempt rows of the task instances `ended`, in one statement.
async fn end_attempts(tx: &mut sqlx::SqliteConnection, ended: &[Ended], now: &str) -> Result<()> {
    if ended.is_empty() {
        return Ok(());
    }
    sqlx::query(END_ATTEMPTS)
        .bind(json_list(ended)?)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

/// A report as the finish reads it from its JSON array.
#[derive(Serialize)]
struct ReportJson<'a> {
    id: i64,
    token: i64,
    succeeded: bool,
    reason: Option<&'a str>,
    retry_at: String,
    started_at: Option<String>,
}

pub(super) async fn mark_started(db: &SqliteStore, ti_id: i64, token: i64) -> Result<()> {
    let done = sqlx::query(MARK_STARTED)
        .bind(ti_id)
        .bind(token)
        .bind(ts(clock::now()))
        .execute(&db.writer)
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::LeaseLost { ti_id, token })
    }
}

pub(super) async fn heartbeat(
    db: &SqliteStore,
    worker_id: &str,
    leases: &[(i64, i64)],
    lease: Duration,
) -> Result<Vec<i64>> {
    if leases.is_empty() {
        return Ok(Vec::new());
    }
    let pairs: Vec<[i64; 2]> = leases.iter().map(|(id, token)| [*id, *token]).collect();
    let held: Vec<i64> = sqlx::query_scalar(HEARTBEAT)
        .bind(worker_id)
        .bind(serde_json::to_string(&pairs)?)
        .bind(ts(clock::add(clock::now(), lease)))
        .fetch_all(&db.writer)
        .await?;
    Ok(leases
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !held.contains(id))
        .collect())
}

pub(super) async fn finish(
    db: &SqliteStore,
    reports: &[AttemptReport],
) -> Result<Vec<Option<TaskState>>> {
    if reports.is_empty() {
        return Ok(Vec::new());
    }
    let now = ts(clock::now());
    let json: Vec<ReportJson<'_>> = reports
        .iter()
        .map(|r| ReportJson {
            id: r.ti_id,
            token: r.token,
            succeeded: r.outcome == AttemptOutcome::Success,
            reason: match &r.outcome {
                AttemptOutcome::Success => None,
                AttemptOutcome::Failed { reason } => Some(reason.as_str()),
            },
            retry_at: r.retry_at.map(ts).unwrap_or_else(|| now.clone()),
            started_at: ts_opt(r.started_at),
        })
        .collect();
    let mut tx = db.writer.begin_with("BEGIN IMMEDIATE").await?;
    let rows: Vec<Ended> = sqlx::query_as(FINISH)
        .bind(json_list(&json)?)
        .bind(&now)
        .fetch_all(&mut *tx)
        .await?;
    end_attempts(&mut tx, &rows, &now).await?;
    tx.commit().await?;
    if !rows.is_empty() {
        db.wake(StoreEvent::TaskInstances);
    }
    let mut states = HashMap::with_capacity(rows.len());
    for row in &rows {
        states.insert(row.ti_id, row.state()?);
    }
    Ok(reports
        .iter()
        .map(|r| states.get(&r.ti_id).copied())
        .collect())
}

pub(super) async fn hand_back(
    db: &SqliteStore,
    ti_id: i64,
    token: i64,
    reason: &str,
) -> Result<()> {
    let now = ts(clock::now());
    let mut tx = db.writer.begin_with("BEGIN IMMEDIATE").await?;
    let rows: Vec<Ended> = sqlx::query_as(HAND_BACK)
        .bind(ti_id)
        .bind(token)
        .bind(reason)
        .bind(&now)
        .fetch_all(&mut *tx)
        .await?;
    if rows.len() != 1 {
        return Err(StoreError::LeaseLost { ti_id, token });
    }
    end_attempts(&mut tx, &rows, &now).await?;
    tx.commit().await?;
    db.wake(StoreEvent::TasksQueued);
    Ok(())
}

pub(super) async fn reap(db: &SqliteStore, now: DateTime<Utc>) -> Result<Vec<ReapedTask>> {
    let now = ts(now);
    let mut tx = db.writer.begin_with("BEGIN IMMEDIATE").await?;
    let rows: Vec<Ended> = sqlx::query_as(REAP).bind(&now).fetch_all(&mut *tx).await?;
    end_attempts(&mut tx, &rows, &now).await?;
    tx.commit().await?;
    if !rows.is_empty() {
        db.wake(StoreEvent::TaskInstances);
    }
    let mut reaped = rows
        .into_iter()
        .map(|e| {
            Ok(ReapedTask {
                ti_id: e.ti_id,
                new_state: e.state()?,
                worker_id: e.worker_id,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    reaped.sort_by_key(|r| r.ti_id);
    Ok(reaped)
}

pub(super) async fn list_attempts(db: &SqliteStore, ti_id: i64) -> Result<Vec<AttemptRecord>> {
    let rows: Vec<AttemptRow> = sqlx::query_as(LIST_ATTEMPTS)
        .bind(ti_id)
        .fetch_all(&db.reader)
        .await?;
    convert(rows)
}
