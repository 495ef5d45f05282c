//! Rows as both backends return them, decoded by name (`sqlx::FromRow` is generic over the
//! backend), and their conversion into the public records, where states are parsed.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use weir_core::diag::Diagnostic;
use weir_core::state::{RunState, TaskState};

use crate::error::{Result, StoreError};
use crate::model::*;

type Ts = DateTime<Utc>;

fn task_state(text: &str) -> Result<TaskState> {
    TaskState::parse(text).ok_or_else(|| StoreError::corrupt(format!("task state `{text}`")))
}

fn run_state(text: &str) -> Result<RunState> {
    RunState::parse(text).ok_or_else(|| StoreError::corrupt(format!("run state `{text}`")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct DagRow {
    dag_id: String,
    file: String,
    is_paused: bool,
    is_active: bool,
    latest_version_id: Option<i64>,
    latest_version: Option<i32>,
    last_scheduled_interval_start: Option<Ts>,
    last_scheduled_interval_end: Option<Ts>,
    next_run_after: Option<Ts>,
    created_at: Ts,
    updated_at: Ts,
    description: Option<String>,
    owner: Option<String>,
    /// A JSON array; NULL for a DAG without a version.
    tags: Option<String>,
    schedule: Option<String>,
    timezone: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct DagScheduleRow {
    dag_id: String,
    is_paused: bool,
    is_active: bool,
    latest_version_id: Option<i64>,
    last_scheduled_interval_start: Option<Ts>,
    last_scheduled_interval_end: Option<Ts>,
    next_run_after: Option<Ts>,
}

impl From<DagScheduleRow> for DagSchedule {
    fn from(r: DagScheduleRow) -> Self {
        DagSchedule {
            dag_id: r.dag_id,
            is_paused: r.is_paused,
            is_active: r.is_active,
            latest_version_id: r.latest_version_id,
            last_scheduled_interval_start: r.last_scheduled_interval_start,
            last_scheduled_interval_end: r.last_scheduled_interval_end,
            next_run_after: r.next_run_after,
        }
    }
}

impl TryFrom<DagRow> for DagRecord {
    type Error = StoreError;

    fn try_from(r: DagRow) -> Result<Self> {
        let tags = match r.tags.as_deref() {
            Some(text) => serde_json::from_str(text)?,
            None => Vec::new(),
        };
        Ok(DagRecord {
            dag_id: r.dag_id,
            file: r.file,
            is_paused: r.is_paused,
            is_active: r.is_active,
            latest_version_id: r.latest_version_id,
            latest_version: r.latest_version,
            last_scheduled_interval_start: r.last_scheduled_interval_start,
            last_scheduled_interval_end: r.last_scheduled_interval_end,
            next_run_after: r.next_run_after,
            created_at: r.created_at,
            updated_at: r.updated_at,
            summary: DagSummary {
                description: r.description,
                owner: r.owner,
                tags,
                schedule: r.schedule,
                timezone: r.timezone.unwrap_or_else(|| "UTC".into()),
            },
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DagVersionRow {
    id: i64,
    dag_id: String,
    version: i32,
    content_hash: String,
    source: String,
    dag_json: String,
    git_commit: Option<String>,
    created_at: Ts,
}

impl TryFrom<DagVersionRow> for DagVersionRecord {
    type Error = StoreError;

    fn try_from(r: DagVersionRow) -> Result<Self> {
        let dag = serde_json::from_str(&r.dag_json).map_err(|e| {
            StoreError::corrupt(format!("DAG version {} does not deserialize: {e}", r.id))
        })?;
        Ok(DagVersionRecord {
            id: r.id,
            dag_id: r.dag_id,
            version: r.version,
            content_hash: r.content_hash,
            source: r.source,
            dag,
            git_commit: r.git_commit,
            created_at: r.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ImportErrorRow {
    file: String,
    diagnostics: Json<Vec<Diagnostic>>,
    first_seen_at: Ts,
    updated_at: Ts,
}

impl From<ImportErrorRow> for ImportErrorRecord {
    fn from(r: ImportErrorRow) -> Self {
        ImportErrorRecord {
            file: r.file,
            diagnostics: r.diagnostics.0,
            first_seen_at: r.first_seen_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RunRow {
    id: i64,
    dag_id: String,
    run_id: String,
    run_type: String,
    logical_date: Ts,
    data_interval_start: Ts,
    data_interval_end: Ts,
    state: String,
    conf: Json<serde_json::Value>,
    triggered_by: Option<String>,
    dag_version_id: i64,
    backfill_id: Option<i64>,
    created_at: Ts,
    started_at: Option<Ts>,
    finished_at: Option<Ts>,
}

impl TryFrom<RunRow> for RunRecord {
    type Error = StoreError;

    fn try_from(r: RunRow) -> Result<Self> {
        Ok(RunRecord {
            id: r.id,
            run_type: RunType::parse(&r.run_type)
                .ok_or_else(|| StoreError::corrupt(format!("run type `{}`", r.run_type)))?,
            state: run_state(&r.state)?,
            dag_id: r.dag_id,
            run_id: r.run_id,
            logical_date: r.logical_date,
            data_interval: DataInterval {
                start: r.data_interval_start,
                end: r.data_interval_end,
            },
            conf: r.conf.0,
            triggered_by: r.triggered_by,
            dag_version_id: r.dag_version_id,
            backfill_id: r.backfill_id,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TaskInstanceRow {
    id: i64,
    run_pk: i64,
    dag_id: String,
    task_id: String,
    state: String,
    try_number: i32,
    max_tries: i32,
    priority: i32,
    pool: String,
    queue: String,
    retry_at: Option<Ts>,
    lease_token: i64,
    worker_id: Option<String>,
    lease_expires_at: Option<Ts>,
    reason: Option<String>,
    created_at: Ts,
    scheduled_at: Option<Ts>,
    queued_at: Option<Ts>,
    claimed_at: Option<Ts>,
    started_at: Option<Ts>,
    finished_at: Option<Ts>,
}

impl TryFrom<TaskInstanceRow> for TaskInstanceRecord {
    type Error = StoreError;

    fn try_from(r: TaskInstanceRow) -> Result<Self> {
        Ok(TaskInstanceRecord {
            id: r.id,
            run_pk: r.run_pk,
            dag_id: r.dag_id,
            task_id: r.task_id,
            state: task_state(&r.state)?,
            try_number: r.try_number,
            max_tries: r.max_tries,
            priority: r.priority,
            pool: r.pool,
            queue: r.queue,
            retry_at: r.retry_at,
            lease_token: r.lease_token,
            worker_id: r.worker_id,
            lease_expires_at: r.lease_expires_at,
            reason: r.reason,
            created_at: r.created_at,
            scheduled_at: r.scheduled_at,
            queued_at: r.queued_at,
            claimed_at: r.claimed_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ClaimedRow {
    ti_id: i64,
    run_pk: i64,
    dag_id: String,
    run_id: String,
    task_id: String,
    try_number: i32,
    max_tries: i32,
    lease_token: i64,
    lease_expires_at: Ts,
    priority: i32,
    pool: String,
    queue: String,
    dag_version_id: i64,
    logical_date: Ts,
    data_interval_start: Ts,
    data_interval_end: Ts,
    conf: Json<serde_json::Value>,
}

impl From<ClaimedRow> for ClaimedTask {
    fn from(r: ClaimedRow) -> Self {
        ClaimedTask {
            ti_id: r.ti_id,
            run_pk: r.run_pk,
            dag_id: r.dag_id,
            run_id: r.run_id,
            task_id: r.task_id,
            try_number: r.try_number,
            max_tries: r.max_tries,
            lease_token: r.lease_token,
            lease_expires_at: r.lease_expires_at,
            priority: r.priority,
            pool: r.pool,
            queue: r.queue,
            dag_version_id: r.dag_version_id,
            logical_date: r.logical_date,
            data_interval: DataInterval {
                start: r.data_interval_start,
                end: r.data_interval_end,
            },
            conf: r.conf.0,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ReapedRow {
    ti_id: i64,
    worker_id: Option<String>,
    state: String,
}

impl TryFrom<ReapedRow> for ReapedTask {
    type Error = StoreError;

    fn try_from(r: ReapedRow) -> Result<Self> {
        Ok(ReapedTask {
            ti_id: r.ti_id,
            worker_id: r.worker_id,
            new_state: task_state(&r.state)?,
        })
    }
}

/// What `finish_attempts` reads back from its guarded update: a report that applied.
#[derive(sqlx::FromRow)]
pub(crate) struct FinishedRow {
    pub(crate) id: i64,
    pub(crate) state: String,
}

impl FinishedRow {
    pub(crate) fn state(&self) -> Result<TaskState> {
        task_state(&self.state)
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AttemptRow {
    ti_id: i64,
    try_number: i32,
    worker_id: Option<String>,
    state: String,
    reason: Option<String>,
    started_at: Ts,
    finished_at: Option<Ts>,
}

impl TryFrom<AttemptRow> for AttemptRecord {
    type Error = StoreError;

    fn try_from(r: AttemptRow) -> Result<Self> {
        Ok(AttemptRecord {
            ti_id: r.ti_id,
            try_number: r.try_number,
            worker_id: r.worker_id,
            state: task_state(&r.state)?,
            reason: r.reason,
            started_at: r.started_at,
            finished_at: r.finished_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LogRow {
    seq: i64,
    logged_at: Ts,
    stream: String,
    line: String,
}

impl TryFrom<LogRow> for LogRecord {
    type Error = StoreError;

    fn try_from(r: LogRow) -> Result<Self> {
        Ok(LogRecord {
            seq: r.seq,
            logged_at: r.logged_at,
            stream: LogStream::parse(&r.stream)
                .ok_or_else(|| StoreError::corrupt(format!("log stream `{}`", r.stream)))?,
            line: r.line,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct OutputRow {
    ti_id: i64,
    try_number: i32,
    value: Json<serde_json::Value>,
    created_at: Ts,
}

impl From<OutputRow> for TaskOutputRecord {
    fn from(r: OutputRow) -> Self {
        TaskOutputRecord {
            ti_id: r.ti_id,
            try_number: r.try_number,
            value: r.value.0,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct WorkerRow {
    worker_id: String,
    hostname: String,
    queues: Json<Vec<String>>,
    capacity: i32,
    state: String,
    started_at: Ts,
    last_heartbeat: Ts,
}

impl From<WorkerRow> for WorkerRecord {
    fn from(r: WorkerRow) -> Self {
        WorkerRecord {
            worker_id: r.worker_id,
            hostname: r.hostname,
            queues: r.queues.0,
            capacity: r.capacity,
            state: r.state,
            started_at: r.started_at,
            last_heartbeat: r.last_heartbeat,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SchedulerRow {
    scheduler_id: String,
    hostname: String,
    started_at: Ts,
    last_heartbeat: Ts,
}

impl From<SchedulerRow> for SchedulerRecord {
    fn from(r: SchedulerRow) -> Self {
        SchedulerRecord {
            scheduler_id: r.scheduler_id,
            hostname: r.hostname,
            started_at: r.started_at,
            last_heartbeat: r.last_heartbeat,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct PoolRow {
    name: String,
    slots: i32,
    description: Option<String>,
    running: i64,
}

impl From<PoolRow> for PoolRecord {
    fn from(r: PoolRow) -> Self {
        PoolRecord {
            name: r.name,
            slots: r.slots,
            description: r.description,
            running: r.running,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct BackfillRow {
    id: i64,
    dag_id: String,
    from_date: Ts,
    to_date: Ts,
    max_active_runs: i32,
    rerun_failed: bool,
    state: String,
    created_by: String,
    created_at: Ts,
    updated_at: Ts,
    completed_at: Option<Ts>,
    runs_total: i64,
    runs_success: i64,
    runs_failed: i64,
    runs_active: i64,
}

impl TryFrom<BackfillRow> for BackfillRecord {
    type Error = StoreError;

    fn try_from(r: BackfillRow) -> Result<Self> {
        Ok(BackfillRecord {
            id: r.id,
            state: BackfillState::parse(&r.state)
                .ok_or_else(|| StoreError::corrupt(format!("backfill state `{}`", r.state)))?,
            dag_id: r.dag_id,
            from_date: r.from_date,
            to_date: r.to_date,
            max_active_runs: r.max_active_runs,
            rerun_failed: r.rerun_failed,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            completed_at: r.completed_at,
            runs_total: r.runs_total,
            runs_success: r.runs_success,
            runs_failed: r.runs_failed,
            runs_active: r.runs_active,
        })
    }
}

/// Converts fallible rows into records.
pub(crate) fn convert<R, T>(rows: Vec<R>) -> Result<Vec<T>>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

fn role(text: &str) -> Result<Role> {
    Role::parse(text).ok_or_else(|| StoreError::corrupt(format!("role `{text}`")))
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    username: String,
    password_hash: String,
    role: String,
    created_at: Ts,
    updated_at: Ts,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = StoreError;

    fn try_from(r: UserRow) -> Result<Self> {
        Ok(UserRecord {
            id: r.id,
            username: r.username,
            password_hash: r.password_hash,
            role: role(&r.role)?,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    csrf_token: String,
    session_created_at: Ts,
    expires_at: Ts,
}

impl TryFrom<SessionRow> for SessionRecord {
    type Error = StoreError;

    fn try_from(r: SessionRow) -> Result<Self> {
        Ok(SessionRecord {
            user: r.user.try_into()?,
            csrf_token: r.csrf_token,
            created_at: r.session_created_at,
            expires_at: r.expires_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ApiTokenRow {
    id: i64,
    name: String,
    prefix: String,
    role: String,
    created_by: Option<String>,
    created_at: Ts,
    expires_at: Option<Ts>,
    last_used_at: Option<Ts>,
    revoked_at: Option<Ts>,
}

impl TryFrom<ApiTokenRow> for ApiTokenRecord {
    type Error = StoreError;

    fn try_from(r: ApiTokenRow) -> Result<Self> {
        Ok(ApiTokenRecord {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            role: role(&r.role)?,
            created_by: r.created_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RecentRunRow {
    dag_id: String,
    run_id: String,
    state: String,
    logical_date: Ts,
}

impl TryFrom<RecentRunRow> for RecentRun {
    type Error = StoreError;

    fn try_from(r: RecentRunRow) -> Result<Self> {
        Ok(RecentRun {
            dag_id: r.dag_id,
            run_id: r.run_id,
            state: run_state(&r.state)?,
            logical_date: r.logical_date,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DagVersionInfoRow {
    id: i64,
    dag_id: String,
    version: i32,
    content_hash: String,
    git_commit: Option<String>,
    created_at: Ts,
}

impl From<DagVersionInfoRow> for DagVersionInfo {
    fn from(r: DagVersionInfoRow) -> Self {
        DagVersionInfo {
            id: r.id,
            dag_id: r.dag_id,
            version: r.version,
            content_hash: r.content_hash,
            git_commit: r.git_commit,
            created_at: r.created_at,
        }
    }
}

/// Counts by state, parsed.
pub(crate) fn state_counts(
    runs: Vec<(String, i64)>,
    task_instances: Vec<(String, i64)>,
    attempts: i64,
) -> Result<StateCounts> {
    Ok(StateCounts {
        attempts,
        runs: runs
            .into_iter()
            .map(|(s, n)| Ok((run_state(&s)?, n)))
            .collect::<Result<_>>()?,
        task_instances: task_instances
            .into_iter()
            .map(|(s, n)| Ok((task_state(&s)?, n)))
            .collect::<Result<_>>()?,
    })
}

/// A row of `connections`. The URL is masked on the way out, so the record cannot leak it.
#[derive(sqlx::FromRow)]
pub(crate) struct ConnectionRow {
    name: String,
    url: String,
    description: Option<String>,
    created_at: Ts,
    updated_at: Ts,
}

impl From<ConnectionRow> for ConnectionRecord {
    fn from(r: ConnectionRow) -> Self {
        ConnectionRecord {
            name: r.name,
            masked_url: weir_core::connection::mask_password(&r.url),
            description: r.description,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
