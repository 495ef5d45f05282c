//! A dataset's lineage as SVG, one hop each way: the datasets its writers read -> the tasks
//! that wrote it -> the dataset -> the tasks that read it -> what those wrote. Laid out by
//! graph_layout.rs in five columns; a dataset that shows up on both sides is drawn on each, so
//! the picture never has a cycle (a task that reads and rewrites its own dataset included).

use std::collections::{BTreeMap, BTreeSet};

use weir_store::{DatasetVersionRecord, LineageEdge};

use super::graph_layout::{NODE_H, NODE_W, layered};
use crate::auth::principal::encode_query;

/// Labels longer than this are cut (the full name is in the node's tooltip).
const LABEL_CHARS: usize = 24;

pub struct LineageNode {
    pub x: f64,
    pub y: f64,
    /// `dataset` or `task`.
    pub kind: &'static str,
    /// The letter in the node's bar, so that kinds read without colors.
    pub letter: &'static str,
    /// The dataset's name, or `dag_id.task_id`.
    pub name: String,
    pub label: String,
    /// The second line: `dataset`, or the task's DAG.
    pub detail: String,
    pub href: String,
    /// The dataset this page is about.
    pub current: bool,
}

pub struct LineageGraph {
    pub nodes: Vec<LineageNode>,
    pub edges: Vec<String>,
    pub width: f64,
    pub height: f64,
    pub node_w: f64,
    pub node_h: f64,
}

type Task = (String, String);

enum Spec {
    Dataset(String, bool),
    Task(Task),
}

/// The graph around `dataset`, from the lake's lineage edges and the dataset's own versions
/// (which name the tasks that wrote it without reading anything, as an ingest does).
pub fn around(
    dataset: &str,
    edges: &[LineageEdge],
    versions: &[DatasetVersionRecord],
) -> LineageGraph {
    let mut writers: BTreeMap<Task, BTreeSet<&str>> = BTreeMap::new();
    let mut readers: BTreeMap<Task, BTreeSet<&str>> = BTreeMap::new();
    for e in edges {
        let task = (e.dag_id.clone(), e.task_id.clone());
        if e.output == dataset {
            writers.entry(task.clone()).or_default().insert(&e.input);
        }
        if e.input == dataset {
            readers.entry(task).or_default().insert(&e.output);
        }
    }
    for v in versions {
        if let (Some(dag), Some(task)) = (&v.dag_id, &v.task_id) {
            writers.entry((dag.clone(), task.clone())).or_default();
        }
    }
    let inputs: BTreeSet<&str> = writers.values().flatten().copied().collect();
    let outputs: BTreeSet<&str> = readers.values().flatten().copied().collect();

    // Nodes in column order, so every upstream comes before its downstreams.
    let mut specs: Vec<Spec> = Vec::new();
    let mut needs: Vec<Vec<usize>> = Vec::new();
    let input_at: BTreeMap<&str, usize> = inputs
        .iter()
        .map(|&name| {
            specs.push(Spec::Dataset(name.to_string(), false));
            needs.push(Vec::new());
            (name, specs.len() - 1)
        })
        .collect();
    let mut writer_at = Vec::new();
    for (task, reads) in &writers {
        specs.push(Spec::Task(task.clone()));
        needs.push(reads.iter().map(|r| input_at[r]).collect());
        writer_at.push(specs.len() - 1);
    }
    specs.push(Spec::Dataset(dataset.to_string(), true));
    needs.push(writer_at);
    let this = specs.len() - 1;
    let mut reader_at: BTreeMap<&Task, usize> = BTreeMap::new();
    for task in readers.keys() {
        specs.push(Spec::Task(task.clone()));
        needs.push(vec![this]);
        reader_at.insert(task, specs.len() - 1);
    }
    for &name in &outputs {
        specs.push(Spec::Dataset(name.to_string(), false));
        needs.push(
            readers
                .iter()
                .filter(|(_, wrote)| wrote.contains(name))
                .map(|(task, _)| reader_at[task])
                .collect(),
        );
    }

    let layout = layered(&needs);
    let nodes = specs
        .into_iter()
        .zip(&layout.nodes)
        .map(|(spec, at)| match spec {
            Spec::Dataset(name, current) => LineageNode {
                x: at.x,
                y: at.y,
                kind: "dataset",
                letter: "D",
                label: short(&name),
                detail: if current {
                    "this dataset".into()
                } else {
                    "dataset".into()
                },
                href: format!("/datasets/{}", encode_query(&name)),
                name,
                current,
            },
            Spec::Task((dag_id, task_id)) => LineageNode {
                x: at.x,
                y: at.y,
                kind: "task",
                letter: "T",
                label: short(&task_id),
                detail: short(&format!("task of {dag_id}")),
                href: format!("/dags/{}/grid", encode_query(&dag_id)),
                name: format!("{dag_id}.{task_id}"),
                current: false,
            },
        })
        .collect();
    LineageGraph {
        nodes,
        edges: layout.edges.into_iter().map(|(_, _, d)| d).collect(),
        width: layout.width,
        height: layout.height,
        node_w: NODE_W,
        node_h: NODE_H,
    }
}

fn short(text: &str) -> String {
    if text.chars().count() > LABEL_CHARS {
        format!(
            "{}…",
            text.chars().take(LABEL_CHARS - 1).collect::<String>()
        )
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(input: &str, task: &str, output: &str) -> LineageEdge {
        LineageEdge {
            input: input.into(),
            dag_id: "etl".into(),
            task_id: task.into(),
            output: output.into(),
        }
    }

    #[test]
    fn one_hop_each_way_in_columns() {
        let edges = [
            edge("raw.clicks", "clean", "staged.clicks"),
            edge("raw.users", "clean", "staged.clicks"),
            edge("staged.clicks", "stats", "features.user_stats"),
            edge("features.user_stats", "far", "features.elsewhere"),
        ];
        let graph = around("staged.clicks", &edges, &[]);
        let names: Vec<(&str, &str)> = graph
            .nodes
            .iter()
            .map(|n| (n.kind, n.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("dataset", "raw.clicks"),
                ("dataset", "raw.users"),
                ("task", "etl.clean"),
                ("dataset", "staged.clicks"),
                ("task", "etl.stats"),
                ("dataset", "features.user_stats"),
            ]
        );
        assert_eq!(graph.edges.len(), 5);
        assert!(graph.nodes[3].current);
        // Columns left to right.
        let xs: Vec<f64> = graph.nodes.iter().map(|n| n.x).collect();
        assert!(xs[0] == xs[1] && xs[1] < xs[2] && xs[2] < xs[3] && xs[3] < xs[4] && xs[4] < xs[5]);
    }

    #[test]
    fn a_task_that_rewrites_its_own_dataset_draws_no_cycle() {
        let edges = [edge("raw.x", "merge", "raw.x")];
        let graph = around("raw.x", &edges, &[]);
        // raw.x (read) -> merge -> raw.x (this) -> merge -> raw.x (written)
        assert_eq!(graph.nodes.len(), 5);
        assert_eq!(graph.nodes.iter().filter(|n| n.current).count(), 1);
        assert_eq!(graph.edges.len(), 4);
    }
}
