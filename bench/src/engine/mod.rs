//! `weir-bench engine`: the scheduler and workers in process on each backend, measured against
//! the engine's targets: latency between tasks, throughput of noop and shell tasks, the idle
//! scheduler's memory and CPU with many DAGs loaded, and re-syncing a changed DAG folder.

mod dags;
mod harness;
mod idle;
mod latency;
mod resync;
mod throughput;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use serde_json::json;
use weir_store::testing::Backend;

use crate::report::{Metric, Report};

pub use idle::{IdleArgs, child as idle_child};

/// Targets.
const HOP_P50_MS: f64 = 10.0;
const HOP_P95_MS: f64 = 50.0;
const NOOP_TASKS_PER_S: f64 = 2_000.0;
const SHELL_TASKS_PER_S: f64 = 300.0;
const IDLE_RSS_MB: f64 = 100.0;
const IDLE_CPU_PERCENT: f64 = 1.0;
/// For 1,000 files; scaled linearly for other sizes.
const RESYNC_MS_PER_1000: f64 = 2_000.0;

#[derive(Args)]
pub struct EngineArgs {
    /// The state store(s) to measure on.
    #[arg(long, value_enum, default_value_t = Which::Both)]
    backend: Which,
    /// Smaller sizes, for a smoke run (the figures are then not comparable with the targets').
    #[arg(long)]
    quick: bool,
    /// Where to write the JSON results [default: bench/out/engine.json in the workspace].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Only these parts (comma-separated), to look at one figure again; all by default.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Part>,
}

/// The parts of the benchmark, for `--only`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Part {
    Latency,
    Noop,
    Shell,
    Resync,
    Idle,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    Postgres,
    Sqlite,
    Both,
}

/// The sizes of one benchmark run.
struct Sizes {
    chain_tasks: usize,
    chain_runs: usize,
    noop_fan: usize,
    shell_fan: usize,
    capacity: usize,
    idle_files: usize,
    idle_tasks: usize,
    idle_window: Duration,
}

impl Sizes {
    fn new(quick: bool) -> Self {
        Sizes {
            chain_tasks: if quick { 20 } else { 50 },
            chain_runs: if quick { 1 } else { 3 },
            noop_fan: if quick { 500 } else { 10_000 },
            shell_fan: if quick { 200 } else { 2_000 },
            capacity: 32,
            idle_files: if quick { 100 } else { 1_000 },
            idle_tasks: 20,
            idle_window: Duration::from_secs(if quick { 3 } else { 10 }),
        }
    }
}

pub fn run(args: EngineArgs) -> anyhow::Result<()> {
    let sizes = Sizes::new(args.quick);
    let backends: Vec<Backend> = match args.backend {
        Which::Postgres => vec![Backend::Postgres],
        Which::Sqlite => vec![Backend::Sqlite],
        Which::Both => vec![Backend::Postgres, Backend::Sqlite],
    };
    let out = args
        .out
        .unwrap_or_else(|| crate::workspace_root().join("bench/out/engine.json"));
    let runtime = tokio::runtime::Runtime::new()?;
    let parts: Vec<Part> = if args.only.is_empty() {
        Part::value_variants().to_vec()
    } else {
        args.only.clone()
    };
    let mut metrics = Vec::new();
    for backend in &backends {
        metrics.extend(runtime.block_on(measure_backend(*backend, &sizes, &parts))?);
    }
    let parameters = json!({
        "backends": backends.iter().map(|b| name(*b)).collect::<Vec<_>>(),
        "quick": args.quick,
        "chain_tasks": sizes.chain_tasks,
        "chain_runs": sizes.chain_runs,
        "noop_fan_out": sizes.noop_fan,
        "shell_fan_out": sizes.shell_fan,
        "shell_command": "true",
        "worker_capacity": sizes.capacity,
        "idle_dags": sizes.idle_files,
        "idle_tasks_per_dag": sizes.idle_tasks,
        "idle_window_s": sizes.idle_window.as_secs(),
        "poll_interval_ms": 1000,
        "parts": parts.iter().map(|p| format!("{p:?}").to_lowercase()).collect::<Vec<_>>(),
    });
    let report = Report::new("engine", parameters, metrics);
    println!();
    report.print_table();
    report.write_json(&out)?;
    println!("\nwrote {}", out.display());
    Ok(())
}

fn name(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "postgres",
        Backend::Sqlite => "sqlite",
    }
}

async fn measure_backend(
    backend: Backend,
    sizes: &Sizes,
    parts: &[Part],
) -> anyhow::Result<Vec<Metric>> {
    let b = name(backend);
    let mut metrics = Vec::new();
    if parts.contains(&Part::Latency) {
        metrics.extend(measure_latency(b, backend, sizes).await?);
    }
    if parts.contains(&Part::Noop) || parts.contains(&Part::Shell) {
        metrics.extend(measure_fans(b, backend, sizes, parts).await?);
    }
    if parts.contains(&Part::Resync) {
        metrics.extend(measure_resync(b, backend, sizes).await?);
    }
    if parts.contains(&Part::Idle) {
        metrics.extend(measure_idle(b, backend, sizes).await?);
    }
    Ok(metrics)
}

