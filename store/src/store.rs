//! The `Store` trait: Weir's state in domain verbs. One implementation per backend
//! ([`crate::postgres::PgStore`], [`crate::sqlite::SqliteStore`]), one conformance suite.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use weir_core::dag::Dag;
use weir_core::diag::Diagnostic;
use weir_core::state::{RunState, TaskState};

use crate::error::Result;
use crate::events::Wakeups;
use crate::model::*;

/// Weir's state. Every method is one transaction (or one statement) and safe to call from many
/// schedulers and workers at once: conflicts are settled by unique keys, `state = from` guards
/// and lease fencing tokens, never by the caller.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// `postgres` or `sqlite`.
    fn backend(&self) -> &'static str;

    /// Applies the embedded migrations not yet applied.
    async fn migrate(&self) -> Result<()>;

    /// Registers for wake-ups. Subscribe before querying, wait after (see [`Wakeups`]).
    fn subscribe(&self) -> Wakeups;

    // ---- DAGs ---------------------------------------------------------------------------

    /// Records a parsed DAG: its row if absent (paused if `paused_on_create`), a new version only
    /// if the content hash differs from the latest version's, and reactivates it if inactive.
    async fn sync_dag(
        &self,
        dag: &Dag,
        source: &str,
        git_commit: Option<&str>,
        paused_on_create: bool,
    ) -> Result<DagSync>;

    /// Marks every active DAG not in `active_ids` inactive; returns how many.
    async fn deactivate_dags_except(&self, active_ids: &[String]) -> Result<u64>;

    /// Pauses or unpauses a DAG; `NotFound` if there is no such DAG.
    async fn set_paused(&self, dag_id: &str, paused: bool) -> Result<()>;

    async fn get_dag(&self, dag_id: &str) -> Result<Option<DagRecord>>;

    /// Every DAG, active or not, by id.
    async fn list_dags(&self) -> Result<Vec<DagRecord>>;

    /// A stored version with its DAG deserialized; `NotFound` if there is none.
    async fn get_dag_version(&self, version_id: i64) -> Result<DagVersionRecord>;

    /// Records where the timetable continues and when the next scheduled run is due.
    async fn set_scheduled_progress(
        &self,
        dag_id: &str,
        interval: Option<DataInterval>,
        next_run_after: Option<DateTime<Utc>>,
    ) -> Result<()>;

    // ---- import errors --------------------------------------------------------------------

    /// Records (or replaces) the diagnostics of a file that did not load.
    async fn record_import_error(&self, file: &str, diagnostics: &[Diagnostic]) -> Result<()>;

    /// Forgets the import error of one file (it loads now); returns whether there was one.
    async fn clear_import_error(&self, file: &str) -> Result<bool>;

    /// Forgets the import errors of every file not in `files_with_errors`; returns how many.
    async fn clear_import_errors_except(&self, files_with_errors: &[String]) -> Result<u64>;

    async fn list_import_errors(&self) -> Result<Vec<ImportErrorRecord>>;

    // ---- runs -----------------------------------------------------------------------------

    /// Creates a run and all its task instances (state `none`) in one transaction. A run that
    /// already exists for the same DAG and run id, or the same DAG and logical date, is returned
    /// as `Exists`, untouched: never an error, never a partial run.
    async fn create_run(&self, run: &NewRun, tasks: &[NewTaskInstance]) -> Result<CreateRun>;

    /// Runs that are queued or running, oldest logical date first.
    async fn active_runs(&self) -> Result<Vec<RunRecord>>;

    async fn get_run(&self, dag_id: &str, run_id: &str) -> Result<Option<RunRecord>>;

    async fn get_run_by_pk(&self, run_pk: i64) -> Result<Option<RunRecord>>;

    /// A page of a DAG's runs, newest logical date first, and how many there are in all.
    async fn list_runs(
        &self,
        dag_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<RunRecord>, i64)>;

    /// Moves a run from `from` to `to` if it is still in `from`; stamps started_at when it
    /// starts running and finished_at when it ends. Returns whether it moved.
    async fn set_run_state(&self, run_pk: i64, from: RunState, to: RunState) -> Result<bool>;

    // ---- task instances -------------------------------------------------------------------

    /// A run's task instances, by id (creation order).
    async fn task_instances(&self, run_pk: i64) -> Result<Vec<TaskInstanceRecord>>;

    async fn get_task_instance(&self, ti_id: i64) -> Result<Option<TaskInstanceRecord>>;

    /// Applies guarded state changes in one transaction; each applies only if the task instance
    /// is still in its `from` state. Stamps scheduled_at, queued_at or finished_at as fits.
    /// Refuses (`Invalid`) a batch with a transition the state machine does not allow. Returns
    /// how many applied, and wakes the workers.
    async fn update_task_states(&self, changes: &[TaskStateChange]) -> Result<u64>;

    /// Task instances up for retry whose retry time has come.
    async fn due_retries(&self, now: DateTime<Utc>) -> Result<Vec<i64>>;

    /// Sets task instances of a run back to `none` (keeping their attempts, logs and try count,
    /// and granting their tries again) and the run back to `queued`. Returns how many.
    async fn clear_task_instances(&self, run_pk: i64, task_ids: &[String]) -> Result<u64>;

    // ---- the worker's side: claim, lease, report ------------------------------------------

    /// Claims up to `max` queued task instances of the given queues, highest priority first,
    /// then longest queued, within their pools' free slots: each becomes `running` under a new
    /// lease with a new fencing token, and gets an attempt row.
    async fn claim(&self, request: &ClaimRequest) -> Result<Vec<ClaimedTask>>;

    /// Stamps started_at on a claimed task instance; `LeaseLost` if the token is stale.
    async fn mark_started(&self, ti_id: i64, token: i64) -> Result<()>;

    /// Extends the leases the worker still holds; returns the ids of those it lost.
    async fn heartbeat_leases(
        &self,
        worker_id: &str,
        leases: &[(i64, i64)],
        lease: Duration,
    ) -> Result<Vec<i64>>;

    /// Appends log lines to the running attempt `try_number`; `LeaseLost` (and nothing written)
    /// if the token is stale. Sequence numbers continue per attempt.
    async fn append_logs(
        &self,
        ti_id: i64,
        try_number: i32,
        token: i64,
        lines: &[LogLine],
    ) -> Result<()>;

    /// An attempt's log lines after `after_seq`, at most `limit`; readable at any time.
    async fn read_logs(
        &self,
        ti_id: i64,
        try_number: i32,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<LogRecord>>;

    /// Sets the task instance's output; `LeaseLost` (and nothing written) if the token is stale.
    async fn set_output(&self, ti_id: i64, token: i64, value: &serde_json::Value) -> Result<()>;

    async fn get_output(&self, ti_id: i64) -> Result<Option<TaskOutputRecord>>;

    /// Reports how the attempt ended, guarded by the lease. A failure with tries left becomes
    /// `up_for_retry` at `retry_at` (now if None), else `failed`. Returns the new state, or
    /// `LeaseLost` if the token is stale (nothing written). Wakes the scheduler.
    ///
    /// One report of [`Store::finish_attempts`].
    async fn finish_attempt(
        &self,
        ti_id: i64,
        token: i64,
        outcome: AttemptOutcome,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<TaskState> {
        let report = AttemptReport {
            ti_id,
            token,
            outcome,
            retry_at,
            started_at: None,
        };
        match self.finish_attempts(std::slice::from_ref(&report)).await?[..] {
            [Some(state)] => Ok(state),
            _ => Err(crate::error::StoreError::LeaseLost { ti_id, token }),
        }
    }

    /// Reports how many attempts ended, in one transaction: what a worker whose tasks finish
    /// close together writes at once. Each report is guarded by its own lease as in
    /// [`Store::finish_attempt`] (a failure with tries left becomes `up_for_retry` at its
    /// `retry_at`, else `failed`), ends its attempt row, and stamps started_at if it is given
    /// and the task instance has none. Returns, in the order of `reports`, each new state, or
    /// None where the token is stale: that report wrote nothing, and the others still apply.
    /// A task instance appears at most once per call. Wakes the scheduler once.
    async fn finish_attempts(&self, reports: &[AttemptReport]) -> Result<Vec<Option<TaskState>>>;

    /// Running task instances whose lease expired before `now` become `up_for_retry` (retry at
    /// `now`) or `failed`, with the reason "lease expired on worker <id>".
    async fn reap_expired_leases(&self, now: DateTime<Utc>) -> Result<Vec<ReapedTask>>;

    /// A task instance's attempts, first first.
    async fn list_attempts(&self, ti_id: i64) -> Result<Vec<AttemptRecord>>;

    // ---- workers, schedulers, pools ------------------------------------------------------

    async fn heartbeat_worker(&self, worker: &WorkerInfo) -> Result<()>;

    async fn list_workers(&self) -> Result<Vec<WorkerRecord>>;

    async fn heartbeat_scheduler(&self, scheduler_id: &str, hostname: &str) -> Result<()>;

    async fn list_schedulers(&self) -> Result<Vec<SchedulerRecord>>;

    /// Creates a pool or changes its slots and description.
    async fn upsert_pool(&self, name: &str, slots: i32, description: Option<&str>) -> Result<()>;

    /// Every pool with its running count, by name.
    async fn list_pools(&self) -> Result<Vec<PoolRecord>>;

    // ---- backfills ------------------------------------------------------------------------

    /// Creates a running backfill of a DAG and wakes the scheduler. `NotFound` if there is no
    /// such DAG; `Invalid` (and nothing written) if `to_date < from_date` or
    /// `max_active_runs < 1`.
    async fn create_backfill(&self, new: &NewBackfill) -> Result<BackfillRecord>;

    /// A backfill with its runs counted.
    async fn get_backfill(&self, id: i64) -> Result<Option<BackfillRecord>>;

    /// The backfills of one DAG, or of every DAG with `None`, newest first.
    async fn list_backfills(&self, dag_id: Option<&str>) -> Result<Vec<BackfillRecord>>;

    /// The backfills in state `running`, oldest first: the scheduler's to drive.
    async fn running_backfills(&self) -> Result<Vec<BackfillRecord>>;

    /// Moves a backfill from `from` to `to` if it is still in `from`; stamps updated_at, and
    /// completed_at when it leaves running. Only running -> completed or cancelled is a
    /// transition (anything else is `Invalid`, nothing written). Returns whether it moved, and
    /// wakes the scheduler (`StoreEvent::DagRuns`) if it did.
    async fn set_backfill_state(
        &self,
        id: i64,
        from: BackfillState,
        to: BackfillState,
    ) -> Result<bool>;

    /// A DAG's runs whose logical date is in [from, to] (both ends included), oldest first.
    async fn runs_between(
        &self,
        dag_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<RunRecord>>;

    /// Makes a run belong to a backfill (`dag_runs.backfill_id`) unless it already does; returns
    /// whether it changed, so that a backfill adopts a run exactly once. `NotFound` if the run or
    /// the backfill does not exist, `Invalid` if they belong to different DAGs.
    async fn adopt_run(&self, run_pk: i64, backfill_id: i64) -> Result<bool>;

    /// History retention: deletes up to `limit` finished runs that ended before `before`, with
    /// their task instances, attempts, logs and outputs; returns how many runs. Call it until
    /// it returns 0. Active runs are never touched.
    async fn delete_finished_runs(&self, before: DateTime<Utc>, limit: i64) -> Result<u64>;

    /// A worker that shuts down hands a running attempt back: the task instance is queued again
    /// at once with one more try (the interrupted attempt does not count against its retries),
    /// and the attempt records `reason`. `LeaseLost` (nothing written) if the token is stale.
    async fn hand_back(&self, ti_id: i64, token: i64, reason: &str) -> Result<()>;

    /// A run's task instances whose `finished_at` is at or after `since` (an attempt that ended:
    /// success, failed, up_for_retry, reaped), by id. Lets a scheduler that read the run before
    /// learn what changed without reading every task instance again.
    async fn task_instances_finished_since(
        &self,
        run_pk: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<TaskInstanceRecord>>;
}
