//! The lake as the API shows it: datasets with their versions (the registry), lineage,
//! validation history, feature views, and online feature lookups.

use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::{ApiQuery, PageParams, check_id, paginate};
use super::problem::{ApiError, ApiResult, Problem};
use super::views::Page;
use crate::app::AppState;
use crate::auth::ApiUser;

#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetVersionView {
    pub dataset: String,
    /// The Delta table version.
    pub version: i64,
    pub operation: String,
    pub rows: i64,
    pub bytes: i64,
    #[schema(value_type = Object)]
    pub schema: serde_json::Value,
    pub dag_id: Option<String>,
    pub run_id: Option<String>,
    pub task_id: Option<String>,
    /// The datasets the writing task read.
    pub inputs: Vec<String>,
    pub committed_at: DateTime<Utc>,
}

impl From<&weir_store::DatasetVersionRecord> for DatasetVersionView {
    fn from(v: &weir_store::DatasetVersionRecord) -> Self {
        DatasetVersionView {
            dataset: v.dataset.clone(),
            version: v.version,
            operation: v.operation.clone(),
            rows: v.rows,
            bytes: v.bytes,
            schema: v.schema.clone(),
            dag_id: v.dag_id.clone(),
            run_id: v.run_id.clone(),
            task_id: v.task_id.clone(),
            inputs: v.inputs.clone(),
            committed_at: v.committed_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetView {
    pub dataset: String,
    pub versions: i64,
    pub latest: DatasetVersionView,
}

/// Datasets of the lake with their latest version.
#[utoipa::path(get, path = "/datasets", tag = "data", params(PageParams),
    responses((status = 200, body = Page<DatasetView>), (status = 400, body = Problem)))]
pub async fn list_datasets(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<Page<DatasetView>>> {
    let datasets = state.store.list_datasets().await?;
    let views = datasets
        .iter()
        .map(|d| DatasetView {
            dataset: d.dataset.clone(),
            versions: d.versions,
            latest: (&d.latest).into(),
        })
        .collect();
    Ok(axum::Json(paginate(views, page)?))
}

async fn known_dataset(state: &AppState, name: &str) -> ApiResult<()> {
    check_id("dataset", name)?;
    let datasets = state.store.list_datasets().await?;
    if datasets.iter().any(|d| d.dataset == name) {
        return Ok(());
    }
    let known: Vec<&str> = datasets.iter().map(|d| d.dataset.as_str()).collect();
    Err(ApiError::NotFound(format!(
        "no dataset `{name}`; the lake has {}",
        if known.is_empty() {
            "none yet".to_string()
        } else {
            known.join(", ")
        }
    )))
}

/// A dataset's versions, newest first: read any of them with `as of version N`.
#[utoipa::path(get, path = "/datasets/{dataset}/versions", tag = "data",
    params(("dataset" = String, Path), PageParams),
    responses((status = 200, body = Page<DatasetVersionView>), (status = 404, body = Problem)))]
