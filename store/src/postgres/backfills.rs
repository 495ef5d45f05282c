//! Backfills: tracked past date ranges the scheduler drives, and the runs they own.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use crate::clock;
use crate::error::{Result, StoreError};
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

pub(super) async fn create(pool: &PgPool, new: &NewBackfill) -> Result<BackfillRecord> {
    rules::check_new_backfill(new)?;
    let row: Option<BackfillRow> = sqlx::query_as(INSERT)
        .bind(&new.dag_id)
        .bind(clock::truncate(new.from_date))
        .bind(clock::truncate(new.to_date))
        .bind(new.max_active_runs)
        .bind(new.rerun_failed)
        .bind(&new.created_by)
        .bind(clock::now())
        .fetch_optional(pool)
        .await?;
    row.ok_or_else(|| StoreError::NotFound(format!("DAG `{}`", new.dag_id)))?
        .try_into()
}

pub(super) async fn get(pool: &PgPool, id: i64) -> Result<Option<BackfillRecord>> {
    let row: Option<BackfillRow> = sqlx::query_as(GET).bind(id).fetch_optional(pool).await?;
    row.map(BackfillRecord::try_from).transpose()
}

pub(super) async fn list(pool: &PgPool, dag_id: Option<&str>) -> Result<Vec<BackfillRecord>> {
    let rows: Vec<BackfillRow> = sqlx::query_as(LIST).bind(dag_id).fetch_all(pool).await?;
    convert(rows)
}

pub(super) async fn running(pool: &PgPool) -> Result<Vec<BackfillRecord>> {
    let rows: Vec<BackfillRow> = sqlx::query_as(RUNNING).fetch_all(pool).await?;
    convert(rows)
}

/// The notify trigger on `backfills` wakes the schedulers when it moves.
pub(super) async fn set_state(
    pool: &PgPool,
    id: i64,
    from: BackfillState,
    to: BackfillState,
) -> Result<bool> {
    rules::check_backfill_transition(id, from, to)?;
    let done = sqlx::query(SET_STATE)
        .bind(id)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(clock::now())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn runs_between(
    pool: &PgPool,
    dag_id: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<RunRecord>> {
    let rows: Vec<RunRow> = sqlx::query_as(RUNS_BETWEEN)
        .bind(dag_id)
        .bind(clock::truncate(from))
        .bind(clock::truncate(to))
        .fetch_all(pool)
        .await?;
    convert(rows)
}

pub(super) async fn adopt_run(pool: &PgPool, run_pk: i64, backfill_id: i64) -> Result<bool> {
    let done = sqlx::query(ADOPT_RUN)
        .bind(run_pk)
        .bind(backfill_id)
        .execute(pool)
        .await?;
    if done.rows_affected() == 1 {
        return Ok(true);
    }
    let (run_dag, backfill_dag): (Option<String>, Option<String>) = sqlx::query_as(ADOPT_CHECK)
        .bind(run_pk)
        .bind(backfill_id)
        .fetch_one(pool)
        .await?;
    rules::check_adoption(run_pk, backfill_id, run_dag, backfill_dag)
}
