use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use weir_core::state::TaskState;

use super::runs::DataInterval;

/// A row of `task_instances`.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInstanceRecord {
    pub id: i64,
    pub run_pk: i64,
    pub dag_id: String,
    pub task_id: String,
    pub state: TaskState,
    /// Attempts so far; while running, the running attempt's number (from 1).
    pub try_number: i32,
    /// The attempt number after which a failure is final.
    pub max_tries: i32,
    pub priority: i32,
    pub pool: String,
    pub queue: String,
    pub retry_at: Option<DateTime<Utc>>,
    /// The fencing token of the latest claim.
    pub lease_token: i64,
    pub worker_id: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub queued_at: Option<DateTime<Utc>>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// One guarded state change: applied only if the task instance is still in `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskStateChange {
    pub ti_id: i64,
    pub from: TaskState,
    pub to: TaskState,
    /// Why, for the UI (kept as it was when None).
    pub reason: Option<String>,
}

impl TaskStateChange {
    pub fn new(ti_id: i64, from: TaskState, to: TaskState) -> Self {
        TaskStateChange {
            ti_id,
            from,
            to,
            reason: None,
        }
    }

    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
}

/// A worker asking for work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimRequest {
    pub worker_id: String,
    pub queues: Vec<String>,
    /// At most this many task instances.
    pub max: usize,
    /// How long the lease lasts unless heartbeated.
    pub lease: Duration,
}

/// A task instance claimed by a worker: all it needs to run the attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedTask {
    pub ti_id: i64,
    pub run_pk: i64,
    pub dag_id: String,
    pub run_id: String,
    pub task_id: String,
    /// This attempt's number, from 1.
    pub try_number: i32,
    pub max_tries: i32,
    /// The fencing token: every later write of this attempt must present it.
    pub lease_token: i64,
    pub lease_expires_at: DateTime<Utc>,
    pub priority: i32,
    pub pool: String,
    pub queue: String,
    pub dag_version_id: i64,
    pub logical_date: DateTime<Utc>,
    pub data_interval: DataInterval,
    pub conf: serde_json::Value,
}

/// How an attempt ended, as its worker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Success,
    Failed { reason: String },
}

/// How one attempt ended, for [`crate::Store::finish_attempts`]: the report of its worker,
/// guarded by the lease's fencing token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptReport {
    pub ti_id: i64,
    /// The fencing token of the claim: a stale token writes nothing.
    pub token: i64,
    pub outcome: AttemptOutcome,
    /// When a failure with tries left is retried (now if None).
    pub retry_at: Option<DateTime<Utc>>,
    /// When the attempt started, for an attempt that did not stamp it with `mark_started` (a
    /// noop task finishes as soon as it starts): stamped unless started_at is already set.
    pub started_at: Option<DateTime<Utc>>,
}

/// A task instance whose lease expired, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReapedTask {
    pub ti_id: i64,
    pub worker_id: Option<String>,
    /// `up_for_retry` or `failed`.
    pub new_state: TaskState,
}

/// One attempt of a task instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub ti_id: i64,
    pub try_number: i32,
    pub worker_id: Option<String>,
    /// `running` while it runs, then the state it led the task instance to.
    pub state: TaskState,
    pub reason: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Which stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogStream {
    Stdout,
    Stderr,
    /// Written by Weir itself (claimed, started, timed out...).
    System,
}

impl LogStream {
    pub fn as_str(self) -> &'static str {
        match self {
            LogStream::Stdout => "stdout",
            LogStream::Stderr => "stderr",
            LogStream::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [LogStream::Stdout, LogStream::Stderr, LogStream::System]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A log line to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub stream: LogStream,
    pub line: String,
    pub logged_at: DateTime<Utc>,
}

/// A stored log line; `seq` counts from 1 per attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub seq: i64,
    pub logged_at: DateTime<Utc>,
    pub stream: LogStream,
    pub line: String,
}

/// A task instance's output (the latest attempt's that set one).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskOutputRecord {
    pub ti_id: i64,
    pub try_number: i32,
    pub value: serde_json::Value,
    pub created_at: DateTime<Utc>,
}
