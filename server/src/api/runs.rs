//! Runs: list, get, trigger (idempotent with a run id), clear and mark their task instances.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use weir_core::state::{RunState, TaskState};
use weir_scheduler::{TriggerError, TriggerRequest, trigger_run};
use weir_store::{CreateRun, Role, RunQuery, RunRecord};

use super::dags::find_dag;
use super::extract::{ApiJson, ApiQuery, PageParams, check_id, check_run_id};
use super::problem::Problem;
use super::problem::{ApiError, ApiResult, FieldError};
use super::views::*;
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::ops::{ClearSpec, clear_task_instances};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunFilter {
    /// queued, running, success or failed.
    pub state: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn parse_run_state(text: Option<&str>) -> ApiResult<Option<RunState>> {
    text.filter(|s| !s.is_empty())
        .map(|s| {
            RunState::parse(s).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "state={s}: a run is queued, running, success or failed"
                ))
            })
        })
        .transpose()
}

/// A page of runs, newest first.
pub async fn run_page(
    state: &AppState,
    dag_id: Option<&str>,
    filter: &RunFilter,
) -> ApiResult<Page<RunView>> {
    let (limit, offset) = PageParams {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let query = RunQuery {
        dag_id: dag_id.map(String::from),
        state: parse_run_state(filter.state.as_deref())?,
        limit,
        offset,
    };
    let (runs, total) = state.store.list_runs_page(&query).await?;
    Ok(Page {
        items: runs.iter().map(RunView::from).collect(),
        total,
        limit,
        offset,
    })
}

/// Runs of every DAG, newest logical date first.
#[utoipa::path(get, path = "/runs", tag = "runs", params(RunFilter),
    responses((status = 200, body = Page<RunView>), (status = 400, body = Problem)))]
pub async fn list_all_runs(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(filter): ApiQuery<RunFilter>,
) -> ApiResult<axum::Json<Page<RunView>>> {
    Ok(axum::Json(run_page(&state, None, &filter).await?))
}

/// Runs of one DAG, newest logical date first.
#[utoipa::path(get, path = "/dags/{dag_id}/runs", tag = "runs",
    params(("dag_id" = String, Path), RunFilter),
    responses((status = 200, body = Page<RunView>), (status = 404, body = Problem)))]
pub async fn list_runs(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(dag_id): Path<String>,
    ApiQuery(filter): ApiQuery<RunFilter>,
) -> ApiResult<axum::Json<Page<RunView>>> {
    find_dag(&state, &dag_id).await?;
    Ok(axum::Json(run_page(&state, Some(&dag_id), &filter).await?))
}

/// A run that exists, or a 404.
pub async fn find_run(state: &AppState, dag_id: &str, run_id: &str) -> ApiResult<RunRecord> {
    check_id("DAG", dag_id)?;
    check_run_id(run_id)?;
    state.store.get_run(dag_id, run_id).await?.ok_or_else(|| {
        ApiError::NotFound(format!(
            "no run `{run_id}` of DAG `{dag_id}`; GET /api/v1/dags/{dag_id}/runs lists them"
        ))
    })
}

/// One run.
#[utoipa::path(get, path = "/dags/{dag_id}/runs/{run_id}", tag = "runs",
    params(("dag_id" = String, Path), ("run_id" = String, Path)),
    responses((status = 200, body = RunView), (status = 404, body = Problem)))]
pub async fn get_run(
    State(state): State<AppState>,
    _user: ApiUser,
    Path((dag_id, run_id)): Path<(String, String)>,
) -> ApiResult<axum::Json<RunView>> {
    let run = find_run(&state, &dag_id, &run_id).await?;
    Ok(axum::Json((&run).into()))
}

