//! The lake's rows as both backends return them (JSON columns decode as `Json` on both).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use crate::model::*;

type Ts = DateTime<Utc>;

#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    dataset: String,
    version: i64,
    operation: String,
    row_count: i64,
    byte_count: i64,
    schema: Json<Value>,
    dag_id: Option<String>,
    run_id: Option<String>,
    task_id: Option<String>,
    inputs: Json<Vec<String>>,
    committed_at: Ts,
}

impl From<VersionRow> for DatasetVersionRecord {
    fn from(r: VersionRow) -> Self {
        DatasetVersionRecord {
            dataset: r.dataset,
            version: r.version,
            operation: r.operation,
            rows: r.row_count,
            bytes: r.byte_count,
            schema: r.schema.0,
            dag_id: r.dag_id,
            run_id: r.run_id,
            task_id: r.task_id,
            inputs: r.inputs.0,
            committed_at: r.committed_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DatasetRow {
    #[sqlx(flatten)]
    latest: VersionRow,
    versions: i64,
}

impl From<DatasetRow> for DatasetRecord {
    fn from(r: DatasetRow) -> Self {
        let latest = DatasetVersionRecord::from(r.latest);
        DatasetRecord {
            dataset: latest.dataset.clone(),
            latest,
            versions: r.versions,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LineageRow {
    input: String,
    dag_id: String,
    task_id: String,
    output: String,
}

impl From<LineageRow> for LineageEdge {
    fn from(r: LineageRow) -> Self {
        LineageEdge {
            input: r.input,
            dag_id: r.dag_id,
            task_id: r.task_id,
            output: r.output,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ValidationRow {
    id: i64,
    dataset: String,
    version: i64,
    scope: String,
    dag_id: Option<String>,
    run_id: Option<String>,
    task_id: Option<String>,
    try_number: Option<i32>,
    success: bool,
    passed: i32,
    failed: i32,
    warned: i32,
    row_count: i64,
    results: Json<Value>,
    validated_at: Ts,
}

impl From<ValidationRow> for ValidationRecord {
    fn from(r: ValidationRow) -> Self {
        ValidationRecord {
            id: r.id,
            validation: NewValidation {
                dataset: r.dataset,
                version: r.version,
                scope: r.scope,
                dag_id: r.dag_id,
                run_id: r.run_id,
                task_id: r.task_id,
                try_number: r.try_number,
                success: r.success,
                passed: r.passed,
                failed: r.failed,
                warned: r.warned,
                rows: r.row_count,
                results: r.results.0,
            },
            validated_at: r.validated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ViewRow {
    view: String,
    entity: Json<Vec<String>>,
    features: Json<Vec<String>>,
    source: Option<String>,
    as_of: Ts,
    row_count: i64,
    version: i64,
    dag_id: Option<String>,
    task_id: Option<String>,
    updated_at: Ts,
}

impl From<ViewRow> for FeatureViewRecord {
    fn from(r: ViewRow) -> Self {
        FeatureViewRecord {
            info: FeatureViewInfo {
                view: r.view,
                entity: r.entity.0,
                features: r.features.0,
                source: r.source,
                as_of: r.as_of,
                rows: r.row_count,
                version: r.version,
                dag_id: r.dag_id,
                task_id: r.task_id,
            },
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OnlineRow {
    entity_key: String,
    features: Json<Value>,
    as_of: Ts,
}

impl From<OnlineRow> for OnlineFeatures {
    fn from(r: OnlineRow) -> Self {
        OnlineFeatures {
            entity_key: r.entity_key,
            features: r.features.0,
            as_of: r.as_of,
        }
    }
}
