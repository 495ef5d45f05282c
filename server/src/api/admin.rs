//! Import errors, backfills, pools and workers.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;
use weir_store::{BackfillState, Role};

use super::extract::{ApiJson, ApiQuery, PageParams, check_id, paginate};
use super::problem::Problem;
use super::problem::{ApiError, ApiResult};
use super::views::*;
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::ops::{BackfillSpec, create_backfill};

/// DAG files that did not load, with every mistake and its position.
#[utoipa::path(get, path = "/import_errors", tag = "dags",
    params(PageParams), responses((status = 200, body = Page<ImportErrorView>)))]
pub async fn list_import_errors(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<Page<ImportErrorView>>> {
    let errors = state.store.list_import_errors().await?;
    Ok(axum::Json(paginate(
        errors.iter().map(ImportErrorView::from).collect(),
        page,
    )?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BackfillFilter {
    pub dag_id: Option<String>,
}

/// Backfills, newest first.
#[utoipa::path(get, path = "/backfills", tag = "backfills", params(PageParams, BackfillFilter),
    responses((status = 200, body = Page<BackfillView>)))]
pub async fn list_backfills(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(filter): ApiQuery<BackfillFilter>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<Page<BackfillView>>> {
    if let Some(d) = &filter.dag_id {
        check_id("DAG", d)?;
    }
    let list = state.store.list_backfills(filter.dag_id.as_deref()).await?;
    Ok(axum::Json(paginate(
        list.iter().map(BackfillView::from).collect(),
        page,
    )?))
}

/// Start a backfill (operator): the scheduler creates its runs, `max_active_runs` at a time.
#[utoipa::path(post, path = "/backfills", tag = "backfills", request_body = BackfillCreate,
    responses((status = 201, body = BackfillView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<BackfillCreate>,
) -> ApiResult<(StatusCode, axum::Json<BackfillView>)> {
    user.require(Role::Operator)?;
    check_id("DAG", &body.dag_id)?;
    let spec = BackfillSpec {
        dag_id: body.dag_id,
        from: body.from,
        to: body.to,
        max_active_runs: body.max_active_runs,
        rerun_failed: body.rerun_failed,
        created_by: format!("api:{}", user.name),
    };
    let (backfill, _) = create_backfill(state.store.as_ref(), &spec).await?;
    Ok((StatusCode::CREATED, axum::Json((&backfill).into())))
}

/// One backfill with its run counts.
#[utoipa::path(get, path = "/backfills/{id}", tag = "backfills", params(("id" = i64, Path)),
    responses((status = 200, body = BackfillView), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<BackfillView>> {
    let b = state
        .store
        .get_backfill(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no backfill {id}")))?;
    Ok(axum::Json((&b).into()))
}

/// Cancel a running backfill (operator): no new runs; runs in progress finish.
#[utoipa::path(post, path = "/backfills/{id}/cancel", tag = "backfills", params(("id" = i64, Path)),
    responses((status = 200, body = BackfillView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<BackfillView>> {
    user.require(Role::Operator)?;
    let moved = state
        .store
        .set_backfill_state(id, BackfillState::Running, BackfillState::Cancelled)
        .await?;
    let b = state
        .store
        .get_backfill(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no backfill {id}")))?;
    if !moved {
        return Err(ApiError::Conflict(format!(
            "backfill {id} is {}, not running",
            b.state.as_str()
        )));
    }
    Ok(axum::Json((&b).into()))
}

/// Pools and how many slots are in use.
#[utoipa::path(get, path = "/pools", tag = "pools", params(PageParams), responses((status = 200, body = Page<PoolView>)))]
pub async fn list_pools(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<Page<PoolView>>> {
    let pools = state.store.list_pools().await?;
    Ok(axum::Json(paginate(
        pools.iter().map(PoolView::from).collect(),
        page,
    )?))
}

async fn pool_view(state: &AppState, name: &str) -> ApiResult<PoolView> {
    let pools = state.store.list_pools().await?;
    pools
        .iter()
        .find(|p| p.name == name)
        .map(PoolView::from)
        .ok_or_else(|| ApiError::NotFound(format!("no pool `{name}`")))
}

/// Create a pool (admin).
#[utoipa::path(post, path = "/pools", tag = "pools", request_body = PoolCreate,
    responses((status = 201, body = PoolView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_pool(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<PoolCreate>,
) -> ApiResult<(StatusCode, axum::Json<PoolView>)> {
    user.require(Role::Admin)?;
    check_id("pool", &body.name)?;
    if state
        .store
        .list_pools()
        .await?
        .iter()
        .any(|p| p.name == body.name)
    {
        return Err(ApiError::Conflict(format!(
            "pool `{}` exists; change it with PUT /api/v1/pools/{}",
            body.name, body.name
        )));
    }
    state
        .store
        .upsert_pool(&body.name, body.slots, body.description.as_deref())
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(pool_view(&state, &body.name).await?),
    ))
}

/// Change a pool's slots and description (admin).
#[utoipa::path(put, path = "/pools/{name}", tag = "pools", params(("name" = String, Path)), request_body = PoolBody,
    responses((status = 200, body = PoolView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_pool(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<PoolBody>,
) -> ApiResult<axum::Json<PoolView>> {
    user.require(Role::Admin)?;
    check_id("pool", &name)?;
    pool_view(&state, &name).await?;
    state
        .store
        .upsert_pool(&name, body.slots, body.description.as_deref())
        .await?;
    Ok(axum::Json(pool_view(&state, &name).await?))
}

/// Delete a pool (admin); `default_pool` stays.
#[utoipa::path(delete, path = "/pools/{name}", tag = "pools", params(("name" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn delete_pool(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    user.require(Role::Admin)?;
    check_id("pool", &name)?;
    if state.store.delete_pool(&name).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no pool `{name}`")))
    }
}

/// Workers, with their heartbeat age and running task instances.
#[utoipa::path(get, path = "/workers", tag = "workers", params(PageParams), responses((status = 200, body = Page<WorkerView>)))]
pub async fn list_workers(
    State(state): State<AppState>,
    _user: ApiUser,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<Page<WorkerView>>> {
    let workers = state.store.list_workers().await?;
    let running: HashMap<String, i64> =
        state.store.running_by_worker().await?.into_iter().collect();
    let now = Utc::now();
    Ok(axum::Json(paginate(
        workers
            .iter()
            .map(|w| WorkerView::new(w, running.get(&w.worker_id).copied().unwrap_or(0), now))
            .collect(),
        page,
    )?))
}
