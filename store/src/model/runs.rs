use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use weir_core::dag::{Dag, Task};
use weir_core::state::RunState;

/// Why a run exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunType {
    Scheduled,
    Manual,
    Backfill,
}

impl RunType {
    pub fn as_str(self) -> &'static str {
        match self {
            RunType::Scheduled => "scheduled",
            RunType::Manual => "manual",
            RunType::Backfill => "backfill",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [RunType::Scheduled, RunType::Manual, RunType::Backfill]
            .into_iter()
            .find(|t| t.as_str() == text)
    }
}

/// The span of data a run processes, [start, end): the timetable's own type.
pub use weir_core::timetable::DataInterval;

/// A run to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    pub dag_id: String,
    pub run_id: String,
    pub run_type: RunType,
    pub logical_date: DateTime<Utc>,
    pub data_interval: DataInterval,
    pub conf: serde_json::Value,
    pub triggered_by: Option<String>,
    /// The DAG version the run is pinned to.
    pub dag_version_id: i64,
    pub backfill_id: Option<i64>,
}

/// A task instance to create with its run, in state `none`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTaskInstance {
    pub task_id: String,
    /// Attempts in all: the first plus the retries.
    pub max_tries: i32,
    pub priority: i32,
    pub pool: String,
    pub queue: String,
}

impl NewTaskInstance {
    pub fn from_task(task: &Task) -> Self {
        NewTaskInstance {
            task_id: task.task_id.as_str().to_string(),
            max_tries: i32::try_from(task.retry.max_tries()).unwrap_or(i32::MAX),
            priority: task.priority,
            pool: task.pool.clone(),
            queue: task.queue.clone(),
        }
    }

    /// One task instance per task of the DAG.
    pub fn for_dag(dag: &Dag) -> Vec<Self> {
        dag.tasks.iter().map(Self::from_task).collect()
    }
}

/// What `create_run` did. Neither is an error: a run that already exists (same DAG and run id,
/// or same DAG and logical date) is returned as it is, untouched.
#[derive(Debug, Clone, PartialEq)]
pub enum CreateRun {
    Created(RunRecord),
    Exists(RunRecord),
}

impl CreateRun {
    pub fn run(&self) -> &RunRecord {
        match self {
            CreateRun::Created(r) | CreateRun::Exists(r) => r,
        }
    }

    pub fn into_run(self) -> RunRecord {
        match self {
            CreateRun::Created(r) | CreateRun::Exists(r) => r,
        }
    }

    pub fn was_created(&self) -> bool {
        matches!(self, CreateRun::Created(_))
    }
}

/// A row of `dag_runs`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// The run's primary key (`run_pk` elsewhere).
    pub id: i64,
    pub dag_id: String,
    pub run_id: String,
    pub run_type: RunType,
    pub logical_date: DateTime<Utc>,
    pub data_interval: DataInterval,
    pub state: RunState,
    pub conf: serde_json::Value,
    pub triggered_by: Option<String>,
    pub dag_version_id: i64,
    pub backfill_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}
