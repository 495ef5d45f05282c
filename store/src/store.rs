//! The `Store` trait: Weir's state in domain verbs. One implementation per backend
//! ([`crate::postgres::PgStore`], [`crate::sqlite::SqliteStore`]), one conformance suite.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use weir_core::connection::ConnectionUrl;
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

    /// Records parsed DAGs, each as [`Store::sync_dag`] does, and forgets the import errors of
    /// their files (they load now). DAGs whose stored state already matches are settled by one
    /// read without a write; the others are written in transactions of a hundred, so that a
    /// thousand changed files cost ten commits, not two thousand. Returns one `DagSync` per DAG,
    /// in the order given.
    async fn sync_dags(&self, batch: &DagSyncBatch<'_>) -> Result<Vec<DagSync>>;

    /// Records a parsed DAG: its row if absent (paused if `paused_on_create`), a new version only
    /// if the content hash differs from the latest version's, and reactivates it if inactive.
    /// Forgets the import error of its file.
    async fn sync_dag(
        &self,
        dag: &Dag,
        source: &str,
        git_commit: Option<&str>,
        paused_on_create: bool,
    ) -> Result<DagSync> {
        let dags = [DagToSync { dag, source }];
        let batch = DagSyncBatch {
            dags: &dags,
            git_commit,
            paused_on_create,
        };
        self.sync_dags(&batch)
            .await?
            .pop()
            .ok_or_else(|| crate::StoreError::Invalid("sync_dags answered nothing".into()))
    }

    /// Marks every active DAG not in `active_ids` inactive; returns how many.
    async fn deactivate_dags_except(&self, active_ids: &[String]) -> Result<u64>;

    /// Pauses or unpauses a DAG; `NotFound` if there is no such DAG.
    async fn set_paused(&self, dag_id: &str, paused: bool) -> Result<()>;

    async fn get_dag(&self, dag_id: &str) -> Result<Option<DagRecord>>;

    /// Every DAG, active or not, by id.
    async fn list_dags(&self) -> Result<Vec<DagRecord>>;

    /// The scheduling state of every DAG, by id: what the scheduler reads at every tick,
    /// from the DAG rows alone.
    async fn dag_schedules(&self) -> Result<Vec<DagSchedule>>;

    /// A stored version with its DAG deserialized; `NotFound` if there is none.
    async fn get_dag_version(&self, version_id: i64) -> Result<DagVersionRecord>;

    /// Records where the timetable continues and when the next scheduled run is due.
    async fn set_scheduled_progress(
        &self,
        dag_id: &str,
        interval: Option<DataInterval>,
        next_run_after: Option<DateTime<Utc>>,
    ) -> Result<()>;

    /// `set_scheduled_progress` for many DAGs in one transaction (a scheduler starting with a
    /// thousand DAGs records a thousand next run times). DAGs that do not exist are skipped.
    async fn set_scheduled_progress_many(&self, progress: &[ScheduledProgress]) -> Result<()>;

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
    // ---- lists for the API and the dashboard ----------------------------------------------

    /// A page of DAGs (by id) that match the filter, with each one's latest version summary,
    /// and how many match in all.
    async fn list_dags_page(&self, query: &DagQuery) -> Result<(Vec<DagRecord>, i64)>;

    /// The `per_dag` newest runs (by logical date) of each of the given DAGs.
    async fn recent_runs(&self, dag_ids: &[String], per_dag: i64) -> Result<Vec<RecentRun>>;

    /// A DAG's versions, newest first, without their source.
    async fn list_dag_versions(&self, dag_id: &str) -> Result<Vec<DagVersionInfo>>;

    /// A page of runs (of one DAG or all, in one state or any), newest logical date first, and
    /// how many match in all.
    async fn list_runs_page(&self, query: &RunQuery) -> Result<(Vec<RunRecord>, i64)>;

    /// The task instances of several runs at once (a grid's page of runs), by run then id.
    async fn task_instances_of_runs(&self, run_pks: &[i64]) -> Result<Vec<TaskInstanceRecord>>;

    /// A user marks task instances of a run `success` or `failed` (`Invalid` for any other
    /// state), whatever state they are in; a running attempt is fenced off (its lease token
    /// changes, so its worker can write nothing more) and ends with `reason`. A finished run goes
    /// back to `running` so that the scheduler settles it again. Returns how many changed.
    async fn mark_task_instances(
        &self,
        run_pk: i64,
        task_ids: &[String],
        to: TaskState,
        reason: &str,
    ) -> Result<u64>;

    /// Deletes a pool; `Invalid` for `default_pool`, whether it existed otherwise.
    async fn delete_pool(&self, name: &str) -> Result<bool>;

    /// How many runs and task instances are in each state (the states with none are left out).
    async fn count_states(&self) -> Result<StateCounts>;

    /// Task instances that started at or after `since`, oldest start first, at most `limit`:
    /// how the metrics learn scheduler and pickup delays without rereading history.
    async fn task_instances_started_since(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<TaskInstanceRecord>>;

    /// Running task instances per worker id.
    async fn running_by_worker(&self) -> Result<Vec<(String, i64)>>;

    // ---- users, API tokens, sessions ------------------------------------------------------

    /// `Conflict` if the username is taken.
    async fn create_user(&self, user: &NewUser) -> Result<UserRecord>;

    async fn get_user(&self, username: &str) -> Result<Option<UserRecord>>;

    async fn list_users(&self) -> Result<Vec<UserRecord>>;

    /// Sets a user's password hash and role; `NotFound` if there is no such user. Ends the
    /// user's sessions when the password changes.
    async fn update_user(&self, username: &str, password_hash: &str, role: Role) -> Result<()>;

    /// Deletes a user and their sessions; whether there was one.
    async fn delete_user(&self, username: &str) -> Result<bool>;

    async fn create_api_token(&self, token: &NewApiToken) -> Result<ApiTokenRecord>;

    /// The token with this hash, revoked or expired included (the caller decides).
    async fn find_api_token(&self, token_hash: &str) -> Result<Option<ApiTokenRecord>>;

    /// Records that a token was used (callers throttle this: it is a write).
    async fn touch_api_token(&self, id: i64, at: DateTime<Utc>) -> Result<()>;

    /// Every token, newest first.
    async fn list_api_tokens(&self) -> Result<Vec<ApiTokenRecord>>;

    /// Revokes a token; whether it was live before.
    async fn revoke_api_token(&self, id: i64) -> Result<bool>;

    async fn create_session(&self, session: &NewSession) -> Result<()>;

    /// The session with this hash and its user, if it has not expired at `now`.
    async fn get_session(
        &self,
        session_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>>;

    /// Ends a session (logout); whether it existed.
    async fn delete_session(&self, session_hash: &str) -> Result<bool>;

    /// Deletes sessions that expired before `now`; returns how many.
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64>;

    // ---- the lake: dataset registry, validations, feature views, online store -------------

    /// Records a dataset version (a commit a task made); recording the same version again
    /// replaces it, so a retried report is harmless.
    async fn record_dataset_version(&self, version: &NewDatasetVersion) -> Result<()>;

    /// Every dataset with its latest version, by name.
    async fn list_datasets(&self) -> Result<Vec<DatasetRecord>>;

    /// A dataset's versions, newest first, at most `limit`.
    async fn dataset_versions(
        &self,
        dataset: &str,
        limit: i64,
    ) -> Result<Vec<DatasetVersionRecord>>;

    /// The lineage graph: each dataset a task read, with the dataset it wrote.
    async fn lineage(&self) -> Result<Vec<LineageEdge>>;

    /// Records a validation result; returns its id.
    async fn record_validation(&self, validation: &NewValidation) -> Result<i64>;

    /// A dataset's validation results, newest first, at most `limit`.
    async fn validation_history(&self, dataset: &str, limit: i64) -> Result<Vec<ValidationRecord>>;

    /// Records a feature view's latest materialization, unless a newer as-of time is recorded.
    async fn upsert_feature_view(&self, view: &FeatureViewInfo) -> Result<()>;

    async fn list_feature_views(&self) -> Result<Vec<FeatureViewRecord>>;

    /// Upserts entities' latest values, in one transaction; a row older than the stored one
    /// (an earlier as-of time, as a backfill writes) changes nothing. Returns the rows written.
    async fn upsert_online_features(&self, view: &str, rows: &[OnlineFeatures]) -> Result<u64>;

    /// One entity's latest values.
    async fn online_features(&self, view: &str, entity_key: &str)
    -> Result<Option<OnlineFeatures>>;

    // ---- connections to the databases tasks read ------------------------------------------

    /// Creates or replaces a connection's URL; `None` keeps the description it has. `Invalid`
    /// for a name that is no connection name or a URL without a scheme (the error never shows
    /// the URL).
    async fn set_connection(
        &self,
        name: &str,
        url: &ConnectionUrl,
        description: Option<&str>,
    ) -> Result<()>;

    /// A connection's URL, password included (its `Debug` and `Display` mask it).
    async fn connection_url(&self, name: &str) -> Result<Option<ConnectionUrl>>;

    /// Every connection by name, each URL with its password masked.
    async fn list_connections(&self) -> Result<Vec<ConnectionRecord>>;

    /// Deletes a connection; whether there was one.
    async fn delete_connection(&self, name: &str) -> Result<bool>;
}
