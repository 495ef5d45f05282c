//! Runs lists: every DAG's runs (`/runs`) and one DAG's (`/dags/{id}/runs`), newest first,
//! filtered by state, paged, live.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use super::dag_header::{self, DagHeader};
use super::format;
use super::page::{Chrome, Nav, PageResult, render};
use super::pager::Pager;
use crate::api::runs::{RunFilter, run_page};
use crate::api::views::RunView;
use crate::app::AppState;
use crate::auth::WebUser;

#[derive(Debug, Deserialize)]
pub struct RunsQuery {
    state: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
    fragment: Option<String>,
}

pub struct RunRow {
    pub dag_id: String,
    pub run_id: String,
    pub state: String,
    pub letter: &'static str,
    pub run_type: String,
    pub logical_date: String,
    pub started: String,
    pub duration: String,
    pub triggered_by: String,
}

impl RunRow {
    pub fn new(r: &RunView) -> Self {
        RunRow {
            dag_id: r.dag_id.clone(),
            run_id: r.run_id.clone(),
            state: r.state.clone(),
            letter: format::state_letter(&r.state),
            run_type: r.run_type.clone(),
            logical_date: format::time(r.logical_date),
            started: format::opt_time(r.started_at),
            duration: format::opt_secs(format::between(
                r.started_at,
                r.finished_at
                    .or_else(|| r.started_at.map(|_| chrono::Utc::now())),
            )),
            triggered_by: r.triggered_by.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "runs.html", blocks = ["live"])]
struct RunsPage {
    chrome: Chrome,
    head: Option<DagHeader>,
    rows: Vec<RunRow>,
    pager: Pager,
    state: String,
    path: String,
}

pub async fn all(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<RunsQuery>,
) -> PageResult {
    list(state, user, None, query).await
}

pub async fn of_dag(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(dag_id): Path<String>,
    Query(query): Query<RunsQuery>,
) -> PageResult {
    list(state, user, Some(dag_id), query).await
}

async fn list(
    state: AppState,
    user: crate::auth::Principal,
    dag_id: Option<String>,
    query: RunsQuery,
) -> PageResult {
    let head = match &dag_id {
        Some(id) => Some(DagHeader::new(
            &dag_header::load(&state, id).await?.0,
            "runs",
        )),
        None => None,
    };
    let filter = RunFilter {
        state: query.state.clone().filter(|s| !s.is_empty()),
        limit: query.limit,
        offset: query.offset,
    };
    let runs = run_page(&state, dag_id.as_deref(), &filter).await?;
    let path = match &dag_id {
        Some(id) => format!("/dags/{}/runs", crate::auth::principal::encode_query(id)),
        None => "/runs".to_string(),
    };
    let page = RunsPage {
        chrome: Chrome::new(
            &user,
            if dag_id.is_some() {
                Nav::Dags
            } else {
                Nav::Runs
            },
            match &dag_id {
                Some(id) => format!("{id} runs"),
                None => "Runs".into(),
            },
        ),
        head,
        rows: runs.items.iter().map(RunRow::new).collect(),
        pager: Pager::new(
            &path,
            &[("state", query.state.as_deref())],
            runs.total,
            runs.limit,
            runs.offset,
        )
        .newest_first(),
        state: query.state.unwrap_or_default(),
        path,
    };
    if query.fragment.is_some() {
        return render(&page.as_live());
    }
    render(&page)
}
