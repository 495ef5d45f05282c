//! What a worker does under its lease, and the reaper of expired leases.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use weir_core::state::TaskState;

use crate::clock;
use crate::error::{Result, StoreError};
use crate::model::{AttemptOutcome, AttemptRecord, AttemptReport, ReapedTask};
use crate::rows::{AttemptRow, FinishedRow, ReapedRow, convert};

const MARK_STARTED: &str = include_str!("queries/leases/mark_started.sql");
const HEARTBEAT: &str = include_str!("queries/leases/heartbeat.sql");
const FINISH: &str = include_str!("queries/leases/finish.sql");
const REAP: &str = include_str!("queries/leases/reap.sql");
const HAND_BACK: &str = include_str!("queries/leases/hand_back.sql");
const LIST_ATTEMPTS: &str = include_str!("queries/attempts/list.sql");

pub(super) async fn mark_started(pool: &PgPool, ti_id: i64, token: i64) -> Result<()> {
    let done = sqlx::query(MARK_STARTED)
        .bind(ti_id)
        .bind(token)
        .bind(clock::now())
        .execute(pool)
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::LeaseLost { ti_id, token })
    }
}

pub(super) async fn heartbeat(
    pool: &PgPool,
    worker_id: &str,
    leases: &[(i64, i64)],
    lease: Duration,
) -> Result<Vec<i64>> {
    if leases.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = leases.iter().map(|(id, _)| *id).collect();
    let tokens: Vec<i64> = leases.iter().map(|(_, token)| *token).collect();
    let held: Vec<i64> = sqlx::query_scalar(HEARTBEAT)
        .bind(worker_id)
        .bind(&ids)
        .bind(tokens)
        .bind(clock::add(clock::now(), lease))
        .fetch_all(pool)
        .await?;
    Ok(ids.into_iter().filter(|id| !held.contains(id)).collect())
}

pub(super) async fn finish(
    pool: &PgPool,
    reports: &[AttemptReport],
) -> Result<Vec<Option<TaskState>>> {
    if reports.is_empty() {
        return Ok(Vec::new());
    }
    let now = clock::now();
    let ids: Vec<i64> = reports.iter().map(|r| r.ti_id).collect();
    let tokens: Vec<i64> = reports.iter().map(|r| r.token).collect();
    let succeeded: Vec<bool> = reports
        .iter()
        .map(|r| r.outcome == AttemptOutcome::Success)
        .collect();
    let reasons: Vec<Option<&str>> = reports
        .iter()
        .map(|r| match &r.outcome {
            AttemptOutcome::Success => None,
            AttemptOutcome::Failed { reason } => Some(reason.as_str()),
        })
        .collect();
    let retry_at: Vec<DateTime<Utc>> = reports
        .iter()
        .map(|r| r.retry_at.map(clock::truncate).unwrap_or(now))
        .collect();
    let started_at: Vec<Option<DateTime<Utc>>> = reports
        .iter()
        .map(|r| r.started_at.map(clock::truncate))
        .collect();
    let rows: Vec<FinishedRow> = sqlx::query_as(FINISH)
        .bind(&ids)
        .bind(tokens)
        .bind(succeeded)
        .bind(reasons)
        .bind(retry_at)
        .bind(started_at)
        .bind(now)
        .fetch_all(pool)
        .await?;
    finished_in_order(&ids, rows)
}

/// The new state of each report, in the order of the reports; None for those that did not apply.
fn finished_in_order(ids: &[i64], rows: Vec<FinishedRow>) -> Result<Vec<Option<TaskState>>> {
    let mut states = HashMap::with_capacity(rows.len());
    for row in rows {
        states.insert(row.id, row.state()?);
    }
    Ok(ids.iter().map(|id| states.get(id).copied()).collect())
}

pub(super) async fn hand_back(pool: &PgPool, ti_id: i64, token: i64, reason: &str) -> Result<()> {
    let rows: Vec<(i64,)> = sqlx::query_as(HAND_BACK)
        .bind(ti_id)
        .bind(token)
        .bind(reason)
        .bind(clock::now())
        .fetch_all(pool)
        .await?;
    match rows.as_slice() {
        [_] => Ok(()),
        _ => Err(StoreError::LeaseLost { ti_id, token }),
    }
}

pub(super) async fn reap(pool: &PgPool, now: DateTime<Utc>) -> Result<Vec<ReapedTask>> {
    let rows: Vec<ReapedRow> = sqlx::query_as(REAP)
        .bind(clock::truncate(now))
        .fetch_all(pool)
        .await?;
    convert(rows)
}

pub(super) async fn list_attempts(pool: &PgPool, ti_id: i64) -> Result<Vec<AttemptRecord>> {
    let rows: Vec<AttemptRow> = sqlx::query_as(LIST_ATTEMPTS)
        .bind(ti_id)
        .fetch_all(pool)
        .await?;
    convert(rows)
}
