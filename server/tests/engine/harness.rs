//! An engine in process for the tests: a scheduler and a worker over a fresh store, a DAG
//! folder and a lake in temporary folders.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use weir_core::state::TaskState;
use weir_executor::{Worker, WorkerOptions};
use weir_scheduler::{Scheduler, SchedulerOptions, TriggerRequest, trigger_run};
use weir_store::testing::{Backend, TestStore, test_store};
use weir_store::{RunRecord, Store};

pub const DEADLINE: Duration = Duration::from_secs(60);

pub struct Engine {
    pub store: Arc<dyn Store>,
    /// The lake data tasks write, and the folder relative source paths start in.
    pub lake: weir_lake::Lake,
    pub data_dir: tempfile::TempDir,
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _dags: tempfile::TempDir,
    _test_store: TestStore,
}

impl Engine {
    /// A scheduler and a worker over a fresh store and a DAG folder holding `dags`.
    pub async fn start(backend: Backend, dags: &[(&str, &str)]) -> Option<Engine> {
        let test_store = test_store(backend).await?;
        let store = test_store.store.clone();
        let folder = tempfile::tempdir().unwrap();
        let data_dir = tempfile::tempdir().unwrap();
        let lake = weir_lake::Lake::new(
            weir_lake::LakeRoot::local(&data_dir.path().join("lake")).unwrap(),
        );
        for (name, body) in dags {
            std::fs::write(folder.path().join(name), body).unwrap();
        }
        let mut scheduler = Scheduler::new(
            store.clone(),
            SchedulerOptions {
                scheduler_id: "test-scheduler".into(),
                hostname: "localhost".into(),
                dags_folder: folder.path().to_path_buf(),
                paused_on_create: false,
                poll_interval: Duration::from_millis(200),
                rescan_interval: Duration::from_secs(60),
            },
        );
        scheduler.scan_dags().await.unwrap();
        let worker = Worker::new(
            store.clone(),
            WorkerOptions {
                worker_id: "test-worker".into(),
                hostname: "localhost".into(),
                queues: vec!["default".into()],
                capacity: 4,
                lease: Duration::from_secs(30),
                heartbeat_interval: Duration::from_secs(1),
                shutdown_grace: Duration::from_secs(1),
                kill_grace: Duration::from_secs(1),
                poll_interval: Duration::from_millis(200),
                output_dir: std::env::temp_dir(),
                lake: Some(lake.clone()),
                data_dir: data_dir.path().to_path_buf(),
                weir_bin: None,
            },
        );
        let stop = CancellationToken::new();
        let tasks = vec![
            tokio::spawn(scheduler.run(stop.clone())),
            tokio::spawn(worker.run(stop.clone())),
        ];
        Some(Engine {
            store,
            lake,
            data_dir,
            stop,
            tasks,
            _dags: folder,
            _test_store: test_store,
        })
    }

    pub async fn trigger(&self, dag_id: &str, conf: serde_json::Value) -> RunRecord {
        self.trigger_with(dag_id, None, conf).await
    }

    pub async fn trigger_at(
        &self,
        dag_id: &str,
        logical_date: chrono::DateTime<chrono::Utc>,
        conf: serde_json::Value,
    ) -> RunRecord {
        self.trigger_with(dag_id, Some(logical_date), conf).await
    }

    async fn trigger_with(
        &self,
        dag_id: &str,
        logical_date: Option<chrono::DateTime<chrono::Utc>>,
        conf: serde_json::Value,
    ) -> RunRecord {
        let request = TriggerRequest {
            dag_id: dag_id.into(),
            run_id: None,
            logical_date,
            conf: conf.as_object().cloned().unwrap_or_default(),
            triggered_by: "test".into(),
        };
        trigger_run(self.store.as_ref(), request)
            .await
            .unwrap()
            .into_run()
    }

    /// Waits, on store wake-ups with a deadline, until the run is final.
    pub async fn finished(&self, run: &RunRecord) -> RunRecord {
        let mut wakeups = self.store.subscribe();
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let now = self
                .store
                .get_run(&run.dag_id, &run.run_id)
                .await
                .unwrap()
                .unwrap();
            if now.state.is_final() {
                return now;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "run {} not final in time: {:?}",
                run.run_id,
                now.state
            );
            wakeups.wait(Duration::from_millis(250)).await;
        }
    }

    /// Waits until the backfill is no longer running.
    pub async fn backfill_finished(&self, id: i64) -> weir_store::BackfillRecord {
        let mut wakeups = self.store.subscribe();
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let now = self.store.get_backfill(id).await.unwrap().unwrap();
            if now.state != weir_store::BackfillState::Running {
                return now;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "backfill {id} not finished in time: {now:?}"
            );
            wakeups.wait(Duration::from_millis(250)).await;
        }
    }

    pub async fn states(&self, run: &RunRecord) -> Vec<(String, TaskState)> {
        let mut out: Vec<(String, TaskState)> = self
            .store
            .task_instances(run.id)
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.task_id, t.state))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    pub async fn log_of(&self, run: &RunRecord, task_id: &str, try_number: i32) -> String {
        let ti = self
            .store
            .task_instances(run.id)
            .await
            .unwrap()
            .into_iter()
            .find(|t| t.task_id == task_id)
            .unwrap();
        let lines = self
            .store
            .read_logs(ti.id, try_number, 0, 10_000)
            .await
            .unwrap();
        lines
            .into_iter()
            .map(|l| l.line)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Stops the scheduler and the worker; the database lives on in the returned handle.
    pub async fn stop(self) -> TestStore {
        self.stop.cancel();
        for task in self.tasks {
            tokio::time::timeout(DEADLINE, task)
                .await
                .unwrap()
                .unwrap()
                .unwrap();
        }
        self._test_store
    }
}
