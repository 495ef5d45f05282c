//! Dependencies between tasks: unknown upstreams, self dependencies, cycles, and the order.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::reader::Ctx;
use super::task::TaskDraft;
use crate::dag::model::Task;
use crate::diag::{Code, did_you_mean};

/// Checks every `needs` entry and returns the tasks in topological order, file order among
/// tasks that are ready together; `None` if the graph is not a DAG.
pub(super) fn order_tasks(ctx: &mut Ctx<'_>, drafts: &[TaskDraft]) -> Option<Vec<Task>> {
    let index: HashMap<&str, usize> = drafts
        .iter()
        .enumerate()
        .map(|(i, d)| (d.task.task_id.as_str(), i))
        .collect();
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(drafts.len(), drafts.len());
    for i in 0..drafts.len() {
        graph.add_node(i);
    }
    let before = ctx.diags.len();
    for (i, draft) in drafts.iter().enumerate() {
        let id = draft.task.task_id.as_str();
        for (up, span) in &draft.needs {
            if up == id {
                ctx.error(
                    *span,
                    Code::SelfDependency,
                    format!("task `{id}` needs itself"),
                )
                .hint = Some("remove it from its own `needs`".into());
                continue;
            }
            match index.get(up.as_str()) {
                Some(&u) => {
                    if graph
                        .find_edge(NodeIndex::new(u), NodeIndex::new(i))
                        .is_none()
                    {
                        graph.add_edge(NodeIndex::new(u), NodeIndex::new(i), ());
                    }
                }
                None => {
                    let hint = match did_you_mean(up, index.keys().copied()) {
                        Some(close) => format!("did you mean `{close}`?"),
                        None => "`needs` lists ids of tasks in this DAG".to_string(),
                    };
                    ctx.error(
                        *span,
                        Code::UnknownUpstream,
                        format!("task `{id}` needs `{up}`, which is not a task of this DAG"),
                    )
                    .hint = Some(hint);
                }
            }
        }
    }
    report_cycles(ctx, drafts, &graph);
    if ctx.diags.len() > before {
        return None;
    }
    Some(topological(drafts, &graph))
}

fn report_cycles(ctx: &mut Ctx<'_>, drafts: &[TaskDraft], graph: &DiGraph<usize, ()>) {
    let mut sccs: Vec<Vec<NodeIndex>> = tarjan_scc(graph)
        .into_iter()
        .filter(|c| c.len() > 1)
        .collect();
    sccs.sort_by_key(|c| c.iter().map(|n| n.index()).min());
    for scc in sccs {
        let start = *scc.iter().min_by_key(|n| n.index()).expect("non-empty");
        let path = cycle_through(graph, &scc, start);
        let names: Vec<&str> = path
            .iter()
            .map(|n| drafts[n.index()].task.task_id.as_str())
            .collect();
        // The edge that closes the cycle is the last task of the path listed in the first
        // task's `needs`: point there, since removing it breaks the cycle.
        let first = &drafts[start.index()];
        let last_name = names.last().copied().unwrap_or_default();
        let span = first
            .needs
            .iter()
            .find(|(n, _)| n == last_name)
            .map_or(first.id_span, |(_, s)| *s);
        let mut shown = names.join(" -> ");
        shown.push_str(" -> ");
        shown.push_str(names[0]);
        ctx.error(span, Code::Cycle, format!("dependency cycle: {shown}"))
            .hint = Some(format!(
            "a DAG has no cycles; remove one of these dependencies, e.g. `{last_name}` from the needs of `{}`",
            names[0]
        ));
    }
}

/// A simple cycle through `start` inside one strongly connected component.
fn cycle_through(
    graph: &DiGraph<usize, ()>,
    scc: &[NodeIndex],
    start: NodeIndex,
) -> Vec<NodeIndex> {
    let in_scc = |n: &NodeIndex| scc.contains(n);
    let mut path = vec![start];
    let mut visited = vec![start];
    let mut stack = vec![sorted_next(graph, start, &in_scc)];
    while let Some(candidates) = stack.last_mut() {
        let Some(next) = candidates.pop() else {
            stack.pop();
            path.pop();
            continue;
        };
        if next == start {
            return path;
        }
        if visited.contains(&next) {
            continue;
        }
        visited.push(next);
        path.push(next);
        stack.push(sorted_next(graph, next, &in_scc));
    }
    vec![start]
}

/// Downstream neighbours in the component, lowest file index last (popped first).
fn sorted_next(
    graph: &DiGraph<usize, ()>,
    node: NodeIndex,
    in_scc: &impl Fn(&NodeIndex) -> bool,
) -> Vec<NodeIndex> {
    let mut next: Vec<NodeIndex> = graph.neighbors(node).filter(|n| in_scc(n)).collect();
    next.sort_by_key(|n| Reverse(n.index()));
    next
}

fn topological(drafts: &[TaskDraft], graph: &DiGraph<usize, ()>) -> Vec<Task> {
    let mut indegree: Vec<usize> = (0..drafts.len())
        .map(|i| {
            graph
                .neighbors_directed(NodeIndex::new(i), petgraph::Direction::Incoming)
                .count()
        })
        .collect();
    let mut ready: BinaryHeap<Reverse<usize>> = (0..drafts.len())
        .filter(|i| indegree[*i] == 0)
        .map(Reverse)
        .collect();
    let mut out = Vec::with_capacity(drafts.len());
    while let Some(Reverse(i)) = ready.pop() {
        out.push(drafts[i].task.clone());
        for next in graph.neighbors(NodeIndex::new(i)) {
            indegree[next.index()] -= 1;
            if indegree[next.index()] == 0 {
                ready.push(Reverse(next.index()));
            }
        }
    }
    out
}
