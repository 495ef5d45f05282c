//! Extractors whose rejections are problem+json with a message that says what to fix.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

use super::problem::ApiError;

/// A JSON body.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_problem(rejection)),
        }
    }
}

fn json_problem(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => ApiError::unprocessable(format!(
            "the body does not fit: {}",
            e.body_text()
                .trim_start_matches("Failed to deserialize the JSON body into the target type: ")
        )),
        JsonRejection::JsonSyntaxError(e) => ApiError::BadRequest(format!(
            "the body is not valid JSON: {}",
            e.body_text()
                .trim_start_matches("Failed to parse the request body as JSON: ")
        )),
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
            "send the body as JSON with `Content-Type: application/json`".into(),
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(
            "the body is larger than the server accepts (server.max_body_bytes)".into(),
        ),
        other => ApiError::BadRequest(format!("cannot read the body: {}", other.body_text())),
    }
}

/// Query parameters.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(ApiError::BadRequest(
                format!("bad query parameters: {}", e.body_text()),
            )),
            Err(other) => Err(ApiError::BadRequest(other.body_text())),
        }
    }
}

/// `limit` (1..=500, default 50) and `offset` (default 0).
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

pub const MAX_LIMIT: i64 = 500;
pub const DEFAULT_LIMIT: i64 = 50;

impl PageParams {
    pub fn resolve(self) -> Result<(i64, i64), ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        let offset = self.offset.unwrap_or(0);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::BadRequest(format!(
                "limit={limit}: a page holds 1 to {MAX_LIMIT} items"
            )));
        }
        if offset < 0 {
            return Err(ApiError::BadRequest(format!(
                "offset={offset}: the offset cannot be negative"
            )));
        }
        Ok((limit, offset))
    }
}

/// A DAG, task or pool id from the path: checked before it reaches the store, so that
/// `../../etc/passwd` and friends are a clear 400.
pub fn check_id(kind: &str, id: &str) -> Result<(), ApiError> {
    weir_core::ids::check_id(id)
        .map_err(|e| ApiError::BadRequest(printable(&format!("invalid {kind} id `{id}`: {e}"))))
}

/// A run id from the path.
pub fn check_run_id(id: &str) -> Result<(), ApiError> {
    weir_core::ids::check_run_id(id)
        .map_err(|e| ApiError::BadRequest(printable(&format!("invalid run id `{id}`: {e}"))))
}

/// A message that quotes a client's id: at most 300 characters, control characters and angle
/// brackets escaped, so that no client can make the API echo markup.
fn printable(message: &str) -> String {
    message
        .chars()
        .take(300)
        .flat_map(|c| match c {
            '<' | '>' => c.escape_unicode().collect::<Vec<_>>(),
            c if c.is_control() => c.escape_default().collect(),
            c => vec![c],
        })
        .collect()
}

/// A page of a list that is read whole (a run's task instances, pools, workers...): small
/// enough to slice in memory, paginated like every other list.
pub fn paginate<T>(items: Vec<T>, params: PageParams) -> Result<super::views::Page<T>, ApiError> {
    let (limit, offset) = params.resolve()?;
    let total = items.len() as i64;
    let items = items
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    Ok(super::views::Page {
        items,
        total,
        limit,
        offset,
    })
}