async fn measure_latency(
    b: &'static str,
    backend: Backend,
    sizes: &Sizes,
) -> anyhow::Result<Vec<Metric>> {
    let mut metrics = Vec::new();
    eprintln!(
        "[{b}] latency: {} runs of a chain of {} noop tasks",
        sizes.chain_runs, sizes.chain_tasks
    );
    let lat = latency::chain(backend, sizes.chain_tasks, sizes.chain_runs).await?;
    metrics.push(Metric::at_most("hop latency p50", lat.hops.median(), "ms", HOP_P50_MS).on(b));
    metrics.push(
        Metric::at_most(
            "hop latency p95",
            lat.hops.percentile(95.0),
            "ms",
            HOP_P95_MS,
        )
        .on(b),
    );
    metrics.push(Metric::info("hop latency max", lat.hops.max(), "ms").on(b));
    metrics.push(Metric::info("hops measured", lat.count as f64, "hops").on(b));
    Ok(metrics)
}

async fn measure_fans(
    b: &'static str,
    backend: Backend,
    sizes: &Sizes,
    parts: &[Part],
) -> anyhow::Result<Vec<Metric>> {
    let mut metrics = Vec::new();
    let fans: [(&'static str, bool, usize, usize, f64); 4] = [
        (
            "noop fan-out, 1 worker",
            false,
            1,
            sizes.noop_fan,
            NOOP_TASKS_PER_S,
        ),
        (
            "noop fan-out, 4 workers",
            false,
            4,
            sizes.noop_fan,
            NOOP_TASKS_PER_S,
        ),
        (
            "shell fan-out, 1 worker",
            true,
            1,
            sizes.shell_fan,
            SHELL_TASKS_PER_S,
        ),
        (
            "shell fan-out, 4 workers",
            true,
            4,
            sizes.shell_fan,
            SHELL_TASKS_PER_S,
        ),
    ];
    for (label, shell, workers, width, target) in fans {
        if !parts.contains(if shell { &Part::Shell } else { &Part::Noop }) {
            continue;
        }
        eprintln!(
            "[{b}] {label}: 1 -> {width} -> 1, capacity {} each",
            sizes.capacity
        );
        let t = throughput::fan(backend, width, shell, workers, sizes.capacity).await?;
        if !t.completed {
            eprintln!(
                "[{b}] {label}: cut short after {:.0} s, {} of {} tasks succeeded",
                t.seconds, t.succeeded, t.tasks
            );
        }
        eprintln!(
            "[{b}] {label}: {} tasks in {:.2} s = {:.0} tasks/s",
            t.succeeded,
            t.seconds,
            t.per_second()
        );
        metrics.push(Metric::at_least(label, t.per_second(), "tasks/s", target).on(b));
    }
    Ok(metrics)
}

async fn measure_resync(
    b: &'static str,
    backend: Backend,
    sizes: &Sizes,
) -> anyhow::Result<Vec<Metric>> {
    let mut metrics = Vec::new();
    eprintln!(
        "[{b}] re-sync: {} DAG files of {} tasks, all changed at once",
        sizes.idle_files, sizes.idle_tasks
    );
    let sync = resync::all_changed(backend, sizes.idle_files, sizes.idle_tasks).await?;
    let resync_target = RESYNC_MS_PER_1000 * sizes.idle_files as f64 / 1000.0;
    metrics.push(Metric::info("initial sync, all DAGs new", sync.initial_ms, "ms").on(b));
    metrics.push(
        Metric::below(
            "re-sync, all DAGs changed",
            sync.changed_ms,
            "ms",
            resync_target,
        )
        .on(b),
    );
    Ok(metrics)
}

async fn measure_idle(
    b: &'static str,
    backend: Backend,
    sizes: &Sizes,
) -> anyhow::Result<Vec<Metric>> {
    let mut metrics = Vec::new();
    eprintln!(
        "[{b}] idle: a scheduler process with {} DAGs loaded, {} s window",
        sizes.idle_files,
        sizes.idle_window.as_secs()
    );
    let test_store = harness::fresh_store(backend).await?;
    let dir = tempfile::Builder::new()
        .prefix("weir-bench-idle-")
        .tempdir()?;
    dags::write_idle_folder(dir.path(), sizes.idle_files, sizes.idle_tasks, None)?;
    let url = test_store.url.clone();
    let path = dir.path().to_path_buf();
    let window = sizes.idle_window;
    let idle = tokio::task::spawn_blocking(move || idle::measure(&url, &path, window)).await??;
    if idle.runs > 0 {
        eprintln!(
            "[{b}] idle: warning: {} runs were created while idle",
            idle.runs
        );
    }
    metrics.push(
        Metric::at_most(
            "idle scheduler RSS",
            idle.rss_kib as f64 / 1024.0,
            "MB",
            IDLE_RSS_MB,
        )
        .on(b),
    );
    metrics.push(
        Metric::info(
            "idle scheduler peak RSS",
            idle.peak_rss_kib as f64 / 1024.0,
            "MB",
        )
        .on(b),
    );
    metrics.push(
        Metric::below(
            "idle scheduler CPU",
            idle.cpu_percent(),
            "%",
            IDLE_CPU_PERCENT,
        )
        .on(b),
    );
    metrics.push(Metric::info("idle scheduler load (scan)", idle.load_ms, "ms").on(b));
    Ok(metrics)
}