/// Trigger a run (operator). The conf is checked against the DAG's params; with a `run_id` the
/// request is idempotent: the second time answers 409 and creates nothing.
#[utoipa::path(post, path = "/dags/{dag_id}/runs", tag = "runs",
    params(("dag_id" = String, Path)), request_body = TriggerRunRequest,
    responses((status = 201, body = RunView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn trigger(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(dag_id): Path<String>,
    ApiJson(body): ApiJson<TriggerRunRequest>,
) -> ApiResult<(StatusCode, axum::Json<RunView>)> {
    user.require(Role::Operator)?;
    find_dag(&state, &dag_id).await?;
    let request = TriggerRequest {
        dag_id: dag_id.clone(),
        run_id: body.run_id.clone(),
        logical_date: body.logical_date,
        conf: body.conf,
        triggered_by: format!("api:{}", user.name),
    };
    match trigger_run(state.store.as_ref(), request).await {
        Ok(CreateRun::Created(run)) => {
            tracing::info!(dag.id = %dag_id, run.id = %run.run_id, user = %user.name, "run triggered");
            Ok((StatusCode::CREATED, axum::Json((&run).into())))
        }
        Ok(CreateRun::Exists(run)) => Err(ApiError::Conflict(format!(
            "DAG `{dag_id}` already has run `{}` (same run id or logical date {}); nothing was created",
            run.run_id,
            run.logical_date.to_rfc3339()
        ))),
        Err(TriggerError::UnknownDag(d)) => Err(ApiError::NotFound(format!("no DAG `{d}`"))),
        Err(TriggerError::NoVersion(d)) => Err(ApiError::Conflict(format!(
            "DAG `{d}` has no loadable version: its file has errors (GET /api/v1/import_errors)"
        ))),
        Err(TriggerError::InvalidRunId(id, why)) => Err(ApiError::Unprocessable {
            detail: format!("invalid run id: {why}"),
            errors: vec![FieldError {
                field: "/run_id".into(),
                message: format!("`{id}`: {why}"),
            }],
        }),
        Err(TriggerError::InvalidParams(errors)) => Err(ApiError::Unprocessable {
            detail: "the conf does not fit the DAG's params".into(),
            errors: errors
                .into_iter()
                .map(|e| FieldError {
                    field: format!("/conf/{}", e.param),
                    message: e.message,
                })
                .collect(),
        }),
        Err(TriggerError::Store(e)) => Err(ApiError::Internal(e)),
    }
}

/// Clear task instances of a run so that they run again (operator).
#[utoipa::path(post, path = "/dags/{dag_id}/runs/{run_id}/clear", tag = "task_instances",
    params(("dag_id" = String, Path), ("run_id" = String, Path)), request_body = ClearRequest,
    responses((status = 200, body = Changed), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn clear(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((dag_id, run_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ClearRequest>,
) -> ApiResult<axum::Json<Changed>> {
    user.require(Role::Operator)?;
    find_run(&state, &dag_id, &run_id).await?;
    for t in &body.task_ids {
        check_id("task", t)?;
    }
    let spec = ClearSpec {
        dag_id: dag_id.clone(),
        run_id: run_id.clone(),
        task_ids: body.task_ids,
        downstream: body.downstream,
        failed_only: body.failed_only,
    };
    let changed = clear_task_instances(state.store.as_ref(), &spec).await?;
    tracing::info!(dag.id = %dag_id, run.id = %run_id, changed, user = %user.name, "task instances cleared");
    Ok(axum::Json(Changed { changed }))
}

/// Mark task instances of a run success or failed (operator). A running attempt is stopped from
/// writing anything more; the run is settled again.
#[utoipa::path(post, path = "/dags/{dag_id}/runs/{run_id}/mark", tag = "task_instances",
    params(("dag_id" = String, Path), ("run_id" = String, Path)), request_body = MarkRequest,
    responses((status = 200, body = Changed), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn mark(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((dag_id, run_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<MarkRequest>,
) -> ApiResult<axum::Json<Changed>> {
    user.require(Role::Operator)?;
    let run = find_run(&state, &dag_id, &run_id).await?;
    if body.task_ids.is_empty() {
        return Err(ApiError::unprocessable(
            "name at least one task in task_ids",
        ));
    }
    let dag = state.dag_version(run.dag_version_id).await?;
    for t in &body.task_ids {
        check_id("task", t)?;
        if dag.task(t).is_none() {
            return Err(ApiError::unprocessable(format!(
                "DAG `{dag_id}` has no task `{t}` in the version this run used"
            )));
        }
    }
    let to = match body.state {
        MarkState::Success => TaskState::Success,
        MarkState::Failed => TaskState::Failed,
    };
    let reason = format!("marked {to} by {}", user.name);
    let changed = state
        .store
        .mark_task_instances(run.id, &body.task_ids, to, &reason)
        .await?;
    tracing::info!(dag.id = %dag_id, run.id = %run_id, changed, user = %user.name, state = %to, "task instances marked");
    Ok(axum::Json(Changed { changed }))
}
