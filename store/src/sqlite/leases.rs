//! What a worker does under its lease, and the reaper of expired leases.

use std::time::Duration;

use chrono::{DateTime, Utc};
use weir_core::state::TaskState;

use super::{SqliteStore, ts};
use crate::clock;
use crate::error::{Result, StoreError};
use crate::events::StoreEvent;
use crate::model::{AttemptOutcome, AttemptRecord, ReapedTask};
use crate::rows::{AttemptRow, convert};

const MARK_STARTED: &str = include_str!("queries/leases/mark_started.sql");
const HEARTBEAT: &str = include_str!("queries/leases/heartbeat.sql");
const FINISH: &str = include_str!("queries/leases/finish.sql");
const END_ATTEMPT: &str = include_str!("queries/leases/end_attempt.sql");
const REAP: &str = include_str!("queries/leases/reap.sql");
const HAND_BACK: &str = include_str!("queries/leases/hand_back.sql");
const LIST_ATTEMPTS: &str = include_str!("queries/attempts/list.sql");

/// A task instance as finish and reap leave it: what its attempt row records.
#[derive(sqlx::FromRow)]
struct Ended {
    ti_id: i64,
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

async fn end_attempt(tx: &mut sqlx::SqliteConnection, ended: &Ended, now: &str) -> Result<()> {
    sqlx::query(END_ATTEMPT)
        .bind(ended.ti_id)
        .bind(ended.try_number)
        .bind(&ended.state)
        .bind(&ended.reason)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
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
    ti_id: i64,
    token: i64,
    outcome: AttemptOutcome,
    retry_at: Option<DateTime<Utc>>,
) -> Result<TaskState> {
    let now = ts(clock::now());
    let (succeeded, reason) = match outcome {
        AttemptOutcome::Success => (true, None),
        AttemptOutcome::Failed { reason } => (false, Some(reason)),
    };
    let mut tx = db.writer.begin_with("BEGIN IMMEDIATE").await?;
    let rows: Vec<Ended> = sqlx::query_as(FINISH)
        .bind(ti_id)
        .bind(token)
        .bind(succeeded)
        .bind(reason)
        .bind(retry_at.map(ts).unwrap_or_else(|| now.clone()))
        .bind(&now)
        .fetch_all(&mut *tx)
        .await?;
    let [ended] = rows.as_slice() else {
        return Err(StoreError::LeaseLost { ti_id, token });
    };
    let state = ended.state()?;
    end_attempt(&mut tx, ended, &now).await?;
    tx.commit().await?;
    db.wake(StoreEvent::TaskInstances);
    Ok(state)
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
    let [ended] = rows.as_slice() else {
        return Err(StoreError::LeaseLost { ti_id, token });
    };
    end_attempt(&mut tx, ended, &now).await?;
    tx.commit().await?;
    db.wake(StoreEvent::TaskInstances);
    Ok(())
}

pub(super) async fn reap(db: &SqliteStore, now: DateTime<Utc>) -> Result<Vec<ReapedTask>> {
    let now = ts(now);
    let mut tx = db.writer.begin_with("BEGIN IMMEDIATE").await?;
    let rows: Vec<Ended> = sqlx::query_as(REAP).bind(&now).fetch_all(&mut *tx).await?;
    for ended in &rows {
        end_attempt(&mut tx, ended, &now).await?;
    }
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
