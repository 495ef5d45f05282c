//! Backfills: tracked past date ranges the scheduler drives, and the runs they own.

use chrono::{DateTime, Utc};

use super::{SqliteStore, ts};
use crate::clock;
use crate::error::{Result, StoreError};
use crate::events::StoreEvent;
use crate::model::{BackfillRecord, BackfillState, NewBackfill, RunRecord};
use crate::rows::{BackfillRow, RunRow, convert};
use crate::rules;

const INSERT: &str = include_str!("queries/backfills/insert.sql");
const GET: &str = include_str!("queries/backfills/get.sql");
const LIST: &str = include_str!("queries/backfills/list.sql");
const RUNNING: &str = include_str!("queries/backfills/running.sql");
const SET_STATE: &str = include_str!("queries/backfills/set_state.sql");
const RUNS_BETWEEN: &str = include_str!("queries/backfills/runs_between.sql");
const ADOPT_RUN: &str = include_str!("queries/backfills/adopt_run.sql");
const ADOPT_CHECK: &str = include_str!("queries/backfills/adopt_check.sql");

/// Wakes the schedulers: a new backfill is theirs to drive.
pub(super) async fn create(db: &SqliteStore, new: &NewBackfill) -> Result<BackfillRecord> {
    rules::check_new_backfill(new)?;
    let row: Option<BackfillRow> = sqlx::query_as(INSERT)
        .bind(&new.dag_id)
        .bind(ts(new.from_date))
        .bind(ts(new.to_date))
        .bind(new.max_active_runs)
        .bind(new.rerun_failed)
        .bind(&new.created_by)
        .bind(ts(clock::now()))
        .fetch_optional(&db.writer)
        .await?;
    let record = row
        .ok_or_else(|| StoreError::NotFound(format!("DAG `{}`", new.dag_id)))?
        .try_into()?;
    db.wake(StoreEvent::DagRuns);
    Ok(record)
}

pub(super) async fn get(db: &SqliteStore, id: i64) -> Result<Option<BackfillRecord>> {
    let row: Option<BackfillRow> = sqlx::query_as(GET)
        .bind(id)
        .fetch_optional(&db.reader)
        .await?;
    row.map(BackfillRecord::try_from).transpose()
}

pub(super) async fn list(db: &SqliteStore, dag_id: Option<&str>) -> Result<Vec<BackfillRecord>> {
    let rows: Vec<BackfillRow> = sqlx::query_as(LIST)
        .bind(dag_id)
        .fetch_all(&db.reader)
        .await?;
    convert(rows)
}

pub(super) async fn running(db: &SqliteStore) -> Result<Vec<BackfillRecord>> {
    let rows: Vec<BackfillRow> = sqlx::query_as(RUNNING).fetch_all(&db.reader).await?;
    convert(rows)
}

/// Wakes the schedulers when it moves.
pub(super) async fn set_state(
    db: &SqliteStore,
    id: i64,
    from: BackfillState,
    to: BackfillState,
) -> Result<bool> {
    rules::check_backfill_transition(id, from, to)?;
    let done = sqlx::query(SET_STATE)
        .bind(id)
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

pub(super) async fn runs_between(
    db: &SqliteStore,
    dag_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<RunRecord>> {
    let rows: Vec<RunRow> = sqlx::query_as(RUNS_BETWEEN)
        .bind(dag_id)
        .bind(ts(from))
        .bind(ts(to))
        .fetch_all(&db.reader)
        .await?;
    convert(rows)
}

pub(super) async fn adopt_run(db: &SqliteStore, run_pk: i64, backfill_id: i64) -> Result<bool> {
    let done = sqlx::query(ADOPT_RUN)
        .bind(run_pk)
        .bind(backfill_id)
        .execute(&db.writer)
        .await?;
    if done.rows_affected() == 1 {
        return Ok(true);
    }
    let (run_dag, backfill_dag): (Option<String>, Option<String>) = sqlx::query_as(ADOPT_CHECK)
        .bind(run_pk)
        .bind(backfill_id)
        .fetch_one(&db.writer)
        .await?;
    rules::check_adoption(run_pk, backfill_id, run_dag, backfill_dag)
}
