//! The parsed, validated DAG: what the scheduler schedules and the store keeps per version.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use indexmap::IndexMap;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::{Deserialize, Serialize};

use super::task_types::TaskKind;
use crate::duration::Duration;
use crate::ids::{DagId, TaskId};
use crate::params::ParamSpec;
use crate::timetable::{Schedule, Timetable};

/// A DAG as parsed from one file. Tasks are in topological order (file order among peers) and
/// `graph` holds one node per task, whose weight is the task's index in `tasks`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "DagData")]
pub struct Dag {
    pub dag_id: DagId,
    pub file: String,
    pub format_version: u64,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub schedule: Schedule,
    pub timezone: Tz,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub catchup: bool,
    pub max_active_runs: u32,
    pub max_active_tasks: u32,
    pub params: IndexMap<String, ParamSpec>,
    pub tasks: Vec<Task>,
    /// sha256 of the file's bytes: a new DAG version is stored only when this changes.
    pub content_hash: String,
    #[serde(skip_serializing)]
    pub(in crate::dag) graph: DiGraph<usize, ()>,
    /// The positions in `tasks` in task_id order, for [`Dag::task`]'s binary search: the
    /// scheduler and the worker look tasks up by id for every task instance, and a DAG may have
    /// thousands of tasks.
    #[serde(skip_serializing)]
    pub(in crate::dag) by_id: Vec<u32>,
}

/// The serialized form; the graph is rebuilt from `needs` when a DAG is read back.
#[derive(Deserialize)]
struct DagData {
    dag_id: DagId,
    file: String,
    format_version: u64,
    description: Option<String>,
    owner: Option<String>,
    tags: Vec<String>,
    schedule: Schedule,
    timezone: Tz,
    start_date: Option<DateTime<Utc>>,
    end_date: Option<DateTime<Utc>>,
    catchup: bool,
    max_active_runs: u32,
    max_active_tasks: u32,
    params: IndexMap<String, ParamSpec>,
    tasks: Vec<Task>,
    content_hash: String,
}

impl From<DagData> for Dag {
    fn from(d: DagData) -> Self {
        let graph = build_graph(&d.tasks);
        let by_id = index_by_id(&d.tasks);
        Dag {
            dag_id: d.dag_id,
            file: d.file,
            format_version: d.format_version,
            description: d.description,
            owner: d.owner,
            tags: d.tags,
            schedule: d.schedule,
            timezone: d.timezone,
            start_date: d.start_date,
            end_date: d.end_date,
            catchup: d.catchup,
            max_active_runs: d.max_active_runs,
            max_active_tasks: d.max_active_tasks,
            params: d.params,
            tasks: d.tasks,
            content_hash: d.content_hash,
            graph,
            by_id,
        }
    }
}

/// Builds the dependency graph of tasks whose `needs` are known to be valid.
pub(crate) fn build_graph(tasks: &[Task]) -> DiGraph<usize, ()> {
    let mut graph = DiGraph::with_capacity(tasks.len(), tasks.len());
    for i in 0..tasks.len() {
        graph.add_node(i);
    }
    let index: std::collections::HashMap<&str, usize> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.task_id.as_str(), i))
        .collect();
    for (i, task) in tasks.iter().enumerate() {
        for up in &task.needs {
            if let Some(&u) = index.get(up.as_str()) {
                graph.add_edge(NodeIndex::new(u), NodeIndex::new(i), ());
            }
        }
    }
    graph
}

/// The positions of `tasks` sorted by task_id.
fn index_by_id(tasks: &[Task]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..tasks.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        tasks[a as usize]
            .task_id
            .as_str()
            .cmp(tasks[b as usize].task_id.as_str())
    });
    order
}

impl Dag {
    /// Assembles a DAG whose tasks are already validated and in topological order.
    pub(crate) fn assemble(mut dag: Dag) -> Dag {
        dag.graph = build_graph(&dag.tasks);
        dag.by_id = index_by_id(&dag.tasks);
        dag
    }

    pub fn graph(&self) -> &DiGraph<usize, ()> {
        &self.graph
    }

    /// The task `task_id`, found by binary search (`tasks` is public: if it was changed after
    /// the DAG was built, a linear search still finds the task).
    pub fn task(&self, task_id: &str) -> Option<&Task> {
        let name = |i: u32| self.tasks.get(i as usize).map(|t| t.task_id.as_str());
        if let Ok(k) = self
            .by_id
            .binary_search_by(|&i| name(i).unwrap_or("").cmp(task_id))
            && name(self.by_id[k]) == Some(task_id)
        {
            return self.tasks.get(self.by_id[k] as usize);
        }
        self.tasks.iter().find(|t| t.task_id.as_str() == task_id)
    }

    /// The tasks that directly depend on `task_id`, in topological order.
    pub fn downstream_of(&self, task_id: &str) -> Vec<&Task> {
        self.tasks
            .iter()
            .filter(|t| t.needs.iter().any(|n| n.as_str() == task_id))
            .collect()
    }

    /// The tasks without upstreams: where every run starts.
    pub fn roots(&self) -> impl Iterator<Item = &Task> {
        self.tasks.iter().filter(|t| t.needs.is_empty())
    }

    pub fn timetable(&self) -> Timetable {
        Timetable {
            schedule: self.schedule.clone(),
            timezone: self.timezone,
            start_date: self.start_date,
            end_date: self.end_date,
            catchup: self.catchup,
        }
    }
}

