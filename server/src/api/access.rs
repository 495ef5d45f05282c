//! API tokens and users (admin).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{TimeDelta, Utc};
use weir_store::{NewApiToken, NewUser, Role};

use super::extract::{ApiJson, ApiQuery, PageParams, check_id, paginate};
use super::problem::Problem;
use super::problem::{ApiError, ApiResult, FieldError};
use super::views::*;
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::auth::password::{check_password_strength, hash_password};
use crate::auth::secrets::{hash_secret, new_token, token_prefix};

fn parse_role(text: &str) -> ApiResult<Role> {
    Role::parse(text).ok_or_else(|| ApiError::Unprocessable {
        detail: format!("unknown role `{text}`"),
        errors: vec![FieldError {
            field: "/role".into(),
            message: "one of viewer, operator, admin".into(),
        }],
    })
}

/// Every API token (never the tokens themselves).
#[utoipa::path(get, path = "/tokens", tag = "access", params(PageParams), responses((status = 200, body = Page<TokenView>), (status = 403, body = Problem)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<Page<TokenView>>> {
    user.require(Role::Admin)?;
    let tokens = state.store.list_api_tokens().await?;
    Ok(axum::Json(paginate(
        tokens.iter().map(TokenView::from).collect(),
        page,
    )?))
}

/// Create an API token (admin). The token is in this response only.
#[utoipa::path(post, path = "/tokens", tag = "access", request_body = TokenCreate,
    responses((status = 201, body = TokenCreated), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<TokenCreate>,
) -> ApiResult<(StatusCode, axum::Json<TokenCreated>)> {
    user.require(Role::Admin)?;
    let role = parse_role(&body.role)?;
    if body.name.trim().is_empty() || body.name.len() > 100 {
        return Err(ApiError::unprocessable(
            "a token needs a name of 1 to 100 characters",
        ));
    }
    let token = new_token();
    let record = state
        .store
        .create_api_token(&NewApiToken {
            name: body.name.trim().into(),
            token_hash: hash_secret(&token),
            prefix: token_prefix(&token),
            role,
            created_by: Some(user.name.clone()),
            expires_at: body
                .expires_in_days
                .map(|d| Utc::now() + TimeDelta::days(i64::from(d))),
        })
        .await?;
    tracing::info!(token = %record.name, role = %role, user = %user.name, "API token created");
    Ok((
        StatusCode::CREATED,
        axum::Json(TokenCreated {
            token,
            info: (&record).into(),
        }),
    ))
}

/// Revoke an API token (admin).
#[utoipa::path(delete, path = "/tokens/{id}", tag = "access", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    user.require(Role::Admin)?;
    if !state.store.revoke_api_token(id).await? {
        return Err(ApiError::NotFound(format!("no live token {id}")));
    }
    state.tokens.clear().await;
    tracing::info!(token.id = id, user = %user.name, "API token revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// Every user.
#[utoipa::path(get, path = "/users", tag = "access", params(PageParams), responses((status = 200, body = Page<UserView>), (status = 403, body = Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<Page<UserView>>> {
    user.require(Role::Admin)?;
    let users = state.store.list_users().await?;
    Ok(axum::Json(paginate(
        users.iter().map(UserView::from).collect(),
        page,
    )?))
}

async fn hashed(password: String) -> ApiResult<String> {
    check_password_strength(&password).map_err(|m| ApiError::Unprocessable {
        detail: m.clone(),
        errors: vec![FieldError {
            field: "/password".into(),
            message: m,
        }],
    })?;
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(ApiError::Internal)
}

/// Create a user (admin).
#[utoipa::path(post, path = "/users", tag = "access", request_body = UserCreate,
    responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(body): ApiJson<UserCreate>,
) -> ApiResult<(StatusCode, axum::Json<UserView>)> {
    user.require(Role::Admin)?;
    check_id("user", &body.username)?;
    let role = parse_role(&body.role)?;
    let password_hash = hashed(body.password).await?;
    let created = state
        .store
        .create_user(&NewUser {
            username: body.username.clone(),
            password_hash,
            role,
        })
        .await
        .map_err(|e| match e {
            weir_store::StoreError::Conflict(_) => {
                ApiError::Conflict(format!("user `{}` exists", body.username))
            }
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, axum::Json((&created).into())))
}

/// Change a user's password or role (admin). A new password ends the user's sessions.
#[utoipa::path(patch, path = "/users/{username}", tag = "access", params(("username" = String, Path)), request_body = UserUpdate,
    responses((status = 200, body = UserView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(username): Path<String>,
    ApiJson(body): ApiJson<UserUpdate>,
) -> ApiResult<axum::Json<UserView>> {
    user.require(Role::Admin)?;
    check_id("user", &username)?;
    let existing = state
        .store
        .get_user(&username)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no user `{username}`")))?;
    let role = body
        .role
        .as_deref()
        .map(parse_role)
        .transpose()?
        .unwrap_or(existing.role);
    let hash = match body.password {
        Some(p) => hashed(p).await?,
        None => existing.password_hash.clone(),
    };
    state.store.update_user(&username, &hash, role).await?;
    let updated = state
        .store
        .get_user(&username)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no user `{username}`")))?;
    Ok(axum::Json((&updated).into()))
}

/// Delete a user (admin); not yourself.
#[utoipa::path(delete, path = "/users/{username}", tag = "access", params(("username" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_user(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    user.require(Role::Admin)?;
    check_id("user", &username)?;
    if username == user.name {
        return Err(ApiError::Conflict("you cannot delete yourself".into()));
    }
    if state.store.delete_user(&username).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no user `{username}`")))
    }
}
