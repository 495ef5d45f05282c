//! Task instances of a run, one with its attempts, their logs (a range, or a live stream) and
//! the output.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;
use utoipa::IntoParams;
use weir_core::state::TaskState;
use weir_store::TaskInstanceRecord;

use super::extract::{ApiQuery, PageParams, check_id, paginate};
use super::problem::Problem;
use super::problem::{ApiError, ApiResult};
use super::runs::find_run;
use super::views::*;
use crate::app::AppState;
use crate::auth::ApiUser;

/// Every task instance of a run, in the DAG's order.
#[utoipa::path(get, path = "/dags/{dag_id}/runs/{run_id}/task_instances", tag = "task_instances",
    params(PageParams, ("dag_id" = String, Path), ("run_id" = String, Path)),
    responses((status = 200, body = Page<TaskInstanceView>), (status = 404, body = Problem)))]
pub async fn list_task_instances(
    State(state): State<AppState>,
    _user: ApiUser,
    Path((dag_id, run_id)): Path<(String, String)>,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<axum::Json<Page<TaskInstanceView>>> {
    let run = find_run(&state, &dag_id, &run_id).await?;
    let tis = state.store.task_instances(run.id).await?;
    Ok(axum::Json(paginate(
        tis.iter()
            .map(|t| TaskInstanceView::new(t, &run_id))
            .collect(),
        page,
    )?))
}

/// A task instance that exists, or a 404.
pub async fn find_task_instance(
    state: &AppState,
    dag_id: &str,
    run_id: &str,
    task_id: &str,
) -> ApiResult<TaskInstanceRecord> {
    check_id("task", task_id)?;
    let run = find_run(state, dag_id, run_id).await?;
    state
        .store
        .task_instances(run.id)
        .await?
        .into_iter()
        .find(|t| t.task_id == task_id)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "run `{run_id}` of DAG `{dag_id}` has no task `{task_id}`"
            ))
        })
}

/// A task instance with all its attempts and timings.
#[utoipa::path(get, path = "/dags/{dag_id}/runs/{run_id}/task_instances/{task_id}", tag = "task_instances",
    params(("dag_id" = String, Path), ("run_id" = String, Path), ("task_id" = String, Path)),
    responses((status = 200, body = TaskInstanceDetail), (status = 404, body = Problem)))]
pub async fn get_task_instance(
    State(state): State<AppState>,
    _user: ApiUser,
    Path((dag_id, run_id, task_id)): Path<(String, String, String)>,
) -> ApiResult<axum::Json<TaskInstanceDetail>> {
    let ti = find_task_instance(&state, &dag_id, &run_id, &task_id).await?;
    let attempts = state.store.list_attempts(ti.id).await?;
    Ok(axum::Json(TaskInstanceDetail {
        task_instance: TaskInstanceView::new(&ti, &run_id),
        attempts: attempts.iter().map(AttemptView::from).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogRange {
    /// Lines after this sequence number (0 for the start); `next_seq` of the previous page.
    #[serde(default)]
    pub after: i64,
    /// At most this many lines (1..=10000, default 1000).
    pub limit: Option<i64>,
}

const MAX_LOG_LINES: i64 = 10_000;

/// A range of an attempt's log, and whether the attempt is over.
pub async fn log_page(
    state: &AppState,
    ti: &TaskInstanceRecord,
    try_number: i32,
    after: i64,
    limit: i64,
) -> ApiResult<LogPage> {
    if try_number < 1 || try_number > ti.try_number.max(1) {
        return Err(ApiError::NotFound(format!(
            "task `{}` has no attempt {try_number} (it has had {})",
            ti.task_id, ti.try_number
        )));
    }
    let lines = state
        .store
        .read_logs(ti.id, try_number, after.max(0), limit)
        .await?;
    let next_seq = lines.last().map_or(after.max(0), |l| l.seq);
    let finished = try_number < ti.try_number || ti.state != TaskState::Running;
    Ok(LogPage {
        try_number,
        lines: lines.iter().map(LogLineView::from).collect(),
        next_seq,
        finished,
    })
}

/// A range of one attempt's log: pass `next_seq` as `after` to tail it.
#[utoipa::path(get, path = "/dags/{dag_id}/runs/{run_id}/task_instances/{task_id}/logs/{try_number}", tag = "task_instances",
    params(("dag_id" = String, Path), ("run_id" = String, Path), ("task_id" = String, Path), ("try_number" = i32, Path), LogRange),
    responses((status = 200, body = LogPage), (status = 404, body = Problem)))]
pub async fn get_logs(
    State(state): State<AppState>,
    _user: ApiUser,
    Path((dag_id, run_id, task_id, try_number)): Path<(String, String, String, i32)>,
    ApiQuery(range): ApiQuery<LogRange>,
) -> ApiResult<axum::Json<LogPage>> {
    let limit = range.limit.unwrap_or(1000);
    if !(1..=MAX_LOG_LINES).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit={limit}: ask for 1 to {MAX_LOG_LINES} lines"
        )));
    }
    let ti = find_task_instance(&state, &dag_id, &run_id, &task_id).await?;
    Ok(axum::Json(
        log_page(&state, &ti, try_number, range.after, limit).await?,
    ))
}