pub async fn list_versions(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(dataset): Path<String>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<Page<DatasetVersionView>>> {
    known_dataset(&state, &dataset).await?;
    let versions = state.store.dataset_versions(&dataset, 10_000).await?;
    Ok(axum::Json(paginate(
        versions.iter().map(DatasetVersionView::from).collect(),
        page,
    )?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationView {
    pub id: i64,
    pub dataset: String,
    pub version: i64,
    /// `latest` or `batch`.
    pub scope: String,
    pub dag_id: Option<String>,
    pub run_id: Option<String>,
    pub task_id: Option<String>,
    pub success: bool,
    pub passed: i32,
    pub failed: i32,
    pub warned: i32,
    pub rows: i64,
    /// Per expectation: passed, observed value, unexpected count and percent, sample rows.
    #[schema(value_type = Object)]
    pub results: serde_json::Value,
    pub validated_at: DateTime<Utc>,
}

/// A dataset's validation reports, newest first.
#[utoipa::path(get, path = "/datasets/{dataset}/validations", tag = "data",
    params(("dataset" = String, Path), PageParams),
    responses((status = 200, body = Page<ValidationView>), (status = 404, body = Problem)))]
pub async fn list_validations(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(dataset): Path<String>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<Page<ValidationView>>> {
    known_dataset(&state, &dataset).await?;
    let history = state.store.validation_history(&dataset, 10_000).await?;
    let views = history
        .iter()
        .map(|v| ValidationView {
            id: v.id,
            dataset: v.validation.dataset.clone(),
            version: v.validation.version,
            scope: v.validation.scope.clone(),
            dag_id: v.validation.dag_id.clone(),
            run_id: v.validation.run_id.clone(),
            task_id: v.validation.task_id.clone(),
            success: v.validation.success,
            passed: v.validation.passed,
            failed: v.validation.failed,
            warned: v.validation.warned,
            rows: v.validation.rows,
            results: v.validation.results.clone(),
            validated_at: v.validated_at,
        })
        .collect();
    Ok(axum::Json(paginate(views, page)?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineageEdgeView {
    pub input: String,
    pub dag_id: String,
    pub task_id: String,
    pub output: String,
}

/// Lineage: each dataset a task read, and the dataset it wrote.
#[utoipa::path(get, path = "/lineage", tag = "data",
    responses((status = 200, body = Vec<LineageEdgeView>)))]
pub async fn lineage(
    State(state): State<AppState>,
    _user: ApiUser,
) -> ApiResult<axum::Json<Vec<LineageEdgeView>>> {
    let edges = state.store.lineage().await?;
    Ok(axum::Json(
        edges
            .into_iter()
            .map(|e| LineageEdgeView {
                input: e.input,
                dag_id: e.dag_id,
                task_id: e.task_id,
                output: e.output,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureViewView {
    pub view: String,
    pub entity: Vec<String>,
    pub features: Vec<String>,
    pub source: Option<String>,
    /// The newest as-of time materialized.
    pub as_of: DateTime<Utc>,
    pub rows: i64,
    pub updated_at: DateTime<Utc>,
    /// Seconds since `as_of`.
    pub staleness_s: f64,
}

/// Feature views with their freshness.
#[utoipa::path(get, path = "/features", tag = "data", params(PageParams),
    responses((status = 200, body = Page<FeatureViewView>), (status = 400, body = Problem)))]
pub async fn list_views(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<Page<FeatureViewView>>> {
    let now = Utc::now();
    let views = state
        .store
        .list_feature_views()
        .await?
        .into_iter()
        .map(|v| FeatureViewView {
            staleness_s: (now - v.info.as_of).num_milliseconds() as f64 / 1000.0,
            view: v.info.view,
            entity: v.info.entity,
            features: v.info.features,
            source: v.info.source,
            as_of: v.info.as_of,
            rows: v.info.rows,
            updated_at: v.updated_at,
        })
        .collect();
    Ok(axum::Json(paginate(views, page)?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OnlineFeaturesView {
    pub view: String,
    /// The entity key; several key columns are joined by `|`.
    pub entity: String,
    #[schema(value_type = Object)]
    pub features: serde_json::Value,
    pub as_of: DateTime<Utc>,
}

/// One entity's latest feature values from the online store.
#[utoipa::path(get, path = "/features/{view}/{entity}", tag = "data",
    params(("view" = String, Path), ("entity" = String, Path)),
    responses((status = 200, body = OnlineFeaturesView), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn online(
    State(state): State<AppState>,
    _user: ApiUser,
    Path((view, entity)): Path<(String, String)>,
) -> ApiResult<axum::Json<OnlineFeaturesView>> {
    check_id("feature view", &view)?;
    if entity.is_empty() || entity.len() > 512 || entity.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(
            "the entity key must be 1 to 512 printable characters".into(),
        ));
    }
    let found = state.store.online_features(&view, &entity).await?;
    let Some(found) = found else {
        let views = state.store.list_feature_views().await?;
        return Err(if views.iter().any(|v| v.info.view == view) {
            ApiError::NotFound(format!(
                "feature view `{view}` has no values for entity `{entity}`"
            ))
        } else {
            let known: Vec<String> = views.into_iter().map(|v| v.info.view).collect();
            ApiError::NotFound(format!(
                "no feature view `{view}`; known: {}",
                if known.is_empty() {
                    "none yet".into()
                } else {
                    known.join(", ")
                }
            ))
        });
    };
    Ok(axum::Json(OnlineFeaturesView {
        view,
        entity: found.entity_key,
        features: found.features,
        as_of: found.as_of,
    }))
}
