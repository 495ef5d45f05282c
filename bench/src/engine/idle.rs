//! The scheduler at rest with many DAGs loaded: resident memory and CPU, measured in a child
//! process (`weir-bench engine-idle`) that holds only a store and a scheduler, as a `weir
//! scheduler` process does, so that the benchmark's own memory does not count.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use weir_scheduler::{Scheduler, SchedulerOptions};

/// What the child reports, as one JSON line on stdout.
#[derive(Serialize, Deserialize)]
pub struct IdleReport {
    /// VmRSS after the load, in KiB.
    pub rss_kib: u64,
    /// VmHWM (peak resident), in KiB.
    pub peak_rss_kib: u64,
    /// The initial scan: parsing and storing every DAG.
    pub load_ms: f64,
    /// utime + stime over the window, in seconds.
    pub cpu_seconds: f64,
    pub window_seconds: f64,
    /// Runs that exist after the window: should be none (the DAGs are yearly).
    pub runs: usize,
}

impl IdleReport {
    pub fn cpu_percent(&self) -> f64 {
        100.0 * self.cpu_seconds / self.window_seconds
    }
}

#[derive(Args)]
pub struct IdleArgs {
    /// The store's URL (already migrated).
    #[arg(long)]
    url: String,
    /// The DAG folder to load.
    #[arg(long)]
    dags: std::path::PathBuf,
    /// Time after the load for the first ticks, before anything is measured.
    #[arg(long, default_value_t = 2000)]
    settle_ms: u64,
    /// The idle window over which CPU time is measured.
    #[arg(long, default_value_t = 10)]
    window_s: u64,
}

/// Spawns `weir-bench engine-idle` on `url` and `dags` and returns its report.
pub fn measure(url: &str, dags: &Path, window: Duration) -> anyhow::Result<IdleReport> {
    let exe = std::env::current_exe().context("locating weir-bench")?;
    let output = Command::new(exe)
        .arg("engine-idle")
        .arg("--url")
        .arg(url)
        .arg("--dags")
        .arg(dags)
        .arg("--window-s")
        .arg(window.as_secs().to_string())
        .stderr(Stdio::inherit())
        .output()
        .context("spawning weir-bench engine-idle")?;
    if !output.status.success() {
        bail!("weir-bench engine-idle failed: {}", output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).with_context(|| format!("engine-idle printed {stdout:?}"))
}

/// The child: load the folder, let the scheduler settle, then measure.
pub fn child(args: IdleArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(async {
        let store = weir_store::connect(&args.url).await?;
        let mut scheduler = Scheduler::new(
            Arc::clone(&store),
            SchedulerOptions {
                scheduler_id: "bench-idle".into(),
                hostname: "localhost".into(),
                dags_folder: args.dags.clone(),
                paused_on_create: false,
                poll_interval: Duration::from_secs(1),
                rescan_interval: Duration::from_secs(30),
            },
        );
        let load = Instant::now();
        let scan = scheduler.scan_dags().await?;
        let load_ms = load.elapsed().as_secs_f64() * 1e3;
        if scan.import_errors > 0 {
            bail!("{} DAG files did not load", scan.import_errors);
        }
        let stop = CancellationToken::new();
        let running = tokio::spawn(scheduler.run(stop.clone()));
        tokio::time::sleep(Duration::from_millis(args.settle_ms)).await;
        let (rss_kib, peak_rss_kib) = crate::proc_status::resident()?;
        let window = Instant::now();
        let cpu_before = cpu_seconds()?;
        tokio::time::sleep(Duration::from_secs(args.window_s)).await;
        let cpu_seconds = cpu_seconds()? - cpu_before;
        let window_seconds = window.elapsed().as_secs_f64();
        let mut runs = 0;
        for dag in store.list_dags().await? {
            runs += store.list_runs(&dag.dag_id, 1, 0).await?.1 as usize;
        }
        stop.cancel();
        running.await??;
        anyhow::Ok(IdleReport {
            rss_kib,
            peak_rss_kib,
            load_ms,
            cpu_seconds,
            window_seconds,
            runs,
        })
    })?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// utime + stime of this process (all its threads), in seconds.
fn cpu_seconds() -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // The command name may hold spaces: the fields start after its closing parenthesis.
    let rest = stat
        .rsplit_once(')')
        .context("malformed /proc/self/stat")?
        .1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); `rest` starts at field 3.
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    Ok(ticks as f64 / clock_ticks() as f64)
}

/// The kernel's clock ticks per second (no libc here: unsafe code is forbidden).
fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}
