//! Dashboard sessions: the login form posts here, a cookie carries a random session id (the
//! store keeps its hash), and every state-changing request carries the session's CSRF token.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{TimeDelta, Utc};
use serde::Deserialize;
use weir_store::NewSession;

use super::password::{dummy_hash, verify_password};
use super::principal::{ApiUser, encode_query};
use super::secrets::{hash_secret, random_hex};
use crate::api::problem::ApiError;
use crate::app::AppState;

pub const SESSION_COOKIE: &str = "weir_session";

/// The session id from the Cookie header, if any.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|v| !v.is_empty())
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub next: Option<String>,
}

/// `POST /login`: on success a session cookie and a redirect to `next` (a local path only);
/// on failure back to the login page with an error, saying nothing of which part was wrong.
pub async fn login(State(state): State<AppState>, Form(form): Form<LoginForm>) -> Response {
    let next = safe_next(form.next.as_deref());
    let user = match state.store.get_user(form.username.trim()).await {
        Ok(user) => user,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let password = form.password.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let Some(user) = user.filter(|_| ok) else {
        tracing::info!(user = %form.username, "failed login");
        return Redirect::to(&format!("/login?error=1&next={}", encode_query(&next)))
            .into_response();
    };
    let id = random_hex();
    let ttl = state.config.server.session_ttl.as_std();
    let session = NewSession {
        session_hash: hash_secret(&id),
        user_id: user.id,
        csrf_token: random_hex(),
        expires_at: Utc::now() + TimeDelta::from_std(ttl).unwrap_or(TimeDelta::hours(12)),
    };
    if let Err(e) = state.store.create_session(&session).await {
        return ApiError::from(e).into_response();
    }
    tracing::info!(user = %user.username, "logged in");
    let mut response = Redirect::to(&next).into_response();
    let cookie = session_cookie(&id, ttl.as_secs(), state.secure_cookies());
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `POST /logout` (CSRF-checked like every state change): ends the session.
pub async fn logout(State(state): State<AppState>, _user: ApiUser, headers: HeaderMap) -> Response {
    if let Some(id) = session_id(&headers)
        && let Err(e) = state.store.delete_session(&hash_secret(&id)).await
    {
        return ApiError::from(e).into_response();
    }
    let mut response = Redirect::to("/login").into_response();
    let cookie = session_cookie("", 0, state.secure_cookies());
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn session_cookie(value: &str, max_age_s: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}")
}

/// Only a path on this server: `/dags?x=1` yes, `//evil.example` or `https://...` no.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; weir_session=abc; b=2"),
        );
        assert_eq!(session_id(&headers).as_deref(), Some("abc"));
        assert_eq!(session_id(&HeaderMap::new()), None);
    }

    #[test]
    fn next_stays_on_this_server() {
        assert_eq!(safe_next(Some("/dags?tag=ml")), "/dags?tag=ml");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn cookies_are_http_only_and_secure_when_asked() {
        let c = session_cookie("x", 60, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.ends_with("; Secure"));
        assert!(!session_cookie("x", 60, false).contains("Secure"));
    }
}
