//! Workers: queues, capacity, heartbeat age and the task instances each is running.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use chrono::Utc;
use serde::Deserialize;

use super::format;
use super::page::{Chrome, Nav, PageResult, render};
use crate::api::views::WorkerView;
use crate::app::AppState;
use crate::auth::WebUser;

#[derive(Debug, Deserialize)]
pub struct WorkersQuery {
    fragment: Option<String>,
}

struct Row {
    w: WorkerView,
    heartbeat_age: String,
    /// A heartbeat older than the lease timeout: the worker is likely gone.
    stale: bool,
    started: String,
}

#[derive(Template)]
#[template(path = "workers.html", blocks = ["live"])]
struct WorkersPage {
    chrome: Chrome,
    rows: Vec<Row>,
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<WorkersQuery>,
) -> PageResult {
    let (workers, running) =
        tokio::try_join!(state.store.list_workers(), state.store.running_by_worker())?;
    let running: HashMap<String, i64> = running.into_iter().collect();
    let now = Utc::now();
    let lease = state.config.scheduler.lease_timeout.as_std().as_secs_f64();
    let rows = workers
        .iter()
        .map(|w| {
            let w = WorkerView::new(w, running.get(&w.worker_id).copied().unwrap_or(0), now);
            Row {
                heartbeat_age: format::secs(w.heartbeat_age_s),
                stale: w.heartbeat_age_s > lease,
                started: format::time(w.started_at),
                w,
            }
        })
        .collect();
    let page = WorkersPage {
        chrome: Chrome::new(&user, Nav::Workers, "Workers"),
        rows,
    };
    if query.fragment.is_some() {
        return render(&page.as_live());
    }
    render(&page)
}
