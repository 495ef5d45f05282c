//! `weir-bench lake`: the lake's data tasks on generated clickstream (`weir_lake::demo`), 10
//! million events of 100,000 users over 30 days by default. Each task is timed alone, in a
//! child process of its own that also reports its peak memory: ingest of the CSV into a Delta
//! table, validate with six expectations, materialize five features per user over 7 days (and
//! the online store write after it). Then the same three as whole `weir tasks test` processes,
//! and online lookups through a real `weir server`.

mod dag;
mod lookup;
mod process;
mod task;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use serde_json::json;
use weir_lake::demo::Clickstream;

use crate::report::{Metric, Report};
use task::{Spawn, TaskReport, Which};

pub use task::{TaskArgs, child as task_child};

/// Targets.
const INGEST_ROWS_PER_S: f64 = 2_000_000.0;
const VALIDATE_MS: f64 = 1_500.0;
const MATERIALIZE_MS: f64 = 2_000.0;
const PEAK_MIB: f64 = 1_024.0;
const LOOKUP_P99_MS: f64 = 5.0;
/// The `--quick` size.
const QUICK_ROWS: u64 = 200_000;

#[derive(Args)]
pub struct LakeArgs {
    /// Events to generate [default: 10,000,000; 200,000 with --quick].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    rows: Option<u64>,
    /// Distinct users.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    users: u64,
    /// Days of events (the features' window is the last 7).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    days: u32,
    /// Online lookups through the API, after 200 untimed ones.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..))]
    lookups: u64,
    /// A smoke run of 200,000 events (figures not comparable with the targets').
    #[arg(long)]
    quick: bool,
    /// The weir binary [default: build it with `cargo build --release -p weir-server` and use
    /// target/release/weir].
    #[arg(long)]
    weir: Option<PathBuf>,
    /// Where to write the JSON results [default: bench/out/lake.json in the workspace].
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The benchmark's folders, all under one temporary folder deleted at the end.
struct Folders {
    csv: PathBuf,
    dags: PathBuf,
    /// The lake of the in-process tasks.
    lake: PathBuf,
    /// WEIR_HOME of the API server: its SQLite state gets the online rows.
    api_home: PathBuf,
    /// WEIR_HOME and WEIR_LAKE_URL of the `weir tasks test` processes.
    process_home: PathBuf,
    process_lake: PathBuf,
}

impl Folders {
    fn under(root: &Path) -> anyhow::Result<Self> {
        let f = Folders {
            csv: root.join("data").join("clicks.csv"),
            dags: root.join("dags"),
            lake: root.join("lake"),
            api_home: root.join("api-home"),
            process_home: root.join("process-home"),
            process_lake: root.join("process-lake"),
        };
        for dir in [
            root.join("data"),
            f.dags.clone(),
            f.lake.clone(),
            f.api_home.clone(),
            f.process_home.clone(),
            f.process_lake.clone(),
        ] {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        Ok(f)
    }

    fn state_url(&self) -> String {
        format!(
            "sqlite://{}?mode=rwc",
            self.api_home.join("weir.db").display()
        )
    }
}

pub fn run(args: LakeArgs) -> anyhow::Result<()> {
    let rows = args
        .rows
        .unwrap_or(if args.quick { QUICK_ROWS } else { 10_000_000 });
    let clicks = Clickstream {
        rows,
        users: args.users,
        days: args.days,
        ..Clickstream::default()
    };
    let weir = match &args.weir {
        Some(path) => path.clone(),
        None => crate::build_weir()?,
    };
    anyhow::ensure!(weir.is_file(), "no weir binary at {}", weir.display());
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| crate::workspace_root().join("bench/out/lake.json"));
    let root = tempfile::Builder::new()
        .prefix("weir-bench-lake-")
        .tempdir()?;
    let folders = Folders::under(root.path())?;
    // The features are computed as of the end of the data: the window is its last 7 days.
    let date = clicks.end_date();

    eprintln!(
        "generating {rows} events of {} users over {} days into {}",
        clicks.users,
        clicks.days,
        folders.csv.display()
    );
    let start = Instant::now();
    let written = clicks.write_csv(&folders.csv)?;
    let generate_ms = start.elapsed().as_secs_f64() * 1e3;
    let dag_file = dag::write(&folders.dags, &folders.csv, clicks.first_day)?;

    let mut metrics = vec![
        Metric::info("generate CSV", generate_ms, "ms"),
        Metric::info("CSV size", written.bytes as f64 / (1 << 20) as f64, "MiB"),
    ];
    let state_url = folders.state_url();
    let mut sample_keys = Vec::new();
    for which in [Which::Ingest, Which::Validate, Which::Materialize] {
        eprintln!("{} in process (a child process)", which.name());
        let spawn = Spawn {
            task: which,
            dag: &dag_file,
            lake: &folders.lake,
            date,
            state: (which == Which::Materialize).then_some(state_url.as_str()),
            sample: args.lookups as usize,
        };
        match task::measure(&spawn) {
            Ok(report) => {
                if let Some(online) = &report.online {
                    sample_keys.clone_from(&online.sample_keys);
                }
                metrics.extend(task_metrics(which, &report));
            }
            Err(error) => {
                eprintln!("{error:#}");
                metrics.push(Metric::error(task_name(which), "ms", format!("{error:#}")));
            }
        }
    }

