//! Workers' and schedulers' heartbeats, and pools.

use super::{SqliteStore, json_list, ts};
use crate::clock;
use crate::error::Result;
use crate::model::{PoolRecord, SchedulerRecord, WorkerInfo, WorkerRecord};
use crate::rows::{PoolRow, SchedulerRow, WorkerRow};
use crate::rules;

const HEARTBEAT_WORKER: &str = include_str!("queries/workers/heartbeat.sql");
const LIST_WORKERS: &str = include_str!("queries/workers/list.sql");
const HEARTBEAT_SCHEDULER: &str = include_str!("queries/schedulers/heartbeat.sql");
const LIST_SCHEDULERS: &str = include_str!("queries/schedulers/list.sql");
const UPSERT_POOL: &str = include_str!("queries/pools/upsert.sql");
const LIST_POOLS: &str = include_str!("queries/pools/list.sql");
const DELETE_POOL: &str = include_str!("queries/pools/delete.sql");

pub(super) async fn heartbeat_worker(db: &SqliteStore, worker: &WorkerInfo) -> Result<()> {
    sqlx::query(HEARTBEAT_WORKER)
        .bind(&worker.worker_id)
        .bind(&worker.hostname)
        .bind(json_list(&worker.queues)?)
        .bind(worker.capacity)
        .bind(&worker.state)
        .bind(ts(clock::now()))
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub(super) async fn list_workers(db: &SqliteStore) -> Result<Vec<WorkerRecord>> {
    let rows: Vec<WorkerRow> = sqlx::query_as(LIST_WORKERS).fetch_all(&db.reader).await?;
    Ok(rows.into_iter().map(WorkerRecord::from).collect())
}

pub(super) async fn heartbeat_scheduler(
    db: &SqliteStore,
    scheduler_id: &str,
    hostname: &str,
) -> Result<()> {
    sqlx::query(HEARTBEAT_SCHEDULER)
        .bind(scheduler_id)
        .bind(hostname)
        .bind(ts(clock::now()))
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub(super) async fn list_schedulers(db: &SqliteStore) -> Result<Vec<SchedulerRecord>> {
    let rows: Vec<SchedulerRow> = sqlx::query_as(LIST_SCHEDULERS)
        .fetch_all(&db.reader)
        .await?;
    Ok(rows.into_iter().map(SchedulerRecord::from).collect())
}

pub(super) async fn upsert_pool(
    db: &SqliteStore,
    name: &str,
    slots: i32,
    description: Option<&str>,
) -> Result<()> {
    rules::check_pool(name, slots)?;
    sqlx::query(UPSERT_POOL)
        .bind(name)
        .bind(slots)
        .bind(description)
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub(super) async fn list_pools(db: &SqliteStore) -> Result<Vec<PoolRecord>> {
    let rows: Vec<PoolRow> = sqlx::query_as(LIST_POOLS).fetch_all(&db.reader).await?;
    Ok(rows.into_iter().map(PoolRecord::from).collect())
}

pub(super) async fn delete_pool(db: &SqliteStore, name: &str) -> Result<bool> {
    crate::rules::check_pool_deletable(name)?;
    let done = sqlx::query(DELETE_POOL)
        .bind(name)
        .execute(&db.writer)
        .await?;
    Ok(done.rows_affected() > 0)
}
