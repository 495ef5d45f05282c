//! The REST API under /api/v1: JSON, problem+json errors, described by an OpenAPI 3 document
//! generated from the handlers (`/api/v1/openapi.json`), so that the document and the routes
//! cannot drift apart.

pub mod access;
pub mod admin;
pub mod dag_page_cache;
pub mod dags;
pub mod data;
pub mod extract;
pub mod features;
pub mod health;
pub mod problem;
pub mod runs;
pub mod task_instances;
pub mod training_set;
pub mod views;

use axum::Json;
use axum::routing::get;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use problem::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Weir API",
        description = "Trigger, watch and operate Weir's pipelines. Authenticate with `Authorization: Bearer <token>` (`weir tokens create --role operator`). Errors are RFC 9457 problem details.",
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "dags"), (name = "runs"), (name = "task_instances"), (name = "backfills"),
        (name = "pools"), (name = "workers"), (name = "data"), (name = "access"), (name = "health")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The API's routes, each registered with its OpenAPI description.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(dags::list_dags))
        .routes(routes!(dags::get_dag, dags::patch_dag))
        .routes(routes!(dags::list_versions))
        .routes(routes!(dags::get_version_source))
        .routes(routes!(runs::list_all_runs))
        .routes(routes!(runs::list_runs, runs::trigger))
        .routes(routes!(runs::get_run))
        .routes(routes!(runs::clear))
        .routes(routes!(runs::mark))
        .routes(routes!(task_instances::list_task_instances))
        .routes(routes!(task_instances::get_task_instance))
        .routes(routes!(task_instances::get_logs))
        .routes(routes!(task_instances::stream_logs))
        .routes(routes!(task_instances::get_output))
        .routes(routes!(task_instances::get_rendered))
        .routes(routes!(admin::list_import_errors))
        .routes(routes!(admin::list_backfills, admin::create))
        .routes(routes!(admin::get))
        .routes(routes!(admin::cancel))
        .routes(routes!(admin::list_pools, admin::create_pool))
        .routes(routes!(admin::update_pool, admin::delete_pool))
        .routes(routes!(admin::list_workers))
        .routes(routes!(access::list_tokens, access::create_token))
        .routes(routes!(access::revoke_token))
        .routes(routes!(access::list_users, access::create_user))
        .routes(routes!(access::update_user, access::delete_user))
        .routes(routes!(data::list_datasets))
        .routes(routes!(data::list_versions))
        .routes(routes!(data::list_validations))
        .routes(routes!(data::lineage))
        .routes(routes!(data::list_views))
        .routes(routes!(data::online))
        .routes(routes!(features::historical))
        // The path above shadows the online lookup of an entity whose key is `historical`.
        .route(
            "/features/{view}/historical",
            get(features::online_entity_historical),
        )
        .routes(routes!(health::health))
}

/// The OpenAPI document, as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

/// /api/v1 with the document at /api/v1/openapi.json and a problem+json 404 for the rest.
pub fn router() -> axum::Router<AppState> {
    let (router, doc) = routes().split_for_parts();
    let doc = std::sync::Arc::new(doc);
    router
        .route(
            "/openapi.json",
            get(move |_user: crate::auth::ApiUser| {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(|uri: axum::http::Uri| async move {
            ApiError::NotFound(format!(
                "no API route {}; /api/v1/openapi.json lists them",
                uri.path()
            ))
        })
}
