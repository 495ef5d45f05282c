//! The PostgreSQL store: production, and the coordination point of many schedulers and workers.
//!
//! Each method is one statement where it can be (the claim, the report, the reaper, a batch of
//! state changes) or one short transaction; none holds a transaction while a task runs. The SQL
//! is in `queries/`, one statement per file, loaded with `include_str!`.

mod auth;
mod backfills;
mod claim;
mod connections;
mod dags;
mod lake;
mod leases;
mod listener;
mod logs;
mod pages;
mod runs;
mod tasks;
mod workers;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use weir_core::connection::ConnectionUrl;
use weir_core::diag::Diagnostic;
use weir_core::state::{RunState, TaskState};

use crate::error::{Result, StoreError};
use crate::events::{EventBus, Wakeups};
use crate::model::*;
use crate::store::Store;

/// The migrations, embedded at build time. `sqlx::migrate!` is this same macro re-exported under
/// sqlx's `macros` feature, which the workspace leaves off (no compile-time checked queries).
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The channel the notify trigger sends on and the listener listens to.
pub const EVENTS_CHANNEL: &str = "weir_events";

/// The `application_name` of the LISTEN connection, to tell it apart in `pg_stat_activity`.
pub const LISTENER_APPLICATION_NAME: &str = "weir-listener";

