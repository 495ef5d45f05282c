//! DAGs, their versions and import errors.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;
use weir_core::diag::Diagnostic;

use super::{SqliteStore, found, json_list, ts, ts_opt};
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
const SYNC_STATE: &str = include_str!("queries/dags/sync_state.sql");
const SYNC_STATES: &str = include_str!("queries/dags/sync_states.sql");
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

pub(super) async fn sync_dags(db: &SqliteStore, batch: &DagSyncBatch<'_>) -> Result<Vec<DagSync>> {
    check_sync_batch(batch.dags)?;
    let ids: Vec<&str> = batch.dags.iter().map(|d| d.dag.dag_id.as_str()).collect();
    // The fast path, on a reader and without the write lock: the parse loop re-syncs every DAG.
    let states: Vec<SyncStateOf> = sqlx::query_as(SYNC_STATES)
        .bind(json_list(&ids)?)
        .fetch_all(&db.reader)
        .await?;
    let mut synced = settled_without_write(batch.dags, states);
    let files: Vec<&str> = batch.dags.iter().map(|d| d.dag.file.as_str()).collect();
    let files = json_list(&files)?;
    let pending: Vec<usize> = (0..synced.len()).filter(|&i| synced[i].is_none()).collect();
    if pending.is_empty() {
        sqlx::query(DELETE_IMPORT_ERRORS_OF_FILES)
            .bind(&files)
            .execute(&db.writer)
            .await?;
    }
    for (n, chunk) in pending.chunks(DAGS_PER_SYNC_TRANSACTION).enumerate() {
        let now = ts(clock::now());
        let mut tx = db.writer.begin_with("BEGIN IMMEDIATE").await?;
        for &i in chunk {
            synced[i] = Some(sync_one(&mut tx, batch.dags[i], batch, &now).await?);
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
    tx: &mut SqliteConnection,
    d: DagToSync<'_>,
    batch: &DagSyncBatch<'_>,
    now: &str,
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
    let state: SyncState = sqlx::query_as(SYNC_STATE)
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

pub(super) async fn deactivate_except(db: &SqliteStore, active_ids: &[String]) -> Result<u64> {
    let done = sqlx::query(DEACTIVATE_EXCEPT)
        .bind(json_list(active_ids)?)
        .bind(ts(clock::now()))
        .execute(&db.writer)
        .await?;
    Ok(done.rows_affected())
}

pub(super) async fn set_paused(db: &SqliteStore, dag_id: &str, paused: bool) -> Result<()> {
    let done = sqlx::query(SET_PAUSED)
        .bind(dag_id)
        .bind(paused)
        .bind(ts(clock::now()))
        .execute(&db.writer)
        .await?;
    found(done.rows_affected(), || format!("DAG `{dag_id}`"))
}

pub(super) async fn get(db: &SqliteStore, dag_id: &str) -> Result<Option<DagRecord>> {
    let row: Option<DagRow> = sqlx::query_as(GET)
        .bind(dag_id)
        .fetch_optional(&db.reader)
        .await?;
    row.map(DagRecord::try_from).transpose()
}

pub(super) async fn list(db: &SqliteStore) -> Result<Vec<DagRecord>> {
    let rows: Vec<DagRow> = sqlx::query_as(LIST).fetch_all(&db.reader).await?;
    convert(rows)
}

pub(super) async fn schedules(db: &SqliteStore) -> Result<Vec<DagSchedule>> {
    let rows: Vec<DagScheduleRow> = sqlx::query_as(SCHEDULES).fetch_all(&db.reader).await?;
    Ok(rows.into_iter().map(DagSchedule::from).collect())
}

pub(super) async fn get_version(db: &SqliteStore, version_id: i64) -> Result<DagVersionRecord> {
    let row: Option<DagVersionRow> = sqlx::query_as(GET_VERSION)
        .bind(version_id)
        .fetch_optional(&db.reader)
        .await?;
    row.ok_or_else(|| StoreError::NotFound(format!("DAG version {version_id}")))?
        .try_into()
}

pub(super) async fn set_scheduled_progress(
    db: &SqliteStore,
    dag_id: &str,
    interval: Option<DataInterval>,
    next_run_after: Option<DateTime<Utc>>,
) -> Result<()> {
    let done = sqlx::query(SET_SCHEDULED_PROGRESS)
        .bind(dag_id)
        .bind(interval.map(|i| ts(i.start)))
        .bind(interval.map(|i| ts(i.end)))
        .bind(ts_opt(next_run_after))
        .bind(ts(clock::now()))
        .execute(&db.writer)
        .await?;
    found(done.rows_affected(), || format!("DAG `{dag_id}`"))
}

pub(super) async fn set_scheduled_progress_many(
    db: &SqliteStore,
    progress: &[ScheduledProgress],
) -> Result<()> {
    if progress.is_empty() {
        return Ok(());
    }
    let now = ts(clock::now());
    let mut tx = db.writer.begin_with("BEGIN IMMEDIATE").await?;
    for p in progress {
        sqlx::query(SET_SCHEDULED_PROGRESS)
            .bind(&p.dag_id)
            .bind(p.interval.map(|i| ts(i.start)))
            .bind(p.interval.map(|i| ts(i.end)))
            .bind(ts_opt(p.next_run_after))
            .bind(&now)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn record_import_error(
    db: &SqliteStore,
    file: &str,
    diagnostics: &[Diagnostic],
) -> Result<()> {
    sqlx::query(UPSERT_IMPORT_ERROR)
        .bind(file)
        .bind(json_list(diagnostics)?)
        .bind(ts(clock::now()))
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub(super) async fn clear_import_error(db: &SqliteStore, file: &str) -> Result<bool> {
    let done = sqlx::query(DELETE_IMPORT_ERROR)
        .bind(file)
        .execute(&db.writer)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn clear_import_errors_except(db: &SqliteStore, files: &[String]) -> Result<u64> {
    let done = sqlx::query(DELETE_IMPORT_ERRORS_EXCEPT)
        .bind(json_list(files)?)
        .execute(&db.writer)
        .await?;
    Ok(done.rows_affected())
}

pub(super) async fn list_import_errors(db: &SqliteStore) -> Result<Vec<ImportErrorRecord>> {
    let rows: Vec<ImportErrorRow> = sqlx::query_as(LIST_IMPORT_ERRORS)
        .fetch_all(&db.reader)
        .await?;
    Ok(rows.into_iter().map(ImportErrorRecord::from).collect())
}
