//! DAGs, their versions and import errors.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use weir_core::diag::Diagnostic;

use super::found;
use crate::clock;
use crate::error::{Result, StoreError};
use crate::model::{
    DagRecord, DagSchedule, DagSync, DagSyncBatch, DagToSync, DagVersionRecord, DataInterval,
    ImportErrorRecord, ScheduledProgress,
};
use crate::rows::{DagRow, DagScheduleRow, DagVersionRow, ImportErrorRow, convert};
use crate::rules::{
    DAGS_PER_SYNC_TRANSACTION, SyncState, SyncStateOf, check_sync_batch, same_version_or_next,
    settled_without_write, unchanged,
};

const INSERT_IF_ABSENT: &str = include_str!("queries/dags/insert_if_absent.sql");
const SYNC_STATES: &str = include_str!("queries/dags/sync_states.sql");
const SYNC_STATE_LOCKED: &str = include_str!("queries/dags/sync_state_locked.sql");
const INSERT_VERSION: &str = include_str!("queries/dags/insert_version.sql");
const MARK_SYNCED: &str = include_str!("queries/dags/mark_synced.sql");
const DEACTIVATE_EXCEPT: &str = include_str!("queries/dags/deactivate_except.sql");
const SET_PAUSED: &str = include_str!("queries/dags/set_paused.sql");
const GET: &str = include_str!("queries/dags/get.sql");
const LIST: &str = include_str!("queries/dags/list.sql");
const SCHEDULES: &str = include_str!("queries/dags/schedules.sql");
const GET_VERSION: &str = include_str!("queries/dags/get_version.sql");
const SET_SCHEDULED_PROGRESS: &str = include_str!("queries/dags/set_scheduled_progress.sql");
const UPSERT_IMPORT_ERROR: &str = include_str!("queries/import_errors/upsert.sql");
const DELETE_IMPORT_ERROR: &str = include_str!("queries/import_errors/delete.sql");
const DELETE_IMPORT_ERRORS_OF_FILES: &str = include_str!("queries/import_errors/delete_files.sql");
const DELETE_IMPORT_ERRORS_EXCEPT: &str = include_str!("queries/import_errors/delete_except.sql");
const LIST_IMPORT_ERRORS: &str = include_str!("queries/import_errors/list.sql");

