//! What the API and the dashboard ask for: filtered, paginated lists and small summaries.

use chrono::{DateTime, Utc};
use weir_core::state::{RunState, TaskState};

/// A filter and a page over DAGs, ordered by DAG id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DagQuery {
    /// DAGs that carry this tag.
    pub tag: Option<String>,
    pub paused: Option<bool>,
    /// A case-insensitive substring of the DAG id or description.
    pub text: Option<String>,
    /// Also DAGs whose file is gone.
    pub include_inactive: bool,
    pub limit: i64,
    pub offset: i64,
}

/// A filter and a page over runs, newest logical date first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunQuery {
    pub dag_id: Option<String>,
    pub state: Option<RunState>,
    pub limit: i64,
    pub offset: i64,
}

/// A run in a DAG list's strip of recent runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentRun {
    pub dag_id: String,
    pub run_id: String,
    pub state: RunState,
    pub logical_date: DateTime<Utc>,
}

/// How many of something are in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateCounts {
    pub runs: Vec<(RunState, i64)>,
    pub task_instances: Vec<(TaskState, i64)>,
    /// Attempts ever started (one per claim), history retention aside.
    pub attempts: i64,
}

/// A stored DAG version without its source, for version lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DagVersionInfo {
    pub id: i64,
    pub dag_id: String,
    pub version: i32,
    pub content_hash: String,
    pub git_commit: Option<String>,
    pub created_at: DateTime<Utc>,
}
