//! DAGs: list with filters, one with details, pause and unpause, versions and their source.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use weir_core::dag::Dag;
use weir_store::{DagQuery, DagRecord, Role};

use super::dag_page_cache::CachedDagPage;
use super::extract::{ApiJson, ApiQuery, PageParams, check_id, paginate};
use super::problem::Problem;
use super::problem::{ApiError, ApiResult};
use super::views::*;
use crate::app::AppState;
use crate::auth::ApiUser;

/// How many recent runs each DAG of a list carries.
pub const RECENT_RUNS: i64 = 10;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DagFilter {
    /// Only DAGs with this tag.
    pub tag: Option<String>,
    /// Only paused (true) or unpaused (false) DAGs.
    pub paused: Option<bool>,
    /// A case-insensitive part of the DAG id or description.
    pub q: Option<String>,
    /// Also DAGs whose file is gone.
    #[serde(default)]
    pub include_inactive: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The DAGs page's data: a page of DAGs with their recent runs, from the cache of DAG pages
/// while nothing it shows may have changed (see [`super::dag_page_cache`]).
pub async fn dag_page(state: &AppState, filter: &DagFilter) -> ApiResult<Arc<CachedDagPage>> {
    let (limit, offset) = PageParams {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let query = DagQuery {
        tag: filter.tag.clone().filter(|t| !t.is_empty()),
        paused: filter.paused,
        text: filter.q.clone(),
        include_inactive: filter.include_inactive,
        limit,
        offset,
    };
    state
        .dag_pages
        .get(&query, || async {
            CachedDagPage::new(read_dag_page(state, &query).await?)
        })
        .await
}

/// Three queries whatever the number of DAGs: the page and its total, then its DAGs' recent runs.
async fn read_dag_page(state: &AppState, query: &DagQuery) -> ApiResult<Page<DagView>> {
    let (limit, offset) = (query.limit, query.offset);
    let (dags, total) = state.store.list_dags_page(query).await?;
    let ids: Vec<String> = dags.iter().map(|d| d.dag_id.clone()).collect();
    let mut recent: HashMap<String, Vec<RunBrief>> = HashMap::new();
    for r in state.store.recent_runs(&ids, RECENT_RUNS).await? {
        recent
            .entry(r.dag_id.clone())
            .or_default()
            .push((&r).into());
    }
    let items = dags
        .iter()
        .map(|d| DagView::new(d, recent.remove(&d.dag_id).unwrap_or_default()))
        .collect();
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

/// List DAGs, filtered and paged, each with its recent runs.
#[utoipa::path(get, path = "/dags", tag = "dags", params(DagFilter),
    responses((status = 200, body = Page<DagView>), (status = 400, body = Problem), (status = 401, body = Problem)))]
pub async fn list_dags(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(filter): ApiQuery<DagFilter>,
) -> ApiResult<impl IntoResponse> {
    let page = dag_page(&state, &filter).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        page.json.clone(),
    ))
}

/// A DAG that exists, or a 404 that says how to find the DAGs.
pub async fn find_dag(state: &AppState, dag_id: &str) -> ApiResult<DagRecord> {
    check_id("DAG", dag_id)?;
    state.store.get_dag(dag_id).await?.ok_or_else(|| {
        ApiError::NotFound(format!("no DAG `{dag_id}`; GET /api/v1/dags lists them"))
    })
}

/// The DAG's latest version, parsed.
pub async fn latest_dag(state: &AppState, record: &DagRecord) -> ApiResult<std::sync::Arc<Dag>> {
    let id = record.latest_version_id.ok_or_else(|| {
        ApiError::Conflict(format!(
            "DAG `{}` has no loadable version: its file has errors (GET /api/v1/import_errors)",
            record.dag_id
        ))
    })?;
    Ok(state.dag_version(id).await?)
}

pub fn dag_detail(record: &DagRecord, dag: &Dag, recent: Vec<RunBrief>) -> DagDetail {
    let next_runs = dag
        .timetable()
        .upcoming(Utc::now(), 5)
        .into_iter()
        .map(|r| r.logical_date)
        .collect();
    DagDetail {
        dag: DagView::new(record, recent),
        max_active_runs: dag.max_active_runs,
        max_active_tasks: dag.max_active_tasks,
        catchup: dag.catchup,
        params_schema: params_schema(dag),
        tasks: dag
            .tasks
            .iter()
            .map(|t| TaskSummary {
                task_id: t.task_id.to_string(),
                kind: t.kind.type_name().into(),
                needs: t.needs.iter().map(|n| n.to_string()).collect(),
                trigger_rule: serde_json::to_value(t.trigger_rule)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
            })
            .collect(),
        next_runs,
    }
}