/// One task of a DAG, with the DAG's defaults already applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub task_id: TaskId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub needs: Vec<TaskId>,
    pub trigger_rule: TriggerRule,
    pub retry: RetryPolicy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    pub pool: String,
    pub priority: i32,
    pub queue: String,
    #[serde(default)]
    pub env: IndexMap<String, String>,
    #[serde(flatten)]
    pub kind: TaskKind,
    /// The line where the task is defined, to link the UI's code view to it.
    pub line: usize,
}

pub const DEFAULT_POOL: &str = "default_pool";
pub const DEFAULT_QUEUE: &str = "default";
pub const DEFAULT_PRIORITY: i32 = 1;
pub const DEFAULT_MAX_ACTIVE_RUNS: u32 = 16;
pub const DEFAULT_MAX_ACTIVE_TASKS: u32 = 16;

/// When a task may run, given its upstreams' final states (Airflow's trigger rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TriggerRule {
    #[default]
    AllSuccess,
    AllFailed,
    AllDone,
    OneSuccess,
    OneFailed,
    NoneFailed,
    NoneFailedMinOneSuccess,
    NoneSkipped,
    Always,
}

impl TriggerRule {
    pub const ALL: [TriggerRule; 9] = [
        TriggerRule::AllSuccess,
        TriggerRule::AllFailed,
        TriggerRule::AllDone,
        TriggerRule::OneSuccess,
        TriggerRule::OneFailed,
        TriggerRule::NoneFailed,
        TriggerRule::NoneFailedMinOneSuccess,
        TriggerRule::NoneSkipped,
        TriggerRule::Always,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TriggerRule::AllSuccess => "all_success",
            TriggerRule::AllFailed => "all_failed",
            TriggerRule::AllDone => "all_done",
            TriggerRule::OneSuccess => "one_success",
            TriggerRule::OneFailed => "one_failed",
            TriggerRule::NoneFailed => "none_failed",
            TriggerRule::NoneFailedMinOneSuccess => "none_failed_min_one_success",
            TriggerRule::NoneSkipped => "none_skipped",
            TriggerRule::Always => "always",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Backoff {
    #[default]
    Constant,
    Exponential,
}

/// How often and how soon a failed attempt is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    pub retries: u32,
    pub delay: Duration,
    pub backoff: Backoff,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 0,
            delay: Duration::from_secs(30),
            backoff: Backoff::Constant,
            max_delay: Duration::from_secs(3_600),
        }
    }
}

impl RetryPolicy {
    /// Attempts in all: the first plus the retries.
    pub fn max_tries(&self) -> u32 {
        self.retries.saturating_add(1)
    }

    /// The wait before attempt `next_try` (2 for the first retry). `jitter` in [0, 1) spreads
    /// exponential retries by +-10% so that many tasks failing together do not retry together.
    pub fn delay_before(&self, next_try: u32, jitter: f64) -> std::time::Duration {
        let base = self.delay.as_secs() as f64;
        let secs = match self.backoff {
            Backoff::Constant => base,
            Backoff::Exponential => {
                let exponent = next_try.saturating_sub(2).min(30);
                let raw = base * 2f64.powi(exponent as i32);
                let spread = 0.9 + 0.2 * jitter.clamp(0.0, 1.0);
                (raw * spread).min(self.max_delay.as_secs() as f64)
            }
        };
        std::time::Duration::from_secs_f64(secs.max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_are_found_by_id_after_parsing_a_round_trip_and_a_change() {
        let source = "dag_id: d\ntasks:\n  zeta:\n    type: noop\n  alpha:\n    type: noop\n    needs: [zeta]\n  mid:\n    type: noop\n";
        let dag = crate::dag::parse_str("d.yaml", source).unwrap();
        let back: Dag = serde_json::from_str(&serde_json::to_string(&dag).unwrap()).unwrap();
        for d in [&dag, &back] {
            for id in ["zeta", "alpha", "mid"] {
                assert_eq!(d.task(id).map(|t| t.task_id.as_str()), Some(id));
            }
            assert!(d.task("nope").is_none() && d.task("").is_none());
        }
        let mut changed = dag.clone();
        changed.tasks.reverse();
        changed.tasks.pop();
        for id in ["alpha", "mid"] {
            assert_eq!(changed.task(id).map(|t| t.task_id.as_str()), Some(id));
        }
        assert!(changed.task("zeta").is_none());
    }

    #[test]
    fn exponential_backoff_doubles_and_caps() {
        let policy = RetryPolicy {
            retries: 10,
            delay: Duration::from_secs(10),
            backoff: Backoff::Exponential,
            max_delay: Duration::from_secs(60),
        };
        assert_eq!(policy.delay_before(2, 0.5).as_secs(), 10);
        assert_eq!(policy.delay_before(3, 0.5).as_secs(), 20);
        assert_eq!(policy.delay_before(4, 0.5).as_secs(), 40);
        assert_eq!(policy.delay_before(5, 0.5).as_secs(), 60);
        let low = policy.delay_before(3, 0.0).as_secs_f64();
        let high = policy.delay_before(3, 0.999).as_secs_f64();
        assert!((17.9..18.1).contains(&low) && (21.9..22.1).contains(&high));
    }

    #[test]
    fn constant_backoff_stays() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay_before(5, 0.9).as_secs(), 30);
        assert_eq!(policy.max_tries(), 1);
    }

    #[test]
    fn trigger_rules_round_trip() {
        for rule in TriggerRule::ALL {
            assert_eq!(TriggerRule::parse(rule.as_str()), Some(rule));
        }
    }
}
