//! What every page shares: the frame around it (navigation, the user, the CSRF token that
//! state-changing requests send), rendering a template into a response, and the HTML error page.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use weir_store::Role;

use super::assets;
use crate::api::problem::ApiError;
use crate::auth::Principal;

/// The top navigation's sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Dags,
    Runs,
    ImportErrors,
    Backfills,
    Pools,
    Workers,
    Datasets,
    Features,
    Access,
    ApiDocs,
}

impl Nav {
    pub fn key(self) -> &'static str {
        match self {
            Nav::Dags => "dags",
            Nav::Runs => "runs",
            Nav::ImportErrors => "import_errors",
            Nav::Backfills => "backfills",
            Nav::Pools => "pools",
            Nav::Workers => "workers",
            Nav::Datasets => "datasets",
            Nav::Features => "features",
            Nav::Access => "access",
            Nav::ApiDocs => "api_docs",
        }
    }
}

/// The frame of a page: who is logged in, what is active in the navigation.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub nav: Nav,
    pub user: String,
    pub role: Role,
    /// Sent back in `X-CSRF-Token` by every state-changing request of the page.
    pub csrf_token: String,
}

impl Chrome {
    pub fn new(user: &Principal, nav: Nav, title: impl Into<String>) -> Self {
        Chrome {
            title: title.into(),
            nav,
            user: user.name.clone(),
            role: user.role,
            csrf_token: user.csrf_token().unwrap_or_default().to_string(),
        }
    }

    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    /// Whether `key` (`dags`, `runs`, ...) is the active navigation section.
    pub fn is(&self, key: &str) -> bool {
        self.nav.key() == key
    }

    /// Operators and admins get the buttons that change things; viewers see the state only.
    pub fn can_operate(&self) -> bool {
        self.role >= Role::Operator
    }

    pub fn is_admin(&self) -> bool {
        self.role >= Role::Admin
    }

    pub fn role_name(&self) -> &'static str {
        self.role.as_str()
    }
}

/// A page, or the HTML error page.
pub type PageResult = Result<Response, PageError>;

/// Renders a page with the headers every page gets.
pub fn render<T: Template>(template: &T) -> PageResult {
    let body = template
        .render()
        .map_err(|e| PageError::from(ApiError::Internal(anyhow::anyhow!("template: {e}"))))?;
    Ok(html(StatusCode::OK, body))
}

/// Pages are never cached (they show live state) and may load only this server's scripts.
fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
             form-action 'self'; base-uri 'none'; object-src 'none'",
        ),
    );
    response
}

/// A request a page could not answer: shown as an HTML page with the status and what to do.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        if let ApiError::Internal(cause) = &e {
            tracing::error!(error = %format!("{cause:#}"), "page failed");
        }
        let problem = e.problem();
        PageError {
            status: e.status(),
            message: problem.detail,
        }
    }
}

impl From<weir_store::StoreError> for PageError {
    fn from(e: weir_store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    reason: &'a str,
    message: &'a str,
    css: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            status: self.status.as_u16(),
            reason: self.status.canonical_reason().unwrap_or("Error"),
            message: &self.message,
            css: assets::url("weir.css"),
        };
        let body = page
            .render()
            .unwrap_or_else(|_| "the error page failed to render".into());
        html(self.status, body)
    }
}