/// How the store connects.
#[derive(Debug, Clone)]
pub struct PgConfig {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PgConfig {
    fn default() -> Self {
        PgConfig {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

/// The PostgreSQL implementation of [`Store`].
pub struct PgStore {
    pool: PgPool,
    events: EventBus,
    _listener: listener::Handle,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connects to `postgres://...` and starts the LISTEN connection (before returning, so that
    /// a subscriber registered after `connect` misses nothing).
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        Self::connect_with(options, PgConfig::default()).await
    }

    pub async fn connect_with(options: PgConnectOptions, config: PgConfig) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(config.acquire_timeout)
            .connect_with(options.clone())
            .await?;
        let events = EventBus::new();
        let listener = listener::start(options, events.clone()).await?;
        Ok(PgStore {
            pool,
            events,
            _listener: listener,
        })
    }

    /// The connection pool, for tests and tools that need raw SQL.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    fn subscribe(&self) -> Wakeups {
        self.events.subscribe()
    }

    async fn sync_dags(&self, batch: &DagSyncBatch<'_>) -> Result<Vec<DagSync>> {
        dags::sync_dags(&self.pool, batch).await
    }

    async fn deactivate_dags_except(&self, active_ids: &[String]) -> Result<u64> {
        dags::deactivate_except(&self.pool, active_ids).await
    }

    async fn set_paused(&self, dag_id: &str, paused: bool) -> Result<()> {
        dags::set_paused(&self.pool, dag_id, paused).await
    }

    async fn get_dag(&self, dag_id: &str) -> Result<Option<DagRecord>> {
        dags::get(&self.pool, dag_id).await
    }

    async fn list_dags(&self) -> Result<Vec<DagRecord>> {
        dags::list(&self.pool).await
    }

    async fn dag_schedules(&self) -> Result<Vec<DagSchedule>> {
        dags::schedules(&self.pool).await
    }

    async fn get_dag_version(&self, version_id: i64) -> Result<DagVersionRecord> {
        dags::get_version(&self.pool, version_id).await
    }

    async fn set_scheduled_progress(
        &self,
        dag_id: &str,
        interval: Option<DataInterval>,
        next_run_after: Option<DateTime<Utc>>,
    ) -> Result<()> {
        dags::set_scheduled_progress(&self.pool, dag_id, interval, next_run_after).await
    }

    async fn set_scheduled_progress_many(&self, progress: &[ScheduledProgress]) -> Result<()> {
        dags::set_scheduled_progress_many(&self.pool, progress).await
    }

    async fn record_import_error(&self, file: &str, diagnostics: &[Diagnostic]) -> Result<()> {
        dags::record_import_error(&self.pool, file, diagnostics).await
    }

    async fn clear_import_error(&self, file: &str) -> Result<bool> {
        dags::clear_import_error(&self.pool, file).await
    }

    async fn clear_import_errors_except(&self, files_with_errors: &[String]) -> Result<u64> {
        dags::clear_import_errors_except(&self.pool, files_with_errors).await
    }

    async fn list_import_errors(&self) -> Result<Vec<ImportErrorRecord>> {
        dags::list_import_errors(&self.pool).await
    }

    async fn create_run(&self, run: &NewRun, tasks: &[NewTaskInstance]) -> Result<CreateRun> {
        runs::create(&self.pool, run, tasks).await
    }

    async fn active_runs(&self) -> Result<Vec<RunRecord>> {
        runs::active(&self.pool).await
    }

    async fn get_run(&self, dag_id: &str, run_id: &str) -> Result<Option<RunRecord>> {
        runs::get(&self.pool, dag_id, run_id).await
    }

    async fn get_run_by_pk(&self, run_pk: i64) -> Result<Option<RunRecord>> {
        runs::get_by_pk(&self.pool, run_pk).await
    }

    async fn list_runs(
        &self,
        dag_id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<RunRecord>, i64)> {
        runs::list(&self.pool, dag_id, limit, offset).await
    }

    async fn hand_back(&self, ti_id: i64, token: i64, reason: &str) -> Result<()> {
        leases::hand_back(&self.pool, ti_id, token, reason).await
    }

    async fn task_instances_finished_since(
        &self,
        run_pk: i64,
        since: DateTime<Utc>,
    ) -> Result<Vec<TaskInstanceRecord>> {
        tasks::finished_since(&self.pool, run_pk, since).await
    }

    async fn delete_finished_runs(&self, before: DateTime<Utc>, limit: i64) -> Result<u64> {
        runs::delete_finished(&self.pool, before, limit).await
    }

    async fn set_run_state(&self, run_pk: i64, from: RunState, to: RunState) -> Result<bool> {
        runs::set_state(&self.pool, run_pk, from, to).await
    }

    async fn task_instances(&self, run_pk: i64) -> Result<Vec<TaskInstanceRecord>> {
        tasks::of_run(&self.pool, run_pk).await
    }

    async fn get_task_instance(&self, ti_id: i64) -> Result<Option<TaskInstanceRecord>> {
        tasks::get(&self.pool, ti_id).await
    }

    async fn update_task_states(&self, changes: &[TaskStateChange]) -> Result<u64> {
        tasks::update_states(&self.pool, changes).await
    }

    async fn due_retries(&self, now: DateTime<Utc>) -> Result<Vec<i64>> {
        tasks::due_retries(&self.pool, now).await
    }

    async fn clear_task_instances(&self, run_pk: i64, task_ids: &[String]) -> Result<u64> {
        tasks::clear(&self.pool, run_pk, task_ids).await
    }

    async fn claim(&self, request: &ClaimRequest) -> Result<Vec<ClaimedTask>> {
        claim::claim(&self.pool, request).await
    }

    async fn mark_started(&self, ti_id: i64, token: i64) -> Result<()> {
        leases::mark_started(&self.pool, ti_id, token).await
    }

    async fn heartbeat_leases(
        &self,
        worker_id: &str,
        leases: &[(i64, i64)],
        lease: Duration,
    ) -> Result<Vec<i64>> {
        leases::heartbeat(&self.pool, worker_id, leases, lease).await
    }

    async fn append_logs(
        &self,
        ti_id: i64,
        try_number: i32,
        token: i64,
        lines: &[LogLine],
    ) -> Result<()> {
        logs::append(&self.pool, ti_id, try_number, token, lines).await
    }

    async fn read_logs(
        &self,
        ti_id: i64,
        try_number: i32,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<LogRecord>> {
        logs::read(&self.pool, ti_id, try_number, after_seq, limit).await
    }

    async fn set_output(&self, ti_id: i64, token: i64, value: &serde_json::Value) -> Result<()> {
        logs::set_output(&self.pool, ti_id, token, value).await
    }

    async fn get_output(&self, ti_id: i64) -> Result<Option<TaskOutputRecord>> {
        logs::get_output(&self.pool, ti_id).await
    }

    async fn finish_attempts(&self, reports: &[AttemptReport]) -> Result<Vec<Option<TaskState>>> {
        leases::finish(&self.pool, reports).await
    }

    async fn reap_expired_leases(&self, now: DateTime<Utc>) -> Result<Vec<ReapedTask>> {
        leases::reap(&self.pool, now).await
    }

    async fn list_attempts(&self, ti_id: i64) -> Result<Vec<AttemptRecord>> {
        leases::list_attempts(&self.pool, ti_id).await
    }

    async fn heartbeat_worker(&self, worker: &WorkerInfo) -> Result<()> {
        workers::heartbeat_worker(&self.pool, worker).await
    }

    async fn list_workers(&self) -> Result<Vec<WorkerRecord>> {
        workers::list_workers(&self.pool).await
    }

    async fn heartbeat_scheduler(&self, scheduler_id: &str, hostname: &str) -> Result<()> {
        workers::heartbeat_scheduler(&self.pool, scheduler_id, hostname).await
    }

    async fn list_schedulers(&self) -> Result<Vec<SchedulerRecord>> {
        workers::list_schedulers(&self.pool).await
    }

    async fn upsert_pool(&self, name: &str, slots: i32, description: Option<&str>) -> Result<()> {
        workers::upsert_pool(&self.pool, name, slots, description).await
    }

    async fn list_pools(&self) -> Result<Vec<PoolRecord>> {
        workers::list_pools(&self.pool).await
    }

    async fn create_backfill(&self, new: &NewBackfill) -> Result<BackfillRecord> {
        backfills::create(&self.pool, new).await
    }

    async fn get_backfill(&self, id: i64) -> Result<Option<BackfillRecord>> {
        backfills::get(&self.pool, id).await
    }

    async fn list_backfills(&self, dag_id: Option<&str>) -> Result<Vec<BackfillRecord>> {
        backfills::list(&self.pool, dag_id).await
    }

    async fn running_backfills(&self) -> Result<Vec<BackfillRecord>> {
        backfills::running(&self.pool).await
    }

    async fn set_backfill_state(
        &self,
        id: i64,
        from: BackfillState,
        to: BackfillState,
    ) -> Result<bool> {
        backfills::set_state(&self.pool, id, from, to).await
    }

    async fn runs_between(
        &self,
        dag_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<RunRecord>> {
        backfills::runs_between(&self.pool, dag_id, from, to).await
    }

    async fn adopt_run(&self, run_pk: i64, backfill_id: i64) -> Result<bool> {
        backfills::adopt_run(&self.pool, run_pk, backfill_id).await
    }

    async fn list_dags_page(&self, query: &DagQuery) -> Result<(Vec<DagRecord>, i64)> {
        pages::dags_page(&self.pool, query).await
    }

    async fn recent_runs(&self, dag_ids: &[String], per_dag: i64) -> Result<Vec<RecentRun>> {
        pages::recent_runs(&self.pool, dag_ids, per_dag).await
    }

    async fn list_dag_versions(&self, dag_id: &str) -> Result<Vec<DagVersionInfo>> {
        pages::dag_versions(&self.pool, dag_id).await
    }

    async fn list_runs_page(&self, query: &RunQuery) -> Result<(Vec<RunRecord>, i64)> {
        pages::runs_page(&self.pool, query).await
    }

    async fn task_instances_of_runs(&self, run_pks: &[i64]) -> Result<Vec<TaskInstanceRecord>> {
        pages::task_instances_of_runs(&self.pool, run_pks).await
    }

    async fn mark_task_instances(
        &self,
        run_pk: i64,
        task_ids: &[String],
        to: TaskState,
        reason: &str,
    ) -> Result<u64> {
        pages::mark_task_instances(&self.pool, run_pk, task_ids, to, reason).await
    }

    async fn delete_pool(&self, name: &str) -> Result<bool> {
        workers::delete_pool(&self.pool, name).await
    }

    async fn count_states(&self) -> Result<StateCounts> {
        pages::count_states(&self.pool).await
    }

    async fn task_instances_started_since(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<TaskInstanceRecord>> {
        pages::started_since(&self.pool, since, limit).await
    }

    async fn running_by_worker(&self) -> Result<Vec<(String, i64)>> {
        pages::running_by_worker(&self.pool).await
    }

    async fn create_user(&self, user: &NewUser) -> Result<UserRecord> {
        auth::create_user(&self.pool, user).await
    }

    async fn get_user(&self, username: &str) -> Result<Option<UserRecord>> {
        auth::get_user(&self.pool, username).await
    }

    async fn list_users(&self) -> Result<Vec<UserRecord>> {
        auth::list_users(&self.pool).await
    }

    async fn update_user(&self, username: &str, password_hash: &str, role: Role) -> Result<()> {
        auth::update_user(&self.pool, username, password_hash, role).await
    }

    async fn delete_user(&self, username: &str) -> Result<bool> {
        auth::delete_user(&self.pool, username).await
    }

    async fn create_api_token(&self, token: &NewApiToken) -> Result<ApiTokenRecord> {
        auth::create_token(&self.pool, token).await
    }

    async fn find_api_token(&self, token_hash: &str) -> Result<Option<ApiTokenRecord>> {
        auth::find_token(&self.pool, token_hash).await
    }

    async fn touch_api_token(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        auth::touch_token(&self.pool, id, at).await
    }

    async fn list_api_tokens(&self) -> Result<Vec<ApiTokenRecord>> {
        auth::list_tokens(&self.pool).await
    }

    async fn revoke_api_token(&self, id: i64) -> Result<bool> {
        auth::revoke_token(&self.pool, id).await
    }

    async fn create_session(&self, session: &NewSession) -> Result<()> {
        auth::create_session(&self.pool, session).await
    }

    async fn get_session(
        &self,
        session_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>> {
        auth::get_session(&self.pool, session_hash, now).await
    }

    async fn delete_session(&self, session_hash: &str) -> Result<bool> {
        auth::delete_session(&self.pool, session_hash).await
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        auth::delete_expired_sessions(&self.pool, now).await
    }

    async fn record_dataset_version(&self, version: &NewDatasetVersion) -> Result<()> {
        lake::record_version(&self.pool, version).await
    }

    async fn list_datasets(&self) -> Result<Vec<DatasetRecord>> {
        lake::list_datasets(&self.pool).await
    }

    async fn dataset_versions(
        &self,
        dataset: &str,
        limit: i64,
    ) -> Result<Vec<DatasetVersionRecord>> {
        lake::versions(&self.pool, dataset, limit).await
    }

    async fn lineage(&self) -> Result<Vec<LineageEdge>> {
        lake::lineage(&self.pool).await
    }

    async fn record_validation(&self, validation: &NewValidation) -> Result<i64> {
        lake::record_validation(&self.pool, validation).await
    }

    async fn validation_history(&self, dataset: &str, limit: i64) -> Result<Vec<ValidationRecord>> {
        lake::validation_history(&self.pool, dataset, limit).await
    }

    async fn upsert_feature_view(&self, view: &FeatureViewInfo) -> Result<()> {
        lake::upsert_view(&self.pool, view).await
    }

    async fn list_feature_views(&self) -> Result<Vec<FeatureViewRecord>> {
        lake::list_views(&self.pool).await
    }

    async fn upsert_online_features(&self, view: &str, rows: &[OnlineFeatures]) -> Result<u64> {
        lake::upsert_online(&self.pool, view, rows).await
    }

    async fn online_features(
        &self,
        view: &str,
        entity_key: &str,
    ) -> Result<Option<OnlineFeatures>> {
        lake::get_online(&self.pool, view, entity_key).await
    }

    async fn set_connection(
        &self,
        name: &str,
        url: &ConnectionUrl,
        description: Option<&str>,
    ) -> Result<()> {
        connections::set(&self.pool, name, url, description).await
    }

    async fn connection_url(&self, name: &str) -> Result<Option<ConnectionUrl>> {
        connections::url(&self.pool, name).await
    }

    async fn list_connections(&self) -> Result<Vec<ConnectionRecord>> {
        connections::list(&self.pool).await
    }

    async fn delete_connection(&self, name: &str) -> Result<bool> {
        connections::delete(&self.pool, name).await
    }
}

/// `StoreError::NotFound` when a statement touched no row.
fn found(rows: u64, what: impl FnOnce() -> String) -> Result<()> {
    if rows == 0 {
        Err(StoreError::NotFound(what()))
    } else {
        Ok(())
    }
}
