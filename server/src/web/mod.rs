//! The dashboard: server-rendered pages (askama templates in /web/templates) and the static
//! assets embedded in the binary.

use axum::Router;
use axum::response::Redirect;
use axum::routing::get;

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(|| async { Redirect::to("/api/v1/openapi.json") }))
}