/// The DAG's params as a JSON Schema object: what a trigger's conf must fit.
pub fn params_schema(dag: &Dag) -> serde_json::Value {
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    for (name, spec) in &dag.params {
        let mut value = serde_json::to_value(spec).unwrap_or_default();
        if let Some(obj) = value.as_object_mut() {
            for (from, to) in [("min_length", "minLength"), ("max_length", "maxLength")] {
                if let Some(v) = obj.remove(from) {
                    obj.insert(to.into(), v);
                }
            }
        }
        if spec.default.is_none() {
            required.push(serde_json::Value::String(name.clone()));
        }
        properties.insert(name.clone(), value);
    }
    serde_json::json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// A DAG with its schedule, next runs, params schema and tasks.
#[utoipa::path(get, path = "/dags/{dag_id}", tag = "dags",
    params(("dag_id" = String, Path)),
    responses((status = 200, body = DagDetail), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn get_dag(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(dag_id): Path<String>,
) -> ApiResult<axum::Json<DagDetail>> {
    let record = find_dag(&state, &dag_id).await?;
    let dag = latest_dag(&state, &record).await?;
    let recent = state
        .store
        .recent_runs(std::slice::from_ref(&dag_id), RECENT_RUNS)
        .await?
        .iter()
        .map(RunBrief::from)
        .collect();
    Ok(axum::Json(dag_detail(&record, &dag, recent)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DagPatch {
    pub is_paused: bool,
}

/// Pause or unpause a DAG (operator).
#[utoipa::path(patch, path = "/dags/{dag_id}", tag = "dags",
    params(("dag_id" = String, Path)), request_body = DagPatch,
    responses((status = 200, body = DagView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn patch_dag(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(dag_id): Path<String>,
    ApiJson(patch): ApiJson<DagPatch>,
) -> ApiResult<axum::Json<DagView>> {
    user.require(Role::Operator)?;
    find_dag(&state, &dag_id).await?;
    state.store.set_paused(&dag_id, patch.is_paused).await?;
    tracing::info!(dag.id = %dag_id, paused = patch.is_paused, user = %user.name, "DAG paused state set");
    let record = find_dag(&state, &dag_id).await?;
    Ok(axum::Json(DagView::new(&record, Vec::new())))
}

/// A DAG's stored versions, newest first.
#[utoipa::path(get, path = "/dags/{dag_id}/versions", tag = "dags",
    params(PageParams, ("dag_id" = String, Path)),
    responses((status = 200, body = Page<DagVersionView>), (status = 404, body = Problem)))]
pub async fn list_versions(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(dag_id): Path<String>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<Page<DagVersionView>>> {
    find_dag(&state, &dag_id).await?;
    let versions = state.store.list_dag_versions(&dag_id).await?;
    Ok(axum::Json(paginate(
        versions.iter().map(DagVersionView::from).collect(),
        page,
    )?))
}

/// The YAML of a DAG version as it was stored.
pub async fn version_source(
    state: &AppState,
    dag_id: &str,
    version: i32,
) -> ApiResult<DagSourceView> {
    find_dag(state, dag_id).await?;
    let versions = state.store.list_dag_versions(dag_id).await?;
    let info = versions.iter().find(|v| v.version == version).ok_or_else(|| {
        ApiError::NotFound(format!(
            "DAG `{dag_id}` has no version {version}; GET /api/v1/dags/{dag_id}/versions lists them"
        ))
    })?;
    let stored = state.store.get_dag_version(info.id).await?;
    Ok(DagSourceView {
        dag_id: dag_id.into(),
        version,
        file: stored.dag.file.clone(),
        source: stored.source,
    })
}

/// The YAML source of one version of a DAG.
#[utoipa::path(get, path = "/dags/{dag_id}/versions/{version}/source", tag = "dags",
    params(("dag_id" = String, Path), ("version" = i32, Path)),
    responses((status = 200, body = DagSourceView), (status = 404, body = Problem)))]
pub async fn get_version_source(
    State(state): State<AppState>,
    _user: ApiUser,
    Path((dag_id, version)): Path<(String, i32)>,
) -> ApiResult<axum::Json<DagSourceView>> {
    Ok(axum::Json(version_source(&state, &dag_id, version).await?))
}
