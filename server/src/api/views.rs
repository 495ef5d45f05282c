//! What the API returns and accepts: its own types, so that the wire format is stable and
//! documented in the OpenAPI document whatever the store's records look like.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use weir_store::{
    AttemptRecord, BackfillRecord, DagRecord, DagVersionInfo, ImportErrorRecord, LogRecord,
    PoolRecord, RecentRun, RunRecord, TaskInstanceRecord, WorkerRecord,
};

/// A page of a list, with how many items there are in all.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunBrief {
    pub run_id: String,
    pub state: String,
    pub logical_date: DateTime<Utc>,
}

impl From<&RecentRun> for RunBrief {
    fn from(r: &RecentRun) -> Self {
        RunBrief {
            run_id: r.run_id.clone(),
            state: r.state.as_str().into(),
            logical_date: r.logical_date,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DagView {
    pub dag_id: String,
    pub file: String,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    /// As written: `0 2 * * *`, `@daily`; null for DAGs that only run when triggered.
    pub schedule: Option<String>,
    pub timezone: String,
    pub is_paused: bool,
    /// False once the DAG's file is gone (its history stays).
    pub is_active: bool,
    pub latest_version: Option<i32>,
    pub next_run_after: Option<DateTime<Utc>>,
    /// The newest runs, newest first.
    pub recent_runs: Vec<RunBrief>,
}

impl DagView {
    pub fn new(d: &DagRecord, recent: Vec<RunBrief>) -> Self {
        DagView {
            dag_id: d.dag_id.clone(),
            file: d.file.clone(),
            description: d.summary.description.clone(),
            owner: d.summary.owner.clone(),
            tags: d.summary.tags.clone(),
            schedule: d.summary.schedule.clone(),
            timezone: d.summary.timezone.clone(),
            is_paused: d.is_paused,
            is_active: d.is_active,
            latest_version: d.latest_version,
            next_run_after: d.next_run_after,
            recent_runs: recent,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskSummary {
    pub task_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub needs: Vec<String>,
    pub trigger_rule: String,
}

/// A DAG with its latest version's details.
#[derive(Debug, Serialize, ToSchema)]
pub struct DagDetail {
    #[serde(flatten)]
    pub dag: DagView,
    pub max_active_runs: u32,
    pub max_active_tasks: u32,
    pub catchup: bool,
    /// The params a trigger's conf is checked against, as a JSON Schema.
    #[schema(value_type = Object)]
    pub params_schema: serde_json::Value,
    pub tasks: Vec<TaskSummary>,
    /// The next five scheduled run dates (logical dates).
    pub next_runs: Vec<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DagVersionView {
    pub version: i32,
    pub content_hash: String,
    pub git_commit: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&DagVersionInfo> for DagVersionView {
    fn from(v: &DagVersionInfo) -> Self {
        DagVersionView {
            version: v.version,
            content_hash: v.content_hash.clone(),
            git_commit: v.git_commit.clone(),
            created_at: v.created_at,
        }
    }
}

/// A DAG version's YAML as it was stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct DagSourceView {
    pub dag_id: String,
    pub version: i32,
    pub file: String,
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    pub dag_id: String,
    pub run_id: String,
    /// scheduled, manual or backfill.
    pub run_type: String,
    /// queued, running, success or failed.
    pub state: String,
    pub logical_date: DateTime<Utc>,
    pub data_interval_start: DateTime<Utc>,
    pub data_interval_end: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub conf: serde_json::Value,
    pub triggered_by: Option<String>,
    pub dag_version_id: i64,
    pub backfill_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<&RunRecord> for RunView {
    fn from(r: &RunRecord) -> Self {
        RunView {
            dag_id: r.dag_id.clone(),
            run_id: r.run_id.clone(),
            run_type: r.run_type.as_str().into(),
            state: r.state.as_str().into(),
            logical_date: r.logical_date,
            data_interval_start: r.data_interval.start,
            data_interval_end: r.data_interval.end,
            conf: r.conf.clone(),
            triggered_by: r.triggered_by.clone(),
            dag_version_id: r.dag_version_id,
            backfill_id: r.backfill_id,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

/// Trigger a run. With a `run_id` the request is idempotent: the same id twice gives one run
/// (409 the second time, with the existing run's id in the message).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerRunRequest {
    pub run_id: Option<String>,
    pub logical_date: Option<DateTime<Utc>>,
    /// Values for the DAG's params; checked against their schema.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub conf: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskInstanceView {
    pub dag_id: String,
    pub run_id: String,
    pub task_id: String,
    pub state: String,
    pub try_number: i32,
    pub max_tries: i32,
    pub priority: i32,
    pub pool: String,
    pub queue: String,
    pub worker_id: Option<String>,
    /// Why it is in its state ("lease expired on worker X", "marked failed by ann").
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub queued_at: Option<DateTime<Utc>>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub retry_at: Option<DateTime<Utc>>,
    /// Ready to queued, in seconds.
    pub scheduler_delay_s: Option<f64>,
    /// Queued to started, in seconds.
    pub pickup_delay_s: Option<f64>,
    pub duration_s: Option<f64>,
}

fn secs(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<f64> {
    Some((b? - a?).num_microseconds()? as f64 / 1e6)
}

impl TaskInstanceView {
    pub fn new(t: &TaskInstanceRecord, run_id: &str) -> Self {
        let ready = t.scheduled_at.or(Some(t.created_at));
        TaskInstanceView {
            dag_id: t.dag_id.clone(),
            run_id: run_id.into(),
            task_id: t.task_id.clone(),
            state: t.state.as_str().into(),
            try_number: t.try_number,
            max_tries: t.max_tries,
            priority: t.priority,
            pool: t.pool.clone(),
            queue: t.queue.clone(),
            worker_id: t.worker_id.clone(),
            reason: t.reason.clone(),
            created_at: t.created_at,
            scheduled_at: t.scheduled_at,
            queued_at: t.queued_at,
            claimed_at: t.claimed_at,
            started_at: t.started_at,
            finished_at: t.finished_at,
            retry_at: t.retry_at,
            scheduler_delay_s: secs(ready, t.queued_at),
            pickup_delay_s: secs(t.queued_at, t.started_at),
            duration_s: secs(t.started_at, t.finished_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub try_number: i32,
    pub worker_id: Option<String>,
    pub state: String,
    pub reason: Option<String>,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_s: Option<f64>,
}

impl From<&AttemptRecord> for AttemptView {
    fn from(a: &AttemptRecord) -> Self {
        AttemptView {
            try_number: a.try_number,
            worker_id: a.worker_id.clone(),
            state: a.state.as_str().into(),
            reason: a.reason.clone(),
            started_at: a.started_at,
            finished_at: a.finished_at,
            duration_s: secs(Some(a.started_at), a.finished_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskInstanceDetail {
    #[serde(flatten)]
    pub task_instance: TaskInstanceView,
    pub attempts: Vec<AttemptView>,
}

/// Clear task instances of a run back to `none`, so that they run again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearRequest {
    /// Empty for every task of the run.
    #[serde(default)]
    pub task_ids: Vec<String>,
    #[serde(default)]
    pub downstream: bool,
    #[serde(default)]
    pub failed_only: bool,
}

#[derive(Debug, Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MarkState {
    Success,
    Failed,
}

/// Mark task instances of a run success or failed, whatever they are doing.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRequest {
    pub task_ids: Vec<String>,
    pub state: MarkState,
}

/// How many task instances an operation changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Changed {
    pub changed: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogLineView {
    pub seq: i64,
    pub logged_at: DateTime<Utc>,
    /// stdout, stderr or system.
    pub stream: String,
    pub line: String,
}

impl From<&LogRecord> for LogLineView {
    fn from(l: &LogRecord) -> Self {
        LogLineView {
            seq: l.seq,
            logged_at: l.logged_at,
            stream: l.stream.as_str().into(),
            line: l.line.clone(),
        }
    }
}

/// A range of an attempt's log: pass `next_seq` as `after` to tail it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogPage {
    pub try_number: i32,
    pub lines: Vec<LogLineView>,
    pub next_seq: i64,
    /// Whether the attempt has ended (no more lines will come).
    pub finished: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutputView {
    pub try_number: i32,
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiagnosticView {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub code: String,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportErrorView {
    pub file: String,
    pub diagnostics: Vec<DiagnosticView>,
    pub first_seen_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&ImportErrorRecord> for ImportErrorView {
    fn from(e: &ImportErrorRecord) -> Self {
        ImportErrorView {
            file: e.file.clone(),
            diagnostics: e
                .diagnostics
                .iter()
                .map(|d| DiagnosticView {
                    file: d.file.clone(),
                    line: d.line,
                    column: d.column,
                    code: d.code.to_string(),
                    message: d.message.clone(),
                    hint: d.hint.clone(),
                })
                .collect(),
            first_seen_at: e.first_seen_at,
            updated_at: e.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BackfillView {
    pub id: i64,
    pub dag_id: String,
    pub from_date: DateTime<Utc>,
    pub to_date: DateTime<Utc>,
    pub max_active_runs: i32,
    pub rerun_failed: bool,
    /// running, completed or cancelled.
    pub state: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub runs_total: i64,
    pub runs_success: i64,
    pub runs_failed: i64,
    pub runs_active: i64,
}

impl From<&BackfillRecord> for BackfillView {
    fn from(b: &BackfillRecord) -> Self {
        BackfillView {
            id: b.id,
            dag_id: b.dag_id.clone(),
            from_date: b.from_date,
            to_date: b.to_date,
            max_active_runs: b.max_active_runs,
            rerun_failed: b.rerun_failed,
            state: b.state.as_str().into(),
            created_by: b.created_by.clone(),
            created_at: b.created_at,
            completed_at: b.completed_at,
            runs_total: b.runs_total,
            runs_success: b.runs_success,
            runs_failed: b.runs_failed,
            runs_active: b.runs_active,
        }
    }
}

/// Backfill a DAG over a range of logical dates (`2026-01-01` or RFC 3339, in the DAG's
/// timezone), both ends included.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BackfillCreate {
    pub dag_id: String,
    pub from: String,
    pub to: String,
    #[serde(default = "one")]
    pub max_active_runs: i32,
    #[serde(default)]
    pub rerun_failed: bool,
}

fn one() -> i32 {
    1
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PoolView {
    pub name: String,
    pub slots: i32,
    pub description: Option<String>,
    pub running: i64,
}

impl From<&PoolRecord> for PoolView {
    fn from(p: &PoolRecord) -> Self {
        PoolView {
            name: p.name.clone(),
            slots: p.slots,
            description: p.description.clone(),
            running: p.running,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolBody {
    pub slots: i32,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolCreate {
    pub name: String,
    pub slots: i32,
    pub description: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerView {
    pub worker_id: String,
    pub hostname: String,
    pub queues: Vec<String>,
    pub capacity: i32,
    pub state: String,
    pub started_at: DateTime<Utc>,
    pub last_heartbeat: DateTime<Utc>,
    pub heartbeat_age_s: f64,
    pub running: i64,
}

impl WorkerView {
    pub fn new(w: &WorkerRecord, running: i64, now: DateTime<Utc>) -> Self {
        WorkerView {
            worker_id: w.worker_id.clone(),
            hostname: w.hostname.clone(),
            queues: w.queues.clone(),
            capacity: w.capacity,
            state: w.state.clone(),
            started_at: w.started_at,
            last_heartbeat: w.last_heartbeat,
            heartbeat_age_s: secs(Some(w.last_heartbeat), Some(now)).unwrap_or(0.0),
            running,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComponentHealth {
    /// healthy or unhealthy.
    pub status: String,
    pub detail: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// healthy when the database answers and a scheduler heartbeat is recent.
    pub status: String,
    pub database: ComponentHealth,
    pub scheduler: ComponentHealth,
    /// Seconds since the newest scheduler heartbeat.
    pub scheduler_heartbeat_age_s: Option<f64>,
    /// Workers whose heartbeat is recent.
    pub workers_alive: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    /// The token's first characters, to tell tokens apart.
    pub prefix: String,
    pub role: String,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&weir_store::ApiTokenRecord> for TokenView {
    fn from(t: &weir_store::ApiTokenRecord) -> Self {
        TokenView {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            role: t.role.as_str().into(),
            created_by: t.created_by.clone(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenCreate {
    pub name: String,
    /// viewer, operator or admin.
    pub role: String,
    /// Days until it expires; never if absent.
    pub expires_in_days: Option<u32>,
}

/// The new token: `token` is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub username: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

impl From<&weir_store::UserRecord> for UserView {
    fn from(u: &weir_store::UserRecord) -> Self {
        UserView {
            username: u.username.clone(),
            role: u.role.as_str().into(),
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    pub username: String,
    pub password: String,
    pub role: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub password: Option<String>,
    pub role: Option<String>,
}

/// One templated option of a task, rendered with a run's context.
#[derive(Debug, Serialize, ToSchema)]
pub struct RenderedFieldView {
    /// Where the template is: `run`, `env.TARGET`, `source.path`.
    pub key: String,
    pub template: String,
    pub rendered: Option<String>,
    /// Why it does not render, if it does not.
    pub error: Option<String>,
}
