//! One run: its facts, its task instances with their delays and reasons, and the Gantt chart of
//! their attempts. Attempts are read only for task instances that were tried more than once.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use chrono::Utc;
use serde::Deserialize;

use super::dag_header::{self, DagHeader};
use super::format;
use super::gantt::{self, Gantt};
use super::page::{Chrome, Nav, PageResult, render};
use crate::api::runs::find_run;
use crate::app::AppState;
use crate::auth::WebUser;

#[derive(Debug, Deserialize)]
pub struct RunQuery {
    fragment: Option<String>,
}

struct TiRow {
    task_id: String,
    state: &'static str,
    letter: &'static str,
    try_number: i32,
    max_tries: i32,
    worker: String,
    scheduler_delay: String,
    pickup_delay: String,
    duration: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "run.html", blocks = ["live"])]
struct RunPage {
    chrome: Chrome,
    head: DagHeader,
    run_id: String,
    state: String,
    letter: &'static str,
    run_type: String,
    logical_date: String,
    interval: String,
    created: String,
    started: String,
    finished: String,
    triggered_by: String,
    conf: String,
    version: Option<i32>,
    rows: Vec<TiRow>,
    gantt: Gantt,
    live_url: String,
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((dag_id, run_id)): Path<(String, String)>,
    Query(query): Query<RunQuery>,
) -> PageResult {
    let (record, _) = dag_header::load(&state, &dag_id).await?;
    let run = find_run(&state, &dag_id, &run_id).await?;
    let dag = state.dag_version(run.dag_version_id).await.ok();
    let (tis, versions) = tokio::try_join!(
        state.store.task_instances(run.id),
        state.store.list_dag_versions(&dag_id)
    )?;
    let retried: Vec<i64> = tis
        .iter()
        .filter(|t| t.try_number > 1)
        .map(|t| t.id)
        .collect();
    let lists =
        futures_util::future::try_join_all(retried.iter().map(|id| state.store.list_attempts(*id)))
            .await?;
    let attempts: HashMap<i64, _> = retried.into_iter().zip(lists).collect();
    let now = Utc::now();
    let chart = gantt::build(&tis, &attempts, dag.as_deref(), now);
    let finished = gantt::finish_times(&tis);
    let rows = tis
        .iter()
        .map(|t| {
            let view = crate::api::views::TaskInstanceView::new(t, &run.run_id);
            // Ready when its upstreams finished, not when the run created it.
            let ready = gantt::ready_at(t, dag.as_deref(), &finished);
            TiRow {
                task_id: t.task_id.clone(),
                state: t.state.as_str(),
                letter: format::state_letter(t.state.as_str()),
                try_number: t.try_number,
                max_tries: t.max_tries,
                worker: t.worker_id.clone().unwrap_or_default(),
                scheduler_delay: format::opt_secs(format::between(Some(ready), t.queued_at)),
                pickup_delay: format::opt_secs(view.pickup_delay_s),
                duration: format::opt_secs(view.duration_s),
                reason: t.reason.clone().unwrap_or_default(),
            }
        })
        .collect();
    let page = RunPage {
        chrome: Chrome::new(&user, Nav::Dags, format!("{dag_id} {run_id}")),
        head: DagHeader::new(&record, "runs"),
        state: run.state.as_str().into(),
        letter: format::state_letter(run.state.as_str()),
        run_type: run.run_type.as_str().into(),
        logical_date: format::time(run.logical_date),
        interval: format!(
            "{} → {}",
            format::time(run.data_interval.start),
            format::time(run.data_interval.end)
        ),
        created: format::time(run.created_at),
        started: format::opt_time(run.started_at),
        finished: format::opt_time(run.finished_at),
        triggered_by: run.triggered_by.clone().unwrap_or_default(),
        conf: serde_json::to_string_pretty(&run.conf).unwrap_or_default(),
        version: versions
            .iter()
            .find(|v| v.id == run.dag_version_id)
            .map(|v| v.version),
        rows,
        gantt: chart,
        live_url: format!(
            "/dags/{}/runs/{}?fragment=live",
            crate::auth::principal::encode_query(&dag_id),
            crate::auth::principal::encode_query(&run.run_id)
        ),
        run_id: run.run_id,
    };
    if query.fragment.is_some() {
        return render(&page.as_live());
    }
    render(&page)
}
