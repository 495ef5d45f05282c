//! `POST /features/{view}/historical`: a training set without leakage, each entity row with the
//! view's features as of the row's own timestamp (see [`super::training_set`]).
//!
//! A training set is larger than any other request, so this route reads its body itself, up to
//! [`HISTORICAL_MAX_BODY_BYTES`] (or `server.max_body_bytes` if that is larger), instead of under
//! the server's default limit.

use axum::extract::{FromRequest, Path, Request, State};
use axum::http::header;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::extract::check_id;
use super::problem::{ApiError, ApiResult, FieldError, Problem};
use super::training_set::{self, DEFAULT_TIMESTAMP_COLUMN, MAX_ROWS, TrainingSetError};
use crate::app::AppState;
use crate::auth::ApiUser;

/// The largest body of a historical request: 100,000 rows of a few columns fit easily.
pub const HISTORICAL_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Entity rows to join with a feature view, each as of its own time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoricalBody {
    /// The column holding each row's time: RFC 3339 (`2026-03-01T00:00:00Z`), a date-time
    /// without an offset (UTC) or a date. Default `ts`.
    pub timestamp_column: Option<String>,
    /// At most 100,000 rows. Each needs the view's key columns and the timestamp column; any
    /// other column (a label, a row id) is answered unchanged.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Map<String, Value>>,
}

/// The training set: the rows in the order given.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingSetView {
    pub view: String,
    pub timestamp_column: String,
    /// The view's key columns.
    pub entity: Vec<String>,
    /// The columns each row gained, in the view's order (then `_as_of`).
    pub features: Vec<String>,
    /// Each row as given with the view's features as of its timestamp and `_as_of`, the as-of
    /// time of the snapshot they come from; null features and `_as_of` when the row is older
    /// than every snapshot.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<Map<String, Value>>,
}

/// Each entity row with the view's features as of the row's own timestamp: a training set
/// without leakage (no value from after a row's time).
#[utoipa::path(post, path = "/features/{view}/historical", tag = "data",
    params(("view" = String, Path)),
    request_body = HistoricalBody,
    responses(
        (status = 200, body = TrainingSetView),
        (status = 400, body = Problem, description = "malformed JSON, a bad view name"),
        (status = 404, body = Problem, description = "no such feature view"),
        (status = 413, body = Problem, description = "more than 100,000 rows, or a body over 32 MiB"),
        (status = 415, body = Problem),
        (status = 422, body = Problem, description = "a row without a key or timestamp, a timestamp that does not parse"),
    ))]
pub async fn historical(
    State(state): State<AppState>,
    _user: ApiUser,
    Path(view): Path<String>,
    HistoricalJson(body): HistoricalJson,
) -> ApiResult<axum::Json<TrainingSetView>> {
    check_id("feature view", &view)?;
    let timestamp = body
        .timestamp_column
        .unwrap_or_else(|| DEFAULT_TIMESTAMP_COLUMN.to_string());
    if body.rows.len() > MAX_ROWS {
        return Err(too_many(body.rows.len()));
    }
    let info = training_set::find_view(state.store.list_feature_views().await?, &view)
        .map_err(ApiError::NotFound)?;
    let lake = state
        .lake()
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("opening the lake")))?;
    let set = training_set::build(lake, &info, &timestamp, body.rows)
        .await
        .map_err(problem)?;
    Ok(axum::Json(TrainingSetView {
        view,
        timestamp_column: timestamp,
        entity: info.entity,
        features: set.features,
        rows: set.rows,
    }))
}

/// `GET /features/{view}/historical`: the online values of the entity `historical`, whose
/// lookup the training set's path would otherwise shadow (undocumented: it is the GET above).
pub async fn online_entity_historical(
    state: State<AppState>,
    user: ApiUser,
    Path(view): Path<String>,
) -> ApiResult<axum::Json<super::data::OnlineFeaturesView>> {
    super::data::online(state, user, Path((view, "historical".to_string()))).await
}

fn too_many(rows: usize) -> ApiError {
    ApiError::PayloadTooLarge(TrainingSetError::TooManyRows { rows }.to_string())
}

fn problem(e: TrainingSetError) -> ApiError {
    let detail = e.to_string();
    match e {
        TrainingSetError::TooManyRows { rows } => too_many(rows),
        TrainingSetError::BadRows { problems, .. } => ApiError::Unprocessable {
            detail,
            errors: problems
                .iter()
                .map(|p| FieldError {
                    field: format!("/rows/{}/{}", p.row, pointer_token(&p.column)),
                    message: p.message.clone(),
                })
                .collect(),
        },
        TrainingSetError::BadTimestampColumn(_) => ApiError::Unprocessable {
            errors: vec![FieldError {
                field: "/timestamp_column".into(),
                message: detail.clone(),
            }],
            detail,
        },
        TrainingSetError::NotInLake { .. } => ApiError::NotFound(detail),
        TrainingSetError::Lake(weir_lake::LakeError::UnknownColumn { .. }) => {
            ApiError::unprocessable(detail)
        }
        other => ApiError::Internal(anyhow::Error::new(other).context("the point-in-time join")),
    }
}

/// A column name as a JSON pointer token (RFC 6901).
fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// The body of a historical request, read under its own size limit.
pub struct HistoricalJson(pub HistoricalBody);

impl FromRequest<AppState> for HistoricalJson {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let limit = state
            .config
            .server
            .max_body_bytes
            .max(HISTORICAL_MAX_BODY_BYTES);
        let too_large = || {
            ApiError::PayloadTooLarge(format!(
                "the body is larger than {} MiB: send at most {MAX_ROWS} rows at once",
                limit / (1024 * 1024)
            ))
        };
        if !is_json(req.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as JSON with `Content-Type: application/json`".into(),
            ));
        }
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut bytes = Vec::with_capacity(declared.unwrap_or(0));
        let mut stream = req.into_body().into_data_stream();
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|e| ApiError::BadRequest(format!("cannot read the body: {e}")))?;
            if bytes.len() + chunk.len() > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&bytes)
            .map(HistoricalJson)
            .map_err(|e| match e.classify() {
                serde_json::error::Category::Data => {
                    ApiError::unprocessable(format!("the body does not fit: {e}"))
                }
                _ => ApiError::BadRequest(format!("the body is not valid JSON: {e}")),
            })
    }
}

/// `application/json` or `application/<something>+json`, as axum's JSON extractor accepts.
fn is_json(content_type: Option<&header::HeaderValue>) -> bool {
    let Some(text) = content_type.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = text.split(';').next().unwrap_or_default().trim();
    let mime = mime.to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        let v = |s: &'static str| Some(header::HeaderValue::from_static(s));
        assert!(is_json(v("application/json").as_ref()));
        assert!(is_json(v("Application/JSON; charset=utf-8").as_ref()));
        assert!(is_json(v("application/problem+json").as_ref()));
        assert!(!is_json(v("text/csv").as_ref()));
        assert!(!is_json(None));
    }
}
