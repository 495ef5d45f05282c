//! The dashboard: server-rendered pages (askama templates in /web/templates), the static assets
//! embedded in the binary, and one event stream that tells open pages to refresh their live
//! parts. Pages read through the API's data functions, so a page and its API route cannot
//! disagree; changes go through the API itself (fetch with the session's CSRF token).

mod access;
mod api_docs;
pub mod assets;
mod backfills;
mod code;
mod dag_header;
mod dags;
mod dataset;
mod dataset_schema;
mod datasets;
mod details;
mod events;
mod feature_view;
mod features;
pub mod format;
pub(crate) mod gantt;
mod graph;
pub mod graph_layout;
mod grid;
mod import_errors;
mod lake_names;
mod lineage_graph;
mod login;
pub mod page;
pub mod pager;
mod pools;
mod run;
mod runs;
mod task_instance;
mod validation_report;
mod validations;
mod workers;

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
        .route("/dags/{dag_id}", get(redirect_to_grid))
        .route("/dags/{dag_id}/grid", get(grid::page))
        .route("/dags/{dag_id}/graph", get(graph::page))
        .route("/dags/{dag_id}/runs", get(runs::of_dag))
        .route("/dags/{dag_id}/runs/{run_id}", get(run::page))
        .route(
            "/dags/{dag_id}/runs/{run_id}/tasks/{task_id}",
            get(task_instance::page),
        )
        .route("/dags/{dag_id}/code", get(code::page))
        .route("/dags/{dag_id}/details", get(details::page))
        .route("/runs", get(runs::all))
        .route("/import_errors", get(import_errors::page))
        .route("/backfills", get(backfills::page))
        .route("/pools", get(pools::page))
        .route("/workers", get(workers::page))
        .route("/datasets", get(datasets::page))
        .route("/datasets/{dataset}", get(dataset::page))
        .route("/datasets/{dataset}/validations", get(validations::history))
        .route(
            "/datasets/{dataset}/validations/{id}",
            get(validations::report),
        )
        .route("/features", get(features::page))
        .route("/features/{view}", get(feature_view::page))
        .route("/access", get(access::page))
        .route("/api/docs", get(api_docs::page))
}

async fn redirect_to_grid(axum::extract::Path(dag_id): axum::extract::Path<String>) -> Redirect {
    Redirect::to(&format!(
        "/dags/{}/grid",
        crate::auth::principal::encode_query(&dag_id)
    ))
}
