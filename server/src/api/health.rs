//! Health (no authentication) and /metrics (Prometheus text; authenticated unless
//! `server.public_metrics`).

use std::fmt::Write;

use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::problem::{ApiError, ApiResult};
use super::views::{ComponentHealth, Health};
use crate::app::AppState;
use crate::auth::principal::authenticate;

/// A scheduler or worker whose heartbeat is older than this is taken for gone.
const HEARTBEAT_STALE_S: f64 = 60.0;

fn component(ok: bool, detail: Option<String>) -> ComponentHealth {
    ComponentHealth {
        status: if ok { "healthy" } else { "unhealthy" }.into(),
        detail,
    }
}

/// Whether the database answers, the newest scheduler heartbeat's age, and live workers. 200
/// when healthy, 503 otherwise.
#[utoipa::path(get, path = "/health", tag = "health", security(()),
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn health(State(state): State<AppState>) -> (StatusCode, axum::Json<Health>) {
    let now = Utc::now();
    let schedulers = state.store.list_schedulers().await;
    let workers = state.store.list_workers().await;
    let database = component(
        schedulers.is_ok() && workers.is_ok(),
        schedulers
            .as_ref()
            .err()
            .map(|_| "the database does not answer".to_string()),
    );
    let age = schedulers.as_ref().ok().and_then(|list| {
        list.iter()
            .map(|s| (now - s.last_heartbeat).num_milliseconds() as f64 / 1000.0)
            .reduce(f64::min)
    });
    let scheduler_ok = age.is_some_and(|a| a < HEARTBEAT_STALE_S);
    let scheduler = component(
        scheduler_ok,
        (!scheduler_ok).then(|| match age {
            Some(a) => format!("the newest scheduler heartbeat is {a:.0}s old"),
            None => "no scheduler has ever run against this database".into(),
        }),
    );
    let workers_alive = workers
        .map(|list| {
            list.iter()
                .filter(|w| {
                    ((now - w.last_heartbeat).num_milliseconds() as f64 / 1000.0)
                        < HEARTBEAT_STALE_S
                })
                .count()
        })
        .unwrap_or(0);
    let healthy = database.status == "healthy" && scheduler_ok;
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(Health {
            status: if healthy { "healthy" } else { "unhealthy" }.into(),
            database,
            scheduler,
            scheduler_heartbeat_age_s: age,
            workers_alive,
        }),
    )
}

/// Prometheus metrics: runs and task instances by state, scheduler and pickup delay
/// histograms, claims (attempts) and worker heartbeat ages.
pub async fn metrics(State(state): State<AppState>, parts: Parts) -> ApiResult<Response> {
    if !state.config.server.public_metrics && authenticate(&state, &parts).await?.is_none() {
        return Err(ApiError::Unauthorized(
            "/metrics needs a token (or set server.public_metrics = true)".into(),
        ));
    }
    if let Err(e) = state.metrics.collect(state.store.as_ref()).await {
        tracing::warn!(error = %e, "metrics collection failed");
    }
    let counts = state.store.count_states().await?;
    let workers = state.store.list_workers().await?;
    let running = state.store.running_by_worker().await?;
    let now = Utc::now();
    let mut out = String::with_capacity(4096);
    let _ = writeln!(
        out,
        "# HELP weir_runs Runs by state.\n# TYPE weir_runs gauge"
    );
    for (s, n) in &counts.runs {
        let _ = writeln!(out, "weir_runs{{state=\"{s}\"}} {n}");
    }
    let _ = writeln!(
        out,
        "# HELP weir_task_instances Task instances by state.\n# TYPE weir_task_instances gauge"
    );
    for (s, n) in &counts.task_instances {
        let _ = writeln!(out, "weir_task_instances{{state=\"{s}\"}} {n}");
    }
    let _ = writeln!(
        out,
        "# HELP weir_task_attempts_total Attempts started: one per claim.\n# TYPE weir_task_attempts_total counter\nweir_task_attempts_total {}",
        counts.attempts
    );
    state.metrics.render_histograms(&mut out);
    let _ = writeln!(
        out,
        "# HELP weir_worker_heartbeat_age_seconds Seconds since each worker's last heartbeat.\n# TYPE weir_worker_heartbeat_age_seconds gauge"
    );
    for w in &workers {
        let age = (now - w.last_heartbeat).num_milliseconds() as f64 / 1000.0;
        let _ = writeln!(
            out,
            "weir_worker_heartbeat_age_seconds{{worker=\"{}\"}} {age}",
            escape_label(&w.worker_id)
        );
    }
    let _ = writeln!(
        out,
        "# HELP weir_worker_running Task instances running on each worker.\n# TYPE weir_worker_running gauge"
    );
    for (w, n) in &running {
        let _ = writeln!(
            out,
            "weir_worker_running{{worker=\"{}\"}} {n}",
            escape_label(w)
        );
    }
    let _ = writeln!(
        out,
        "# HELP weir_http_requests_total HTTP requests served by this server.\n# TYPE weir_http_requests_total counter\nweir_http_requests_total {}",
        state
            .metrics
            .http_requests
            .load(std::sync::atomic::Ordering::Relaxed)
    );
    let mut response = out.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    Ok(response)
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
