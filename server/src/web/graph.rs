//! A DAG's graph: SVG laid out on the server (graph_layout.rs), each node colored and lettered
//! by its state in the selected run (the newest by default), refreshed live while it runs.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use weir_store::RunQuery;

use super::dag_header::{self, DagHeader};
use super::format::{self, LEGEND};
use super::graph_layout::{NODE_H, NODE_W, layered};
use super::page::{Chrome, Nav, PageResult, render};
use crate::api::extract::check_run_id;
use crate::app::AppState;
use crate::auth::WebUser;
use crate::auth::principal::encode_query;

/// Labels longer than this are cut (the full id is in the node's tooltip).
const LABEL_CHARS: usize = 24;

#[derive(Debug, Deserialize)]
pub struct GraphQuery {
    run_id: Option<String>,
    fragment: Option<String>,
}

struct Node {
    x: f64,
    y: f64,
    task_id: String,
    label: String,
    kind: &'static str,
    state: &'static str,
    letter: &'static str,
    href: String,
}

struct RunOption {
    run_id: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "graph.html", blocks = ["live"])]
struct GraphPage {
    chrome: Chrome,
    head: DagHeader,
    runs: Vec<RunOption>,
    selected: Option<String>,
    nodes: Vec<Node>,
    edges: Vec<String>,
    width: f64,
    height: f64,
    node_w: f64,
    node_h: f64,
    live_url: String,
    legend: [(&'static str, &'static str); 10],
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(dag_id): Path<String>,
    Query(query): Query<GraphQuery>,
) -> PageResult {
    let (record, latest) = dag_header::load(&state, &dag_id).await?;
    let (recent, _) = state
        .store
        .list_runs_page(&RunQuery {
            dag_id: Some(dag_id.clone()),
            state: None,
            limit: 25,
            offset: 0,
        })
        .await?;
    let selected = match query.run_id.as_deref().filter(|r| !r.is_empty()) {
        Some(run_id) => {
            check_run_id(run_id)?;
            Some(crate::api::runs::find_run(&state, &dag_id, run_id).await?)
        }
        None => recent.first().cloned(),
    };
    // The graph of the version the run used; the latest one without a run.
    let dag = match &selected {
        Some(run) => Some(state.dag_version(run.dag_version_id).await?),
        None => latest,
    };
    let states: HashMap<String, &'static str> = match &selected {
        Some(run) => state
            .store
            .task_instances(run.id)
            .await?
            .into_iter()
            .map(|ti| (ti.task_id, ti.state.as_str()))
            .collect(),
        None => HashMap::new(),
    };
    let mut runs: Vec<RunOption> = recent
        .iter()
        .map(|r| RunOption {
            run_id: r.run_id.clone(),
            label: format!(
                "{} · {} · {}",
                format::time(r.logical_date),
                r.state.as_str(),
                r.run_id
            ),
            selected: selected.as_ref().is_some_and(|s| s.id == r.id),
        })
        .collect();
    if let Some(s) = &selected
        && !runs.iter().any(|r| r.selected)
    {
        runs.insert(
            0,
            RunOption {
                run_id: s.run_id.clone(),
                label: format!(
                    "{} · {} · {}",
                    format::time(s.logical_date),
                    s.state.as_str(),
                    s.run_id
                ),
                selected: true,
            },
        );
    }

    let (mut nodes, mut edges, mut width, mut height) = (Vec::new(), Vec::new(), 0.0, 0.0);
    if let Some(dag) = &dag {
        let index: HashMap<&str, usize> = dag
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.task_id.as_str(), i))
            .collect();
        let needs: Vec<Vec<usize>> = dag
            .tasks
            .iter()
            .map(|t| {
                t.needs
                    .iter()
                    .filter_map(|n| index.get(n.as_str()).copied())
                    .collect()
            })
            .collect();
        let layout = layered(&needs);
        let dag_seg = encode_query(&dag_id);
        for (task, at) in dag.tasks.iter().zip(&layout.nodes) {
            let task_id = task.task_id.to_string();
            let st = states.get(&task_id).copied().unwrap_or("none");
            let href = match &selected {
                Some(run) => format!(
                    "/dags/{dag_seg}/runs/{}/tasks/{}",
                    encode_query(&run.run_id),
                    encode_query(&task_id)
                ),
                None => format!("/dags/{dag_seg}/code#L{}", task.line),
            };
            let label = if task_id.chars().count() > LABEL_CHARS {
                format!(
                    "{}…",
                    task_id.chars().take(LABEL_CHARS - 1).collect::<String>()
                )
            } else {
                task_id.clone()
            };
            nodes.push(Node {
                x: at.x,
                y: at.y,
                label,
                task_id,
                kind: task.kind.type_name(),
                state: st,
                letter: format::state_letter(st),
                href,
            });
        }
        edges = layout.edges.into_iter().map(|(_, _, d)| d).collect();
        width = layout.width;
        height = layout.height;
    }
    let selected_id = selected.as_ref().map(|r| r.run_id.clone());
    let live_url = format!(
        "/dags/{}/graph?fragment=live{}",
        encode_query(&dag_id),
        selected_id
            .as_deref()
            .map(|r| format!("&run_id={}", encode_query(r)))
            .unwrap_or_default()
    );
    let page = GraphPage {
        chrome: Chrome::new(&user, Nav::Dags, format!("{dag_id} graph")),
        head: DagHeader::new(&record, "graph"),
        runs,
        selected: selected_id,
        nodes,
        edges,
        width,
        height,
        node_w: NODE_W,
        node_h: NODE_H,
        live_url,
        legend: LEGEND,
    };
    if query.fragment.is_some() {
        return render(&page.as_live());
    }
    render(&page)
}
