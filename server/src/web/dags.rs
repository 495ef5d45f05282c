//! The DAGs page: every DAG with search, tag filter, pause toggle, schedule, next and last run,
//! a strip of recent run states, and a banner when DAG files fail to load. The DAG page comes
//! from the API's cache of DAG pages (three queries when it is stale: the page, its total, the
//! recent runs) and one query counts the import errors, whatever the number of DAGs.

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::format;
use super::page::{Chrome, Nav, PageResult, render};
use super::pager::Pager;
use crate::api::dags::{DagFilter, dag_page};
use crate::api::views::{DagView, RunBrief};
use crate::app::AppState;
use crate::auth::WebUser;

#[derive(Debug, Deserialize)]
pub struct DagsQuery {
    q: Option<String>,
    tag: Option<String>,
    /// `paused`, `active` or empty for all.
    status: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
    /// Set by live updates: only the table.
    fragment: Option<String>,
}

/// A run in a strip of recent runs.
pub struct RunChip {
    pub run_id: String,
    pub state: String,
    pub letter: &'static str,
    pub date: String,
}

impl RunChip {
    pub fn new(r: &RunBrief) -> Self {
        RunChip {
            run_id: r.run_id.clone(),
            state: r.state.clone(),
            letter: format::state_letter(&r.state),
            date: format::time(r.logical_date),
        }
    }
}

struct DagRow {
    dag_id: String,
    description: String,
    tags: Vec<String>,
    schedule: String,
    timezone: String,
    paused: bool,
    loadable: bool,
    next_run: String,
    last_run: Option<RunChip>,
    /// Oldest first, so that the newest is on the right like the grid.
    recent: Vec<RunChip>,
}

impl DagRow {
    fn new(d: &DagView) -> Self {
        let mut recent: Vec<RunChip> = d.recent_runs.iter().map(RunChip::new).collect();
        let last_run = d.recent_runs.first().map(RunChip::new);
        recent.reverse();
        DagRow {
            dag_id: d.dag_id.clone(),
            description: d.description.clone().unwrap_or_default(),
            tags: d.tags.clone(),
            schedule: d.schedule.clone().unwrap_or_else(|| "manual".into()),
            timezone: d.timezone.clone(),
            paused: d.is_paused,
            loadable: d.latest_version.is_some(),
            next_run: if d.schedule.is_none() {
                "when triggered".into()
            } else {
                format::opt_time(d.next_run_after)
            },
            last_run,
            recent,
        }
    }
}

#[derive(Template)]
#[template(path = "dags.html", blocks = ["live"])]
struct DagsPage {
    chrome: Chrome,
    rows: Vec<DagRow>,
    pager: Pager,
    q: String,
    tag: String,
    status: String,
    /// Tags seen on this page, for the filter's suggestions.
    tags: Vec<String>,
    import_errors: usize,
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<DagsQuery>,
) -> PageResult {
    let paused = match query.status.as_deref() {
        Some("paused") => Some(true),
        Some("active") => Some(false),
        _ => None,
    };
    let filter = DagFilter {
        tag: query.tag.clone().filter(|t| !t.is_empty()),
        paused,
        q: query.q.clone().filter(|q| !q.is_empty()),
        include_inactive: false,
        limit: query.limit,
        offset: query.offset,
    };
    let (cached, import_errors) = tokio::try_join!(dag_page(&state, &filter), async {
        Ok(state.store.list_import_errors().await?.len())
    })?;
    let dags = &cached.page;
    let mut tags: Vec<String> = dags.items.iter().flat_map(|d| d.tags.clone()).collect();
    tags.sort();
    tags.dedup();
    let pager = Pager::new(
        "/dags",
        &[
            ("q", query.q.as_deref()),
            ("tag", query.tag.as_deref()),
            ("status", query.status.as_deref()),
        ],
        dags.total,
        dags.limit,
        dags.offset,
    );
    let page = DagsPage {
        chrome: Chrome::new(&user, Nav::Dags, "DAGs"),
        rows: dags.items.iter().map(DagRow::new).collect(),
        pager,
        q: query.q.unwrap_or_default(),
        tag: query.tag.unwrap_or_default(),
        status: query.status.unwrap_or_default(),
        tags,
        import_errors,
    };
    if query.fragment.is_some() {
        return render(&page.as_live());
    }
    render(&page)
}
