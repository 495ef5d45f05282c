//! A task instance: its state and the reason for it, timings and delays, every attempt (a tab
//! each) with its log, tailed live over server-sent events while it runs, the output, and the
//! task's templates rendered for this run.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use weir_executor::rendered::{RenderedField, rendered_fields};

use super::dag_header::{self, DagHeader};
use super::format;
use super::gantt;
use super::page::{Chrome, Nav, PageResult, render};
use crate::api::problem::ApiError;
use crate::api::runs::find_run;
use crate::api::task_instances::{find_task_instance, log_page};
use crate::api::views::{LogLineView, TaskInstanceView};
use crate::app::AppState;
use crate::auth::WebUser;
use crate::auth::principal::encode_query;

/// Lines rendered with the page; the live tail brings the rest.
const FIRST_LINES: i64 = 5_000;

#[derive(Debug, Deserialize)]
pub struct TiQuery {
    #[serde(rename = "try")]
    try_number: Option<i32>,
    fragment: Option<String>,
}

struct AttemptRow {
    try_number: i32,
    worker: String,
    state: &'static str,
    letter: &'static str,
    reason: String,
    started: String,
    finished: String,
    duration: String,
}

struct Timing {
    name: &'static str,
    at: String,
}

#[derive(Template)]
#[template(path = "task_instance.html", blocks = ["live"])]
struct TiPage {
    chrome: Chrome,
    head: DagHeader,
    run_id: String,
    task_id: String,
    kind: String,
    state: &'static str,
    letter: &'static str,
    try_number: i32,
    max_tries: i32,
    worker: String,
    pool: String,
    queue: String,
    reason: String,
    timings: Vec<Timing>,
    scheduler_delay: String,
    pickup_delay: String,
    duration: String,
    attempts: Vec<AttemptRow>,
    tries: Vec<i32>,
    shown_try: i32,
    log: Vec<LogLineView>,
    log_finished: bool,
    log_stream: String,
    output: Option<String>,
    rendered: Vec<RenderedField>,
    api_base: String,
    live_url: String,
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((dag_id, run_id, task_id)): Path<(String, String, String)>,
    Query(query): Query<TiQuery>,
) -> PageResult {
    let (record, _) = dag_header::load(&state, &dag_id).await?;
    let run = find_run(&state, &dag_id, &run_id).await?;
    let ti = find_task_instance(&state, &dag_id, &run_id, &task_id).await?;
    let (attempts, output, siblings) = tokio::try_join!(
        state.store.list_attempts(ti.id),
        state.store.get_output(ti.id),
        state.store.task_instances(run.id)
    )?;
    let view = TaskInstanceView::new(&ti, &run_id);
    let shown_try = query
        .try_number
        .unwrap_or(ti.try_number)
        .clamp(0, ti.try_number.max(0));
    let (log, log_finished, next_seq) = if shown_try >= 1 {
        let page = log_page(&state, &ti, shown_try, 0, FIRST_LINES).await?;
        (page.lines, page.finished, page.next_seq)
    } else {
        (Vec::new(), true, 0)
    };
    let api_base = format!(
        "/api/v1/dags/{}/runs/{}/task_instances/{}",
        encode_query(&dag_id),
        encode_query(&run_id),
        encode_query(&task_id)
    );
    // The templates as this run renders them, from the DAG version the run is pinned to.
    let dag = state.dag_version(run.dag_version_id).await?;
    let (kind, rendered) = match dag.task(&task_id) {
        Some(task) => (
            task.kind.type_name().to_string(),
            rendered_fields(state.store.as_ref(), &run, &dag, &task_id, ti.try_number)
                .await
                .map_err(ApiError::Internal)?,
        ),
        None => ("not in this run's DAG version".into(), Vec::new()),
    };
    // Ready when its upstreams finished (as on the run's Gantt chart), not when it was created.
    let ready = gantt::ready_at(&ti, Some(&dag), &gantt::finish_times(&siblings));
    let timings = [
        ("created", Some(ti.created_at)),
        ("scheduled", ti.scheduled_at),
        ("queued", ti.queued_at),
        ("claimed", ti.claimed_at),
        ("started", ti.started_at),
        ("finished", ti.finished_at),
        ("retry at", ti.retry_at),
    ]
    .into_iter()
    .map(|(name, at)| Timing {
        name,
        at: format::opt_time(at),
    })
    .collect();
    let page = TiPage {
        chrome: Chrome::new(&user, Nav::Dags, format!("{task_id} · {run_id}")),
        head: DagHeader::new(&record, "runs"),
        kind,
        state: ti.state.as_str(),
        letter: format::state_letter(ti.state.as_str()),
        try_number: ti.try_number,
        max_tries: ti.max_tries,
        worker: ti.worker_id.clone().unwrap_or_default(),
        pool: ti.pool.clone(),
        queue: ti.queue.clone(),
        reason: ti.reason.clone().unwrap_or_default(),
        timings,
        scheduler_delay: format::opt_secs(format::between(Some(ready), ti.queued_at)),
        pickup_delay: format::opt_secs(view.pickup_delay_s),
        duration: format::opt_secs(view.duration_s),
        attempts: attempts
            .iter()
            .map(|a| AttemptRow {
                try_number: a.try_number,
                worker: a.worker_id.clone().unwrap_or_default(),
                state: a.state.as_str(),
                letter: format::state_letter(a.state.as_str()),
                reason: a.reason.clone().unwrap_or_default(),
                started: format::time(a.started_at),
                finished: format::opt_time(a.finished_at),
                duration: format::opt_secs(format::between(Some(a.started_at), a.finished_at)),
            })
            .collect(),
        tries: (1..=ti.try_number).collect(),
        shown_try,
        log,
        log_finished,
        log_stream: format!("{api_base}/logs/{shown_try}/stream?after={next_seq}"),
        output: output.map(|o| serde_json::to_string_pretty(&o.value).unwrap_or_default()),
        rendered,
        live_url: format!(
            "/dags/{}/runs/{}/tasks/{}?fragment=live&try={shown_try}",
            encode_query(&dag_id),
            encode_query(&run_id),
            encode_query(&task_id)
        ),
        api_base,
        run_id,
        task_id,
    };
    if query.fragment.is_some() {
        return render(&page.as_live());
    }
    render(&page)
}