    let env = process::Env {
        weir: &weir,
        dags: &folders.dags,
        home: &folders.process_home,
        lake: &folders.process_lake,
    };
    for which in [Which::Ingest, Which::Validate, Which::Materialize] {
        eprintln!(
            "`weir tasks test {} {} {date}`",
            dag::DAG_ID,
            which.task_id()
        );
        let name = process_name(which);
        metrics.push(match process::tasks_test(&env, which.task_id(), date) {
            Ok(ms) => Metric::info(name, ms, "ms"),
            Err(error) => {
                eprintln!("{error:#}");
                Metric::error(name, "ms", format!("{error:#}"))
            }
        });
    }

    eprintln!("{} online lookups through `weir server`", sample_keys.len());
    let target = lookup::Target {
        weir: &weir,
        state_url: &state_url,
        home: &folders.api_home,
        dags: &folders.dags,
    };
    let runtime = tokio::runtime::Runtime::new()?;
    match runtime.block_on(lookup::lookups(&target, &sample_keys)) {
        Ok(samples) => {
            metrics.push(Metric::info("online lookup p50", samples.median(), "ms"));
            metrics.push(Metric::below(
                "online lookup p99",
                samples.percentile(99.0),
                "ms",
                LOOKUP_P99_MS,
            ));
            metrics.push(Metric::info("online lookup max", samples.max(), "ms"));
        }
        Err(error) => {
            eprintln!("{error:#}");
            metrics.push(Metric::error(
                "online lookup p99",
                "ms",
                format!("{error:#}"),
            ));
        }
    }

    let parameters = json!({
        "rows": rows,
        "users": clicks.users,
        "items": clicks.items,
        "days": clicks.days,
        "first_day": clicks.first_day.to_string(),
        "seed": clicks.seed,
        "csv_bytes": written.bytes,
        "as_of": date.to_string(),
        "window": "7d",
        "expectations": dag::EXPECTATIONS,
        "features": dag::FEATURES,
        "lookups": sample_keys.len(),
        "quick": args.quick,
        "weir": weir.display().to_string(),
    });
    let report = Report::new("lake", parameters, metrics);
    println!(
        "\n{rows} events of {} users over {} days, {} MiB of CSV\n",
        clicks.users,
        clicks.days,
        written.bytes >> 20
    );
    report.print_table();
    report.write_json(&out)?;
    println!("\nwrote {}", out.display());
    drop(root);
    Ok(())
}

fn task_name(which: Which) -> &'static str {
    match which {
        Which::Ingest => "ingest",
        Which::Validate => "validate (6 expectations)",
        Which::Materialize => "materialize (5 features, 7 days)",
    }
}

fn process_name(which: Which) -> &'static str {
    match which {
        Which::Ingest => "weir tasks test ingest",
        Which::Validate => "weir tasks test validate",
        Which::Materialize => "weir tasks test materialize",
    }
}

fn peak_name(which: Which) -> &'static str {
    match which {
        Which::Ingest => "ingest peak memory",
        Which::Validate => "validate peak memory",
        Which::Materialize => "materialize peak memory",
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The figures of one in-process task.
fn task_metrics(which: Which, r: &TaskReport) -> Vec<Metric> {
    let mut out = match which {
        Which::Ingest => vec![
            Metric::at_least(
                "ingest rows/s",
                r.rows as f64 / (r.wall_ms / 1e3),
                "rows/s",
                INGEST_ROWS_PER_S,
            ),
            Metric::info("ingest wall", r.wall_ms, "ms"),
        ],
        Which::Validate => vec![Metric::below(
            task_name(which),
            r.wall_ms,
            "ms",
            VALIDATE_MS,
        )],
        Which::Materialize => vec![
            Metric::below(task_name(which), r.wall_ms, "ms", MATERIALIZE_MS),
            Metric::info("materialized entities", r.rows as f64, "rows"),
        ],
    };
    out.push(Metric::at_most(
        peak_name(which),
        mib(r.peak_rss_kib),
        "MiB",
        PEAK_MIB,
    ));
    if let Some(online) = &r.online {
        out.push(Metric::info("online write (SQLite)", online.wall_ms, "ms"));
        out.push(Metric::info(
            "materialize + online write",
            r.wall_ms + online.wall_ms,
            "ms",
        ));
        out.push(Metric::info(
            "materialize + online peak memory",
            mib(online.peak_rss_kib),
            "MiB",
        ));
    }
    out
}