pub(super) async fn sync_dags(pool: &PgPool, batch: &DagSyncBatch<'_>) -> Result<Vec<DagSync>> {
    check_sync_batch(batch.dags)?;
    let ids: Vec<&str> = batch.dags.iter().map(|d| d.dag.dag_id.as_str()).collect();
    // The fast path, without a lock or a write: the parse loop re-syncs every DAG it reads.
    let states: Vec<SyncStateOf> = sqlx::query_as(SYNC_STATES)
        .bind(&ids)
        .fetch_all(pool)
        .await?;
    let mut synced = settled_without_write(batch.dags, states);
    let files: Vec<&str> = batch.dags.iter().map(|d| d.dag.file.as_str()).collect();
    let pending: Vec<usize> = (0..synced.len()).filter(|&i| synced[i].is_none()).collect();
    if pending.is_empty() {
        sqlx::query(DELETE_IMPORT_ERRORS_OF_FILES)
            .bind(&files)
            .execute(pool)
            .await?;
    }
    for (n, chunk) in pending.chunks(DAGS_PER_SYNC_TRANSACTION).enumerate() {
        let now = clock::now();
        let mut tx = pool.begin().await?;
        for &i in chunk {
            let d = batch.dags[i];
            synced[i] = Some(sync_one(&mut tx, d, batch, now).await?);
        }
        if n == 0 {
            sqlx::query(DELETE_IMPORT_ERRORS_OF_FILES)
                .bind(&files)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    Ok(synced.into_iter().flatten().collect())
}

/// One DAG of a batch, inside the batch's transaction.
async fn sync_one(
    tx: &mut PgConnection,
    d: DagToSync<'_>,
    batch: &DagSyncBatch<'_>,
    now: DateTime<Utc>,
) -> Result<DagSync> {
    let dag = d.dag;
    let dag_id = dag.dag_id.as_str();
    sqlx::query(INSERT_IF_ABSENT)
        .bind(dag_id)
        .bind(&dag.file)
        .bind(batch.paused_on_create)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let state: SyncState = sqlx::query_as(SYNC_STATE_LOCKED)
        .bind(dag_id)
        .fetch_one(&mut *tx)
        .await?;
    if let Some(done) = unchanged(&state, dag) {
        return Ok(done);
    }
    let result = match same_version_or_next(&state, dag) {
        Ok(same) => same,
        Err(version) => {
            let id: i64 = sqlx::query_scalar(INSERT_VERSION)
                .bind(dag_id)
                .bind(version)
                .bind(&dag.content_hash)
                .bind(d.source)
                .bind(serde_json::to_string(dag)?)
                .bind(batch.git_commit)
                .bind(now)
                .bind(dag.description.as_deref())
                .bind(dag.owner.as_deref())
                .bind(serde_json::to_string(&dag.tags)?)
                .bind(dag.schedule.source())
                .bind(dag.timezone.name())
                .fetch_one(&mut *tx)
                .await?;
            DagSync {
                version_id: id,
                version,
                created_new_version: true,
            }
        }
    };
    sqlx::query(MARK_SYNCED)
        .bind(dag_id)
        .bind(&dag.file)
        .bind(result.version_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(result)
}

pub(super) async fn deactivate_except(pool: &PgPool, active_ids: &[String]) -> Result<u64> {
    let done = sqlx::query(DEACTIVATE_EXCEPT)
        .bind(active_ids)
        .bind(clock::now())
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

pub(super) async fn set_paused(pool: &PgPool, dag_id: &str, paused: bool) -> Result<()> {
    let done = sqlx::query(SET_PAUSED)
        .bind(dag_id)
        .bind(paused)
        .bind(clock::now())
        .execute(pool)
        .await?;
    found(done.rows_affected(), || format!("DAG `{dag_id}`"))
}

pub(super) async fn get(pool: &PgPool, dag_id: &str) -> Result<Option<DagRecord>> {
    let row: Option<DagRow> = sqlx::query_as(GET)
        .bind(dag_id)
        .fetch_optional(pool)
        .await?;
    row.map(DagRecord::try_from).transpose()
}

pub(super) async fn list(pool: &PgPool) -> Result<Vec<DagRecord>> {
    let rows: Vec<DagRow> = sqlx::query_as(LIST).fetch_all(pool).await?;
    convert(rows)
}

pub(super) async fn schedules(pool: &PgPool) -> Result<Vec<DagSchedule>> {
    let rows: Vec<DagScheduleRow> = sqlx::query_as(SCHEDULES).fetch_all(pool).await?;
    Ok(rows.into_iter().map(DagSchedule::from).collect())
}

pub(super) async fn get_version(pool: &PgPool, version_id: i64) -> Result<DagVersionRecord> {
    let row: Option<DagVersionRow> = sqlx::query_as(GET_VERSION)
        .bind(version_id)
        .fetch_optional(pool)
        .await?;
    row.ok_or_else(|| StoreError::NotFound(format!("DAG version {version_id}")))?
        .try_into()
}

pub(super) async fn set_scheduled_progress(
    pool: &PgPool,
    dag_id: &str,
    interval: Option<DataInterval>,
    next_run_after: Option<DateTime<Utc>>,
) -> Result<()> {
    let done = sqlx::query(SET_SCHEDULED_PROGRESS)
        .bind(dag_id)
        .bind(interval.map(|i| i.start))
        .bind(interval.map(|i| i.end))
        .bind(next_run_after)
        .bind(clock::now())
        .execute(pool)
        .await?;
    found(done.rows_affected(), || format!("DAG `{dag_id}`"))
}

pub(super) async fn set_scheduled_progress_many(
    pool: &PgPool,
    progress: &[ScheduledProgress],
) -> Result<()> {
    if progress.is_empty() {
        return Ok(());
    }
    let now = clock::now();
    let mut tx = pool.begin().await?;
    for p in progress {
        sqlx::query(SET_SCHEDULED_PROGRESS)
            .bind(&p.dag_id)
            .bind(p.interval.map(|i| i.start))
            .bind(p.interval.map(|i| i.end))
            .bind(p.next_run_after)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn record_import_error(
    pool: &PgPool,
    file: &str,
    diagnostics: &[Diagnostic],
) -> Result<()> {
    sqlx::query(UPSERT_IMPORT_ERROR)
        .bind(file)
        .bind(Json(diagnostics))
        .bind(clock::now())
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn clear_import_error(pool: &PgPool, file: &str) -> Result<bool> {
    let done = sqlx::query(DELETE_IMPORT_ERROR)
        .bind(file)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn clear_import_errors_except(pool: &PgPool, files: &[String]) -> Result<u64> {
    let done = sqlx::query(DELETE_IMPORT_ERRORS_EXCEPT)
        .bind(files)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

pub(super) async fn list_import_errors(pool: &PgPool) -> Result<Vec<ImportErrorRecord>> {
    let rows: Vec<ImportErrorRow> = sqlx::query_as(LIST_IMPORT_ERRORS).fetch_all(pool).await?;
    Ok(rows.into_iter().map(ImportErrorRecord::from).collect())
}