/// One attempt's log as server-sent events: a `line` event per line (its JSON), then `end` when
/// the attempt is over. Reconnecting with `Last-Event-ID` (or `after`) resumes after that line.
#[utoipa::path(get, path = "/dags/{dag_id}/runs/{run_id}/task_instances/{task_id}/logs/{try_number}/stream", tag = "task_instances",
    params(("dag_id" = String, Path), ("run_id" = String, Path), ("task_id" = String, Path), ("try_number" = i32, Path), LogRange),
    responses((status = 200, description = "text/event-stream of `line` events, then `end`"), (status = 404, body = Problem)))]
pub async fn stream_logs(
    State(state): State<AppState>,
    _user: ApiUser,
    headers: axum::http::HeaderMap,
    Path((dag_id, run_id, task_id, try_number)): Path<(String, String, String, i32)>,
    ApiQuery(range): ApiQuery<LogRange>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let ti = find_task_instance(&state, &dag_id, &run_id, &task_id).await?;
    // Checks the attempt exists before the stream starts, so that a wrong one is a 404.
    log_page(&state, &ti, try_number, 0, 1).await?;
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(range.after);
    Ok(Sse::new(log_events(state, ti.id, try_number, resume)).keep_alive(KeepAlive::default()))
}

/// Tails the log: reads what is new, waits for a store wake-up (or a short poll, since log
/// lines do not wake anyone), and ends after the attempt is over and everything was sent.
pub fn log_events(
    state: AppState,
    ti_id: i64,
    try_number: i32,
    after: i64,
) -> impl Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::unfold(
        (state, after, false),
        move |(state, after, done)| async move {
            if done {
                return None;
            }
            let mut after = after;
            loop {
                let mut wakeups = state.store.subscribe();
                let ti = match state.store.get_task_instance(ti_id).await {
                    Ok(Some(ti)) => ti,
                    _ => {
                        return Some((
                            Ok(Event::default().event("end").data("gone")),
                            (state, after, true),
                        ));
                    }
                };
                let lines = match state.store.read_logs(ti_id, try_number, after, 500).await {
                    Ok(lines) => lines,
                    Err(e) => {
                        tracing::warn!(error = %e, "log stream read failed");
                        Vec::new()
                    }
                };
                if !lines.is_empty() {
                    let events: Vec<String> = lines
                        .iter()
                        .map(|l| serde_json::to_string(&LogLineView::from(l)).unwrap_or_default())
                        .collect();
                    after = lines.last().map_or(after, |l| l.seq);
                    let event = Event::default()
                        .event("lines")
                        .id(after.to_string())
                        .data(format!("[{}]", events.join(",")));
                    return Some((Ok(event), (state, after, false)));
                }
                let over = try_number < ti.try_number || ti.state != TaskState::Running;
                if over {
                    return Some((
                        Ok(Event::default().event("end").data("finished")),
                        (state, after, true),
                    ));
                }
                let _ = wakeups.wait(Duration::from_millis(250)).await;
            }
        },
    )
}

/// The task instance's output (the JSON it wrote to $WEIR_OUTPUT), if any.
#[utoipa::path(get, path = "/dags/{dag_id}/runs/{run_id}/task_instances/{task_id}/output", tag = "task_instances",
    params(("dag_id" = String, Path), ("run_id" = String, Path), ("task_id" = String, Path)),
    responses((status = 200, body = OutputView), (status = 404, body = Problem)))]
pub async fn get_output(
    State(state): State<AppState>,
    _user: ApiUser,
    Path((dag_id, run_id, task_id)): Path<(String, String, String)>,
) -> ApiResult<axum::Json<OutputView>> {
    let ti = find_task_instance(&state, &dag_id, &run_id, &task_id).await?;
    let output = state.store.get_output(ti.id).await?.ok_or_else(|| {
        ApiError::NotFound(format!("task `{task_id}` of run `{run_id}` has no output"))
    })?;
    Ok(axum::Json(OutputView {
        try_number: output.try_number,
        value: output.value,
        created_at: output.created_at,
    }))
}

/// The task's templated options as they render for this run (what the attempt ran with).
#[utoipa::path(get, path = "/dags/{dag_id}/runs/{run_id}/task_instances/{task_id}/rendered", tag = "task_instances",
    params(("dag_id" = String, Path), ("run_id" = String, Path), ("task_id" = String, Path)),
    responses((status = 200, body = Vec<RenderedFieldView>), (status = 404, body = Problem)))]
pub async fn get_rendered(
    State(state): State<AppState>,
    _user: ApiUser,
    Path((dag_id, run_id, task_id)): Path<(String, String, String)>,
) -> ApiResult<axum::Json<Vec<RenderedFieldView>>> {
    let ti = find_task_instance(&state, &dag_id, &run_id, &task_id).await?;
    let run = super::runs::find_run(&state, &dag_id, &run_id).await?;
    let dag = state.dag_version(run.dag_version_id).await?;
    let fields = weir_executor::rendered::rendered_fields(
        state.store.as_ref(),
        &run,
        &dag,
        &task_id,
        ti.try_number,
    )
    .await?;
    Ok(axum::Json(
        fields
            .into_iter()
            .map(|f| RenderedFieldView {
                key: f.key,
                template: f.template,
                error: f.rendered.as_ref().err().cloned(),
                rendered: f.rendered.ok(),
            })
            .collect(),
    ))
}
