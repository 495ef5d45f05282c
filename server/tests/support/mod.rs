//! A Weir cluster of real processes for one test: a throwaway PostgreSQL database, a DAG folder,
//! `weir scheduler|worker|standalone` processes (killed with SIGKILL when the cluster is
//! dropped), and a store handle in the test to trigger runs and to wait on conditions.
//!
//! Nothing here sleeps to synchronize: [`Cluster::wait_until`] re-checks a condition on every
//! store wake-up (with a short polling fallback) until a deadline.

#![allow(dead_code)]

pub mod procs;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use weir_scheduler::{TriggerRequest, trigger_run};
use weir_store::testing::{Backend, TestStore, test_store};
use weir_store::{AttemptRecord, DagRecord, RunRecord, Store, TaskInstanceRecord};

pub use procs::{Procs, peak_rss, processes_with_env};

/// How long any one condition may take to come true.
pub const WAIT: Duration = Duration::from_secs(45);

/// The configuration every process of a cluster reads (`WEIR_CONFIG`): quick polls and
/// rescans, and DAGs unpaused so that their schedules run.
const CONFIG: &str = r#"
[scheduler]
poll_interval_ms = 200
dag_rescan_interval = "1s"
dags_are_paused_at_creation = false
"#;

pub struct Cluster {
    /// Dropped first: the processes die before their database does.
    pub procs: Procs,
    pub store: Arc<dyn Store>,
    /// Config, process logs, gate files, WEIR_HOME.
    dir: tempfile::TempDir,
    dags: tempfile::TempDir,
    test_store: TestStore,
}

impl Cluster {
    /// A fresh database and a DAG folder holding `dags` (file name, YAML); no process yet.
    /// `None` when PostgreSQL tests are skipped on purpose (WEIR_TEST_SKIP_POSTGRES=1).
    pub async fn new(dags: &[(&str, &str)]) -> Option<Cluster> {
        let test_store = test_store(Backend::Postgres).await?;
        let dir = tempfile::tempdir().unwrap();
        let folder = tempfile::tempdir().unwrap();
        for (name, body) in dags {
            std::fs::write(folder.path().join(name), body).unwrap();
        }
        std::fs::write(dir.path().join("weir.toml"), CONFIG).unwrap();
        Some(Cluster {
            procs: Procs::default(),
            store: test_store.store.clone(),
            dir,
            dags: folder,
            test_store,
        })
    }

    pub fn dags_folder(&self) -> &Path {
        self.dags.path()
    }

    /// A path in the cluster's own folder, e.g. for a gate file a task waits on.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn database_name(&self) -> &str {
        self.test_store.database_name().expect("a PostgreSQL store")
    }

    /// Starts `weir <args>` on this cluster's database and DAG folder; `env` adds or overrides
    /// variables (e.g. WEIR_LEASE_TIMEOUT). Returns the pid.
    pub fn spawn(&mut self, name: &str, args: &[&str], env: &[(&str, &str)]) -> u32 {
        let dir = self.dir.path();
        let mut vars: Vec<(String, String)> = vec![
            ("WEIR_DATABASE_URL".into(), self.test_store.url.clone()),
            (
                "WEIR_DAGS_FOLDER".into(),
                self.dags.path().display().to_string(),
            ),
            ("WEIR_HOME".into(), dir.join("home").display().to_string()),
            (
                "WEIR_CONFIG".into(),
                dir.join("weir.toml").display().to_string(),
            ),
            ("WEIR_LOG_FORMAT".into(), "text".into()),
            ("RUST_LOG".into(), "info,sqlx=warn".into()),
        ];
        vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.procs.spawn(name, args, &vars, dir, dir)
    }

    pub fn kill9(&mut self, pid: u32) {
        self.procs.kill9(pid);
    }

    /// Waits until `check` gives `Some`, re-checking on every store wake-up (and every 250 ms
    /// at least). A store error counts as "not yet" (the database may be coming back). Panics,
    /// naming `what` and showing the processes' logs, after [`WAIT`].
    pub async fn wait_until<T>(
        &self,
        what: &str,
        mut check: impl AsyncFnMut() -> anyhow::Result<Option<T>>,
    ) -> T {
        let mut wakeups = self.store.subscribe();
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut last_error = None;
        loop {
            match check().await {
                Ok(Some(value)) => return value,
                Ok(None) => {}
                Err(e) => last_error = Some(format!("{e:#}")),
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out after {WAIT:?} waiting until {what} (last error: {last_error:?})"
            );
            wakeups.wait(Duration::from_millis(250)).await;
        }
    }

    /// Waits until the scheduler has stored a version of `dag_id`.
    pub async fn dag_loaded(&self, dag_id: &str) -> DagRecord {
        self.wait_until(&format!("DAG {dag_id} is loaded"), async || {
            Ok(self
                .store
                .get_dag(dag_id)
                .await?
                .filter(|d| d.latest_version_id.is_some()))
        })
        .await
    }

    /// A manual run of `dag_id`, created from the test as the API would.
    pub async fn trigger(&self, dag_id: &str) -> RunRecord {
        let request = TriggerRequest {
            dag_id: dag_id.into(),
            run_id: None,
            logical_date: None,
            conf: serde_json::Map::new(),
            triggered_by: "faults test".into(),
        };
        trigger_run(self.store.as_ref(), request)
            .await
            .expect("the run is created")
            .into_run()
    }

    /// Waits until the run is final.
    pub async fn finished(&self, run: &RunRecord) -> RunRecord {
        self.wait_until(&format!("run {} is final", run.run_id), async || {
            let now = self.store.get_run(&run.dag_id, &run.run_id).await?;
            Ok(now.filter(|r| r.state.is_final()))
        })
        .await
    }

    pub async fn ti(&self, run: &RunRecord, task_id: &str) -> anyhow::Result<TaskInstanceRecord> {
        self.store
            .task_instances(run.id)
            .await?
            .into_iter()
            .find(|t| t.task_id == task_id)
            .ok_or_else(|| anyhow::anyhow!("no task instance {task_id} in run {}", run.run_id))
    }

    pub async fn attempts(&self, ti_id: i64) -> Vec<AttemptRecord> {
        self.store
            .list_attempts(ti_id)
            .await
            .unwrap_or_else(|e| panic!("the attempts of task instance {ti_id}: {e:#}"))
    }

    /// One attempt's whole log, a line each.
    pub async fn log(&self, ti_id: i64, try_number: i32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut after = 0;
        loop {
            let page = self
                .store
                .read_logs(ti_id, try_number, after, 5_000)
                .await
                .unwrap_or_else(|e| panic!("the log of task instance {ti_id}: {e:#}"));
            let Some(last) = page.last() else {
                return lines;
            };
            after = last.seq;
            lines.extend(page.into_iter().map(|l| l.line));
        }
    }

    /// Task id, state, try number and attempt count of every task instance of the run.
    pub async fn summary(&self, run: &RunRecord) -> String {
        let mut out = String::new();
        for ti in self.store.task_instances(run.id).await.unwrap_or_default() {
            out.push_str(&format!(
                "{} {} try {} reason {:?}\n",
                ti.task_id, ti.state, ti.try_number, ti.reason
            ));
        }
        out
    }

    /// An admin connection (to the admin database, not this cluster's), for fault injection.
    pub async fn admin(&self) -> PgConnection {
        let url = weir_store::testing::admin_url().expect("an admin URL");
        PgConnection::connect(&url)
            .await
            .expect("an admin connection")
    }
}
