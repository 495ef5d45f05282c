//! The dashboard: server-rendered pages (askama templates in /web/templates), the static assets
//! embedded in the binary, and one event stream that tells open pages to refresh their live
//! parts. Pages read through the API's data functions, so a page and its API route cannot
//! disagree; changes go through the API itself (fetch with the session's CSRF token).

pub mod assets;
mod dags;
mod events;
pub mod format;
mod login;
pub mod page;
pub mod pager;

use axum::Router;
use axum::response::Redirect;
use axum::routing::get;

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dags") }))
        .route("/login", get(login::page))
        .route("/static/{*path}", get(assets::serve))
        .route("/ui/events", get(events::stream))
        .route("/dags", get(dags::page))
}
