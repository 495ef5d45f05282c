//! A DAG's grid: tasks down (topological order), runs across (oldest left), one cell per task
//! instance with its state's color and letter. Paged over runs: one page costs one
//! `list_runs_page` and one `task_instances_of_runs`, so 100,000 runs open as fast as 10.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use weir_store::RunQuery;

use super::dag_header::{self, DagHeader};
use super::format::{self, LEGEND};
use super::page::{Chrome, Nav, PageResult, render};
use super::pager::Pager;
use crate::api::extract::PageParams;
use crate::app::AppState;
use crate::auth::WebUser;

/// Runs per grid page unless the URL says otherwise.
pub const DEFAULT_RUNS: i64 = 25;

#[derive(Debug, Deserialize)]
pub struct GridQuery {
    limit: Option<i64>,
    offset: Option<i64>,
    fragment: Option<String>,
}

struct RunColumn {
    run_id: String,
    state: String,
    title: String,
}

struct Cell {
    state: &'static str,
    letter: &'static str,
    run_id: String,
    title: String,
}

struct TaskRow {
    task_id: String,
    kind: String,
    cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "grid.html", blocks = ["live"])]
struct GridPage {
    chrome: Chrome,
    head: DagHeader,
    runs: Vec<RunColumn>,
    rows: Vec<TaskRow>,
    pager: Pager,
    legend: [(&'static str, &'static str); 10],
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(dag_id): Path<String>,
    Query(query): Query<GridQuery>,
) -> PageResult {
    let (limit, offset) = PageParams {
        limit: Some(query.limit.unwrap_or(DEFAULT_RUNS)),
        offset: query.offset,
    }
    .resolve()?;
    let (record, dag) = dag_header::load(&state, &dag_id).await?;
    let (mut runs, total) = state
        .store
        .list_runs_page(&RunQuery {
            dag_id: Some(dag_id.clone()),
            state: None,
            limit,
            offset,
        })
        .await?;
    runs.reverse(); // oldest on the left, like time
    let pks: Vec<i64> = runs.iter().map(|r| r.id).collect();
    let tis = state.store.task_instances_of_runs(&pks).await?;

    // Rows: the latest version's tasks in topological order, then tasks that only older runs
    // had (removed since), in the order they first appear.
    let mut order: Vec<(String, String)> = dag
        .as_ref()
        .map(|d| {
            d.tasks
                .iter()
                .map(|t| (t.task_id.to_string(), t.kind.type_name().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let mut row_of: HashMap<String, usize> = order
        .iter()
        .enumerate()
        .map(|(i, (t, _))| (t.clone(), i))
        .collect();
    for ti in &tis {
        if !row_of.contains_key(&ti.task_id) {
            row_of.insert(ti.task_id.clone(), order.len());
            order.push((ti.task_id.clone(), "not in the latest version".into()));
        }
    }
    let column_of: HashMap<i64, usize> = pks.iter().enumerate().map(|(i, pk)| (*pk, i)).collect();
    let mut states: Vec<Vec<Option<(&'static str, i32)>>> =
        vec![vec![None; runs.len()]; order.len()];
    for ti in &tis {
        if let (Some(&row), Some(&col)) = (row_of.get(&ti.task_id), column_of.get(&ti.run_pk)) {
            states[row][col] = Some((ti.state.as_str(), ti.try_number));
        }
    }
    let rows = order
        .into_iter()
        .zip(states)
        .map(|((task_id, kind), cells)| {
            let cells = cells
                .into_iter()
                .zip(&runs)
                .map(|(cell, run)| {
                    let (state, tries) = cell.unwrap_or(("none", 0));
                    Cell {
                        state,
                        letter: format::state_letter(state),
                        run_id: run.run_id.clone(),
                        title: format!(
                            "{task_id} · {} · {state}{}",
                            format::time(run.logical_date),
                            if tries > 1 {
                                format!(" (try {tries})")
                            } else {
                                String::new()
                            }
                        ),
                    }
                })
                .collect();
            TaskRow {
                task_id,
                kind,
                cells,
            }
        })
        .collect();
    let columns = runs
        .iter()
        .map(|r| RunColumn {
            run_id: r.run_id.clone(),
            state: r.state.as_str().to_string(),
            title: format!(
                "{} · {} · {}",
                r.run_id,
                r.state.as_str(),
                format::time(r.logical_date)
            ),
        })
        .collect();
    let page = GridPage {
        chrome: Chrome::new(&user, Nav::Dags, format!("{dag_id} grid")),
        head: DagHeader::new(&record, "grid"),
        runs: columns,
        rows,
        pager: Pager::new(&format!("/dags/{dag_id}/grid"), &[], total, limit, offset)
            .newest_first(),
        legend: LEGEND,
    };
    if query.fragment.is_some() {
        return render(&page.as_live());
    }
    render(&page)
}
