//! The lake's records: dataset versions, validations, feature views, the online store.

use super::{SqliteStore, ts};
use crate::clock;
use crate::data_rows::{DatasetRow, LineageRow, OnlineRow, ValidationRow, VersionRow, ViewRow};
use crate::error::Result;
use crate::model::*;

const RECORD_VERSION: &str = include_str!("queries/lake/record_version.sql");
const LIST_DATASETS: &str = include_str!("queries/lake/list_datasets.sql");
const VERSIONS: &str = include_str!("queries/lake/versions.sql");
const LINEAGE: &str = include_str!("queries/lake/lineage.sql");
const RECORD_VALIDATION: &str = include_str!("queries/lake/record_validation.sql");
const VALIDATION_HISTORY: &str = include_str!("queries/lake/validation_history.sql");
const UPSERT_VIEW: &str = include_str!("queries/lake/upsert_view.sql");
const LIST_VIEWS: &str = include_str!("queries/lake/list_views.sql");
const UPSERT_ONLINE: &str = include_str!("queries/lake/upsert_online.sql");
const GET_ONLINE: &str = include_str!("queries/lake/get_online.sql");

/// Online rows per statement: five parameters each, well within SQLite's 32,766, and one
/// statement per thousand rows instead of one per row.
const ONLINE_ROWS_PER_STATEMENT: usize = 1_000;

pub(super) async fn record_version(db: &SqliteStore, v: &NewDatasetVersion) -> Result<()> {
    sqlx::query(RECORD_VERSION)
        .bind(&v.dataset)
        .bind(v.version)
        .bind(&v.operation)
        .bind(v.rows)
        .bind(v.bytes)
        .bind(v.schema.to_string())
        .bind(&v.dag_id)
        .bind(&v.run_id)
        .bind(&v.task_id)
        .bind(serde_json::to_string(&v.inputs)?)
        .bind(ts(clock::now()))
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub(super) async fn list_datasets(db: &SqliteStore) -> Result<Vec<DatasetRecord>> {
    let rows: Vec<DatasetRow> = sqlx::query_as(LIST_DATASETS).fetch_all(&db.reader).await?;
    Ok(rows.into_iter().map(DatasetRecord::from).collect())
}

pub(super) async fn versions(
    db: &SqliteStore,
    dataset: &str,
    limit: i64,
) -> Result<Vec<DatasetVersionRecord>> {
    let rows: Vec<VersionRow> = sqlx::query_as(VERSIONS)
        .bind(dataset)
        .bind(limit)
        .fetch_all(&db.reader)
        .await?;
    Ok(rows.into_iter().map(DatasetVersionRecord::from).collect())
}

pub(super) async fn lineage(db: &SqliteStore) -> Result<Vec<LineageEdge>> {
    let rows: Vec<LineageRow> = sqlx::query_as(LINEAGE).fetch_all(&db.reader).await?;
    Ok(rows.into_iter().map(LineageEdge::from).collect())
}

pub(super) async fn record_validation(db: &SqliteStore, v: &NewValidation) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(RECORD_VALIDATION)
        .bind(&v.dataset)
        .bind(v.version)
        .bind(&v.scope)
        .bind(&v.dag_id)
        .bind(&v.run_id)
        .bind(&v.task_id)
        .bind(v.try_number)
        .bind(v.success)
        .bind(v.passed)
        .bind(v.failed)
        .bind(v.warned)
        .bind(v.rows)
        .bind(v.results.to_string())
        .bind(ts(clock::now()))
        .fetch_one(&db.writer)
        .await?;
    Ok(id)
}

pub(super) async fn validation_history(
    db: &SqliteStore,
    dataset: &str,
    limit: i64,
) -> Result<Vec<ValidationRecord>> {
    let rows: Vec<ValidationRow> = sqlx::query_as(VALIDATION_HISTORY)
        .bind(dataset)
        .bind(limit)
        .fetch_all(&db.reader)
        .await?;
    Ok(rows.into_iter().map(ValidationRecord::from).collect())
}

pub(super) async fn upsert_view(db: &SqliteStore, v: &FeatureViewInfo) -> Result<()> {
    sqlx::query(UPSERT_VIEW)
        .bind(&v.view)
        .bind(serde_json::to_string(&v.entity)?)
        .bind(serde_json::to_string(&v.features)?)
        .bind(&v.source)
        .bind(ts(v.as_of))
        .bind(v.rows)
        .bind(v.version)
        .bind(&v.dag_id)
        .bind(&v.task_id)
        .bind(ts(clock::now()))
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub(super) async fn list_views(db: &SqliteStore) -> Result<Vec<FeatureViewRecord>> {
    let rows: Vec<ViewRow> = sqlx::query_as(LIST_VIEWS).fetch_all(&db.reader).await?;
    Ok(rows.into_iter().map(FeatureViewRecord::from).collect())
}

pub(super) async fn upsert_online(
    db: &SqliteStore,
    view: &str,
    rows: &[OnlineFeatures],
) -> Result<u64> {
    let now = ts(clock::now());
    let mut tx = db.writer.begin().await?;
    let mut written = 0;
    let full = upsert_online_sql(ONLINE_ROWS_PER_STATEMENT);
    for chunk in rows.chunks(ONLINE_ROWS_PER_STATEMENT) {
        // Full chunks share one prepared statement; a shorter last one is not worth keeping.
        let short;
        let sql: &str = if chunk.len() == ONLINE_ROWS_PER_STATEMENT {
            &full
        } else {
            short = upsert_online_sql(chunk.len());
            &short
        };
        let mut query = sqlx::query(sql).persistent(chunk.len() == ONLINE_ROWS_PER_STATEMENT);
        for r in chunk {
            query = query
                .bind(view)
                .bind(&r.entity_key)
                .bind(r.features.to_string())
                .bind(ts(r.as_of))
                .bind(now.as_str());
        }
        written += query.execute(&mut *tx).await?.rows_affected();
    }
    tx.commit().await?;
    Ok(written)
}

/// The upsert with `rows` rows of parameters.
fn upsert_online_sql(rows: usize) -> String {
    let values = vec!["(?, ?, ?, ?, ?)"; rows].join(", ");
    UPSERT_ONLINE.replace("{rows}", &values)
}

pub(super) async fn get_online(
    db: &SqliteStore,
    view: &str,
    entity_key: &str,
) -> Result<Option<OnlineFeatures>> {
    let row: Option<OnlineRow> = sqlx::query_as(GET_ONLINE)
        .bind(view)
        .bind(entity_key)
        .fetch_optional(&db.reader)
        .await?;
    Ok(row.map(OnlineFeatures::from))
}
