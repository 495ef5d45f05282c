//! The lake's records: dataset versions, validations, feature views, the online store.

use sqlx::PgPool;
use sqlx::types::Json;

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

/// Online rows per statement: arrays this long bind quickly and keep statements short.
const ONLINE_CHUNK: usize = 10_000;

pub(super) async fn record_version(pool: &PgPool, v: &NewDatasetVersion) -> Result<()> {
    sqlx::query(RECORD_VERSION)
        .bind(&v.dataset)
        .bind(v.version)
        .bind(&v.operation)
        .bind(v.rows)
        .bind(v.bytes)
        .bind(Json(&v.schema))
        .bind(&v.dag_id)
        .bind(&v.run_id)
        .bind(&v.task_id)
        .bind(Json(&v.inputs))
        .bind(clock::now())
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn list_datasets(pool: &PgPool) -> Result<Vec<DatasetRecord>> {
    let rows: Vec<DatasetRow> = sqlx::query_as(LIST_DATASETS).fetch_all(pool).await?;
    Ok(rows.into_iter().map(DatasetRecord::from).collect())
}

pub(super) async fn versions(
    pool: &PgPool,
    dataset: &str,
    limit: i64,
) -> Result<Vec<DatasetVersionRecord>> {
    let rows: Vec<VersionRow> = sqlx::query_as(VERSIONS)
        .bind(dataset)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(DatasetVersionRecord::from).collect())
}

pub(super) async fn lineage(pool: &PgPool) -> Result<Vec<LineageEdge>> {
    let rows: Vec<LineageRow> = sqlx::query_as(LINEAGE).fetch_all(pool).await?;
    Ok(rows.into_iter().map(LineageEdge::from).collect())
}

pub(super) async fn record_validation(pool: &PgPool, v: &NewValidation) -> Result<i64> {
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
        .bind(Json(&v.results))
        .bind(clock::now())
        .fetch_one(pool)
        .await?;
    Ok(id)
}

pub(super) async fn validation_history(
    pool: &PgPool,
    dataset: &str,
    limit: i64,
) -> Result<Vec<ValidationRecord>> {
    let rows: Vec<ValidationRow> = sqlx::query_as(VALIDATION_HISTORY)
        .bind(dataset)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(ValidationRecord::from).collect())
}

pub(super) async fn upsert_view(pool: &PgPool, v: &FeatureViewInfo) -> Result<()> {
    sqlx::query(UPSERT_VIEW)
        .bind(&v.view)
        .bind(Json(&v.entity))
        .bind(Json(&v.features))
        .bind(&v.source)
        .bind(clock::truncate(v.as_of))
        .bind(v.rows)
        .bind(v.version)
        .bind(&v.dag_id)
        .bind(&v.task_id)
        .bind(clock::now())
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn list_views(pool: &PgPool) -> Result<Vec<FeatureViewRecord>> {
    let rows: Vec<ViewRow> = sqlx::query_as(LIST_VIEWS).fetch_all(pool).await?;
    Ok(rows.into_iter().map(FeatureViewRecord::from).collect())
}

pub(super) async fn upsert_online(
    pool: &PgPool,
    view: &str,
    rows: &[OnlineFeatures],
) -> Result<u64> {
    let now = clock::now();
    let mut tx = pool.begin().await?;
    let mut written = 0;
    for chunk in rows.chunks(ONLINE_CHUNK) {
        let keys: Vec<&str> = chunk.iter().map(|r| r.entity_key.as_str()).collect();
        let values: Vec<String> = chunk.iter().map(|r| r.features.to_string()).collect();
        let as_of: Vec<_> = chunk.iter().map(|r| clock::truncate(r.as_of)).collect();
        written += sqlx::query(UPSERT_ONLINE)
            .bind(view)
            .bind(&keys)
            .bind(&values)
            .bind(&as_of)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    tx.commit().await?;
    Ok(written)
}

pub(super) async fn get_online(
    pool: &PgPool,
    view: &str,
    entity_key: &str,
) -> Result<Option<OnlineFeatures>> {
    let row: Option<OnlineRow> = sqlx::query_as(GET_ONLINE)
        .bind(view)
        .bind(entity_key)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(OnlineFeatures::from))
}
