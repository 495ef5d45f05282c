//! The API's and the dashboard's lists: filtered pages with totals, grid data, counts.

use chrono::{DateTime, Utc};
use weir_core::state::TaskState;

use super::{SqliteStore, json_list, ts};
use crate::clock;
use crate::error::Result;
use crate::events::StoreEvent;
use crate::model::{
    DagQuery, DagRecord, DagVersionInfo, RecentRun, RunQuery, RunRecord, StateCounts,
    TaskInstanceRecord,
};
use crate::rows::{
    DagRow, DagVersionInfoRow, RecentRunRow, RunRow, TaskInstanceRow, convert, state_counts,
};
use crate::rules::{check_mark, text_filter};

const DAGS: &str = include_str!("queries/pages/dags.sql");
const DAGS_COUNT: &str = include_str!("queries/pages/dags_count.sql");
const RECENT_RUNS: &str = include_str!("queries/pages/recent_runs.sql");
const DAG_VERSIONS: &str = include_str!("queries/pages/dag_versions.sql");
const RUNS: &str = include_str!("queries/pages/runs.sql");
const RUNS_COUNT: &str = include_str!("queries/pages/runs_count.sql");
const TASK_INSTANCES_OF_RUNS: &str = include_str!("queries/pages/task_instances_of_runs.sql");
const MARK_TASK_INSTANCES: &str = include_str!("queries/pages/mark_task_instances.sql");
const CLOSE_MARKED_ATTEMPTS: &str = include_str!("queries/pages/close_marked_attempts.sql");
const REOPEN_RUN: &str = include_str!("queries/pages/reopen_run.sql");
const RUN_STATE_COUNTS: &str = include_str!("queries/pages/run_state_counts.sql");
const TASK_STATE_COUNTS: &str = include_str!("queries/pages/task_state_counts.sql");
const ATTEMPT_COUNT: &str = include_str!("queries/pages/attempt_count.sql");
const STARTED_SINCE: &str = include_str!("queries/pages/started_since.sql");
const RUNNING_BY_WORKER: &str = include_str!("queries/pages/running_by_worker.sql");

pub(super) async fn dags_page(db: &SqliteStore, q: &DagQuery) -> Result<(Vec<DagRecord>, i64)> {
    let text = text_filter(q.text.as_deref());
    let rows: Vec<DagRow> = sqlx::query_as(DAGS)
        .bind(q.tag.as_deref())
        .bind(q.paused)
        .bind(text.as_deref())
        .bind(q.include_inactive)
        .bind(q.limit.max(0))
        .bind(q.offset.max(0))
        .fetch_all(&db.reader)
        .await?;
    let total: i64 = sqlx::query_scalar(DAGS_COUNT)
        .bind(q.tag.as_deref())
        .bind(q.paused)
        .bind(text.as_deref())
        .bind(q.include_inactive)
        .fetch_one(&db.reader)
        .await?;
    Ok((convert(rows)?, total))
}

pub(super) async fn recent_runs(
    db: &SqliteStore,
    dag_ids: &[String],
    per_dag: i64,
) -> Result<Vec<RecentRun>> {
    let rows: Vec<RecentRunRow> = sqlx::query_as(RECENT_RUNS)
        .bind(json_list(dag_ids)?)
        .bind(per_dag.max(0))
        .fetch_all(&db.reader)
        .await?;
    convert(rows)
}

pub(super) async fn dag_versions(db: &SqliteStore, dag_id: &str) -> Result<Vec<DagVersionInfo>> {
    let rows: Vec<DagVersionInfoRow> = sqlx::query_as(DAG_VERSIONS)
        .bind(dag_id)
        .fetch_all(&db.reader)
        .await?;
    Ok(rows.into_iter().map(DagVersionInfo::from).collect())
}

pub(super) async fn runs_page(db: &SqliteStore, q: &RunQuery) -> Result<(Vec<RunRecord>, i64)> {
    let state = q.state.map(|s| s.as_str());
    let rows: Vec<RunRow> = sqlx::query_as(RUNS)
        .bind(q.dag_id.as_deref())
        .bind(state)
        .bind(q.limit.max(0))
        .bind(q.offset.max(0))
        .fetch_all(&db.reader)
        .await?;
    let total: i64 = sqlx::query_scalar(RUNS_COUNT)
        .bind(q.dag_id.as_deref())
        .bind(state)
        .fetch_one(&db.reader)
        .await?;
    Ok((convert(rows)?, total))
}

pub(super) async fn task_instances_of_runs(
    db: &SqliteStore,
    run_pks: &[i64],
) -> Result<Vec<TaskInstanceRecord>> {
    let rows: Vec<TaskInstanceRow> = sqlx::query_as(TASK_INSTANCES_OF_RUNS)
        .bind(json_list(run_pks)?)
        .fetch_all(&db.reader)
        .await?;
    convert(rows)
}

pub(super) async fn mark_task_instances(
    db: &SqliteStore,
    run_pk: i64,
    task_ids: &[String],
    to: TaskState,
    reason: &str,
) -> Result<u64> {
    check_mark(to)?;
    let now = clock::now();
    let mut tx = db.writer.begin_with("BEGIN IMMEDIATE").await?;
    let ids: Vec<i64> = sqlx::query_scalar(MARK_TASK_INSTANCES)
        .bind(run_pk)
        .bind(json_list(task_ids)?)
        .bind(to.as_str())
        .bind(reason)
        .bind(ts(now))
        .fetch_all(&mut *tx)
        .await?;
    if !ids.is_empty() {
        sqlx::query(CLOSE_MARKED_ATTEMPTS)
            .bind(json_list(&ids)?)
            .bind(to.as_str())
            .bind(reason)
            .bind(ts(now))
            .execute(&mut *tx)
            .await?;
        sqlx::query(REOPEN_RUN)
            .bind(run_pk)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    if !ids.is_empty() {
        db.wake(StoreEvent::TaskInstances);
        db.wake(StoreEvent::DagRuns);
    }
    Ok(ids.len() as u64)
}

pub(super) async fn count_states(db: &SqliteStore) -> Result<StateCounts> {
    let runs: Vec<(String, i64)> = sqlx::query_as(RUN_STATE_COUNTS)
        .fetch_all(&db.reader)
        .await?;
    let tis: Vec<(String, i64)> = sqlx::query_as(TASK_STATE_COUNTS)
        .fetch_all(&db.reader)
        .await?;
    let attempts: i64 = sqlx::query_scalar(ATTEMPT_COUNT)
        .fetch_one(&db.reader)
        .await?;
    state_counts(runs, tis, attempts)
}

pub(super) async fn started_since(
    db: &SqliteStore,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<TaskInstanceRecord>> {
    let rows: Vec<TaskInstanceRow> = sqlx::query_as(STARTED_SINCE)
        .bind(ts(since))
        .bind(limit.max(0))
        .fetch_all(&db.reader)
        .await?;
    convert(rows)
}

pub(super) async fn running_by_worker(db: &SqliteStore) -> Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(RUNNING_BY_WORKER)
        .fetch_all(&db.reader)
        .await?)
}
