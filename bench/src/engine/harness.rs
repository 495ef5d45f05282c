//! An engine in process, as `weir standalone` wires it: one scheduler and N workers sharing one
//! `Arc<dyn Store>`, with the production defaults for polls, leases and heartbeats (wake-ups,
//! not polls, are what make the engine fast, so short polls would flatter it).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use weir_executor::{Worker, WorkerOptions};
use weir_scheduler::{Scheduler, SchedulerOptions, TriggerRequest, trigger_run};
use weir_store::testing::{Backend, TestStore, test_store};
use weir_store::{RunRecord, Store};

/// The scheduler's and the worker's fallback poll, as `weir` configures them by default.
const POLL: Duration = Duration::from_secs(1);

pub struct Engine {
    pub store: Arc<dyn Store>,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<anyhow::Result<()>>>,
}

/// A fresh store: a throwaway PostgreSQL database or a temporary SQLite file, removed on drop.
pub async fn fresh_store(backend: Backend) -> anyhow::Result<TestStore> {
    test_store(backend)
        .await
        .context("PostgreSQL is skipped (WEIR_TEST_SKIP_POSTGRES=1): use --backend sqlite")
}

impl Engine {
    /// Loads `dags_folder` into the store, then starts a scheduler and `workers` workers of
    /// `capacity` each.
    pub async fn start(
        store: Arc<dyn Store>,
        dags_folder: &Path,
        workers: usize,
        capacity: usize,
    ) -> anyhow::Result<Engine> {
        let mut scheduler = Scheduler::new(
            store.clone(),
            SchedulerOptions {
                scheduler_id: "bench-scheduler".into(),
                hostname: "localhost".into(),
                dags_folder: dags_folder.to_path_buf(),
                paused_on_create: false,
                poll_interval: POLL,
                rescan_interval: Duration::from_secs(30),
            },
        );
        scheduler.scan_dags().await?;
        let stop = CancellationToken::new();
        let mut tasks = vec![tokio::spawn(scheduler.run(stop.clone()))];
        for n in 0..workers {
            let worker = Worker::new(
                store.clone(),
                WorkerOptions {
                    worker_id: format!("bench-worker-{n}"),
                    hostname: "localhost".into(),
                    queues: vec!["default".into()],
                    capacity,
                    lease: Duration::from_secs(30),
                    heartbeat_interval: Duration::from_secs(5),
                    shutdown_grace: Duration::from_secs(5),
                    kill_grace: Duration::from_secs(1),
                    poll_interval: POLL,
                    output_dir: std::env::temp_dir(),
                    lake: None,
                    data_dir: std::env::temp_dir(),
                    weir_bin: None,
                },
            );
            tasks.push(tokio::spawn(worker.run(stop.clone())));
        }
        Ok(Engine { store, stop, tasks })
    }

    /// Triggers a manual run of `dag_id` now.
    pub async fn trigger(&self, dag_id: &str) -> anyhow::Result<RunRecord> {
        let request = TriggerRequest {
            dag_id: dag_id.into(),
            run_id: None,
            logical_date: None,
            conf: serde_json::Map::new(),
            triggered_by: "weir-bench".into(),
        };
        Ok(trigger_run(self.store.as_ref(), request).await?.into_run())
    }

    /// Waits, on store wake-ups, until the run is final; fails unless it succeeded in time.
    pub async fn until_success(
        &self,
        run: &RunRecord,
        deadline: Duration,
    ) -> anyhow::Result<RunRecord> {
        let mut wakeups = self.store.subscribe();
        let start = Instant::now();
        loop {
            let now = self
                .store
                .get_run(&run.dag_id, &run.run_id)
                .await?
                .context("the run disappeared")?;
            if now.state.is_final() {
                if now.state != weir_core::state::RunState::Success {
                    bail!("run {} of {} ended {}", run.run_id, run.dag_id, now.state);
                }
                return Ok(now);
            }
            if start.elapsed() > deadline {
                bail!(
                    "run {} of {} not final after {deadline:?}: {}",
                    run.run_id,
                    run.dag_id,
                    now.state
                );
            }
            wakeups.wait(Duration::from_millis(100)).await;
        }
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        self.stop.cancel();
        for task in self.tasks {
            tokio::time::timeout(Duration::from_secs(30), task).await???;
        }
        Ok(())
    }
}

/// Milliseconds between two instants of the store.
pub fn millis(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_microseconds().unwrap_or(i64::MAX) as f64 / 1e3
}
