//! The HTTP server: the API, the dashboard, login, /metrics, with the layers every request
//! goes through (body limit, tracing, security headers, request counting).

mod state;

use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use tokio_util::sync::CancellationToken;
use tower_http::trace::TraceLayer;

pub use state::AppState;

use crate::auth::session;

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    let limit = state.config.server.max_body_bytes;
    Router::new()
        .nest("/api/v1", crate::api::router())
        .route("/metrics", get(crate::api::health::metrics))
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .merge(crate::web::router())
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            invalidate_on_writes,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_and_harden,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Counts requests for /metrics, and sets the headers that keep pages from being framed or
/// sniffed into something else.
async fn count_and_harden(State(state): State<AppState>, request: Request, next: Next) -> Response {
    state.metrics.http_requests.fetch_add(1, Ordering::Relaxed);
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// After a request that may have changed something (any method but GET, HEAD and OPTIONS:
/// pause, trigger, clear, mark, ...), the DAG list's cached pages are read again, before the
/// response is sent: a client that lists DAGs after its write sees the write. A refused one
/// (4xx) wrote nothing, and must not let anyone without a token empty the cache at will.
async fn invalidate_on_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let safe = request.method().is_safe();
    let response = next.run(request).await;
    if !safe && !response.status().is_client_error() {
        state.dag_pages.invalidate();
    }
    response
}

/// Serves until `shutdown` fires, then finishes the requests in flight.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    // A lake URL that cannot be used stops the server here, not at its first feature request.
    let lake = state
        .lake()
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the lake (lake_url, WEIR_LAKE_URL): {e}"))?;
    tracing::info!(lake = %lake.root(), "feature views are read from the lake");
    let mut state = state;
    state.shutdown = shutdown.clone();
    let collector = tokio::spawn(crate::metrics::run_collector(
        state.metrics.clone(),
        state.store.clone(),
        std::time::Duration::from_secs(5),
        shutdown.clone(),
    ));
    let app = router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await?;
    collector.abort();
    Ok(())
}
