//! `weir standalone`, `weir scheduler`, `weir worker`: the long-running roles.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use weir_executor::{Worker, WorkerOptions};
use weir_lake::Lake;
use weir_scheduler::{Scheduler, SchedulerOptions};
use weir_store::Store;

use super::runtime::{block_on, hostname, open_lake, open_store, process_id, shutdown_signal};
use crate::app::AppState;
use crate::auth::bootstrap::{AdminLogin, ensure_admin};
use crate::config::Config;
use anyhow::Context;

#[derive(Args, Debug, Default)]
pub struct WorkerArgs {
    /// Queues to claim from, comma-separated (default: the configuration's).
    #[arg(long, value_delimiter = ',')]
    pub queues: Option<Vec<String>>,
    /// Task instances this worker runs at once.
    #[arg(long)]
    pub capacity: Option<usize>,
}

pub fn standalone(config: &Config) -> anyhow::Result<ExitCode> {
    block_on(async {
        let store = open_store(config).await?;
        let shutdown = shutdown_signal();
        // Standalone is for trying Weir on a laptop: the example DAGs run without unpausing.
        let mut options = scheduler_options(config);
        options.paused_on_create = false;
        let mut scheduler = Scheduler::new(store.clone(), options);
        let scan = scheduler.scan_dags().await?;
        eprintln!(
            "Weir standalone: {} DAG files in {}, state in {} ({}). Ctrl-C to stop.",
            scan.files,
            config.dags_folder.display(),
            config.home.display(),
            config.database_url()
        );
        if scan.import_errors > 0 {
            eprintln!(
                "{} DAG file(s) have errors: `weir dags validate` shows them",
                scan.import_errors
            );
        }
        let listener = bind(config).await?;
        let address = listener.local_addr()?;
        match ensure_admin(store.as_ref(), &config.home).await? {
            AdminLogin::Created { password, file } => eprintln!(
                "Dashboard: http://{address}/  user: admin  password: {password}\n(shown once; also kept in {})",
                file.display()
            ),
            AdminLogin::Exists { file: Some(file) } => eprintln!(
                "Dashboard: http://{address}/  (the admin password is in {})",
                file.display()
            ),
            AdminLogin::Exists { file: None } => {
                eprintln!("Dashboard: http://{address}/  (log in with your Weir user)")
            }
        }
        let lake = open_lake(config)?;
        let worker = Worker::new(
            store.clone(),
            worker_options(config, &WorkerArgs::default(), &lake),
        );
        let state = AppState::new(store.clone(), config.clone());
        let scheduler_task = tokio::spawn(scheduler.run(shutdown.clone()));
        let worker_task = tokio::spawn(worker.run(shutdown.clone()));
        let server_task = tokio::spawn(crate::app::serve(state, listener, shutdown.clone()));
        let (s, w, h) = tokio::join!(scheduler_task, worker_task, server_task);
        s??;
        w??;
        h??;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn server(config: &Config) -> anyhow::Result<ExitCode> {
    block_on(async {
        let store = open_store(config).await?;
        let listener = bind(config).await?;
        eprintln!("Weir server: http://{}/", listener.local_addr()?);
        let state = AppState::new(store, config.clone());
        crate::app::serve(state, listener, shutdown_signal()).await?;
        Ok(ExitCode::SUCCESS)
    })
}

async fn bind(config: &Config) -> anyhow::Result<tokio::net::TcpListener> {
    let address = format!("{}:{}", config.host, config.port);
    tokio::net::TcpListener::bind(&address)
        .await
        .with_context(|| {
            format!("cannot listen on {address}: is another Weir running? (set WEIR_PORT to use another port)")
        })
}

pub fn scheduler(config: &Config) -> anyhow::Result<ExitCode> {
    block_on(async {
        let store = open_store(config).await?;
        Scheduler::new(store, scheduler_options(config))
            .run(shutdown_signal())
            .await?;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn worker(config: &Config, args: &WorkerArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let store: Arc<dyn Store> = open_store(config).await?;
        let lake = open_lake(config)?;
        Worker::new(store, worker_options(config, args, &lake))
            .run(shutdown_signal())
            .await?;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn scheduler_options(config: &Config) -> SchedulerOptions {
    SchedulerOptions {
        scheduler_id: process_id("scheduler"),
        hostname: hostname(),
        dags_folder: config.dags_folder.clone(),
        paused_on_create: config.scheduler.dags_are_paused_at_creation,
        poll_interval: Duration::from_millis(config.scheduler.poll_interval_ms),
        rescan_interval: config.scheduler.dag_rescan_interval.as_std(),
    }
}

fn worker_options(config: &Config, args: &WorkerArgs, lake: &Lake) -> WorkerOptions {
    WorkerOptions {
        worker_id: process_id("worker"),
        hostname: hostname(),
        queues: args
            .queues
            .clone()
            .unwrap_or_else(|| config.worker.queues.clone()),
        capacity: args.capacity.unwrap_or(config.worker.capacity).max(1),
        lease: config.scheduler.lease_timeout.as_std(),
        heartbeat_interval: config.worker.heartbeat_interval.as_std(),
        shutdown_grace: config.worker.shutdown_grace.as_std(),
        kill_grace: Duration::from_secs(10),
        poll_interval: Duration::from_millis(config.scheduler.poll_interval_ms),
        output_dir: std::env::temp_dir(),
        lake: Some(lake.clone()),
        data_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        weir_bin: std::env::current_exe().ok(),
    }
}
