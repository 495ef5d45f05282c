//! Who is asking: an API token (`Authorization: Bearer weir_...`) or a dashboard session cookie.
//! `ApiUser` rejects with a 401 problem, `WebUser` redirects to the login page.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use weir_store::Role;

use super::secrets::{constant_time_eq, hash_secret};
use super::session::session_id;
use crate::api::problem::ApiError;
use crate::app::AppState;

/// The header a dashboard page sends its CSRF token in, on every state-changing request.
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Token { id: i64 },
    Session { csrf_token: String },
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The username, or `token:<name>`.
    pub name: String,
    pub role: Role,
    pub via: Via,
}

impl Principal {
    /// 403 unless the caller's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs the {role} role; {} has the {} role",
                self.name, self.role
            )))
        }
    }

    /// The CSRF token of a session (None for API tokens, which need none).
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf_token } => Some(csrf_token),
            Via::Token { .. } => None,
        }
    }
}

/// Finds the caller, if any. A session's state-changing request must carry its CSRF token.
pub async fn authenticate(state: &AppState, parts: &Parts) -> Result<Option<Principal>, ApiError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let text = value.to_str().unwrap_or_default();
        let Some(token) = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))
        else {
            return Err(ApiError::Unauthorized(
                "the Authorization header must be `Bearer <token>`".into(),
            ));
        };
        return match state.tokens.check(state, token.trim()).await? {
            Some(p) => Ok(Some(p)),
            None => Err(ApiError::Unauthorized(
                "the API token is unknown, revoked or expired; create one with `weir tokens create`"
                    .into(),
            )),
        };
    }
    let Some(id) = session_id(&parts.headers) else {
        return Ok(None);
    };
    let Some(session) = state
        .store
        .get_session(&hash_secret(&id), Utc::now())
        .await?
    else {
        return Ok(None);
    };
    let principal = Principal {
        name: session.user.username.clone(),
        role: session.user.role,
        via: Via::Session {
            csrf_token: session.csrf_token.clone(),
        },
    };
    if !is_safe(&parts.method) {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !constant_time_eq(sent, &session.csrf_token) {
            return Err(ApiError::Forbidden(
                "the CSRF token is missing or wrong: reload the page and try again".into(),
            ));
        }
    }
    Ok(Some(principal))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A caller of the API: 401 without credentials.
#[derive(Debug, Clone)]
pub struct ApiUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match authenticate(state, parts).await? {
            Some(p) => Ok(ApiUser(p)),
            None => Err(ApiError::Unauthorized(
                "authentication required: send `Authorization: Bearer <token>` (create one with `weir tokens create`) or log in"
                    .into(),
            )),
        }
    }
}

/// A dashboard visitor: redirected to the login page without a session.
#[derive(Debug, Clone)]
pub struct WebUser(pub Principal);

/// Why a dashboard request was turned away.
pub enum WebRejection {
    Login(String),
    Error(ApiError),
}

impl IntoResponse for WebRejection {
    fn into_response(self) -> Response {
        match self {
            WebRejection::Login(next) => {
                Redirect::to(&format!("/login?next={}", encode_query(&next))).into_response()
            }
            WebRejection::Error(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = WebRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebRejection> {
        match authenticate(state, parts).await {
            Ok(Some(p)) => Ok(WebUser(p)),
            Ok(None) => Err(WebRejection::Login(
                parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "/".into()),
            )),
            Err(e) => Err(WebRejection::Error(e)),
        }
    }
}

/// Percent-encodes everything but unreserved characters.
pub fn encode_query(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
