//! `weir-bench`: Weir's benchmarks, one command each, a table on the terminal and a JSON file.
//!
//! `cargo run --release -p weir-bench -- parse` generates a folder of realistic DAG files and
//! measures how fast Weir loads them, in process and as a `weir dags validate` process.
//! `cargo run --release -p weir-bench -- engine` runs the scheduler and workers in process on
//! PostgreSQL and SQLite and measures latency, throughput, idle cost and DAG re-syncs.
//! `cargo run --release -p weir-bench -- lake` measures the lake's data tasks on generated
//! clickstream, in process and as `weir tasks test` processes, and online lookups via the API.

mod api;
mod engine;
mod generate;
mod lake;
mod measure;
mod proc_status;
mod report;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail, ensure};
use clap::{Args, Parser, Subcommand};
use serde_json::json;

use report::{Metric, Report};

/// Untimed and timed spawns of `weir dags validate`.
const VALIDATE_WARMUPS: usize = 3;
const VALIDATE_SPAWNS: usize = 50;
/// Targets: a folder of 1,000 files (scaled linearly for other sizes) and one-file validation.
const FOLDER_TARGET_MS_PER_1000: f64 = 300.0;
const VALIDATE_TARGET_MS: f64 = 20.0;

#[derive(Parser)]
#[command(
    name = "weir-bench",
    about = "Weir's benchmarks: a table on the terminal and a JSON file"
)]
struct Cli {
    #[command(subcommand)]
    command: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Parsing and validating DAG files: load_folder, parse_str and `weir dags validate`.
    Parse(ParseArgs),
    /// The engine: latency between tasks, throughput, the idle scheduler, re-syncing DAGs.
    Engine(engine::EngineArgs),
    /// The API server and dashboard on PostgreSQL: page latency, throughput, memory.
    Api(api::ApiArgs),
    /// The lake's data tasks on generated clickstream: ingest, validate, materialize, online
    /// lookups, in process and as `weir tasks test` processes.
    Lake(lake::LakeArgs),
    /// The child process of `lake` that runs one data task and measures its peak memory (not
    /// for direct use).
    #[command(hide = true)]
    LakeTask(lake::TaskArgs),
    /// The child process of `engine` that loads DAGs into a scheduler and measures its memory
    /// and idle CPU (not for direct use).
    #[command(hide = true)]
    EngineIdle(engine::IdleArgs),
}

#[derive(Args)]
struct ParseArgs {
    /// Number of DAG files to generate.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    files: u32,
    /// Tasks per DAG file.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    tasks: u32,
    /// Timed runs of load_folder over the whole folder.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// The weir binary to measure [default: build it with `cargo build --release -p weir-server`
    /// and use target/release/weir].
    #[arg(long)]
    weir: Option<PathBuf>,
    /// Where to write the JSON results [default: bench/out/parse.json in the workspace].
    #[arg(long)]
    out: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Bench::Parse(args) => parse(args),
        Bench::Engine(args) => engine::run(args),
        Bench::Api(args) => api::run(args),
        Bench::EngineIdle(args) => engine::idle_child(args),
        Bench::Lake(args) => lake::run(args),
        Bench::LakeTask(args) => lake::task_child(args),
    }
}

fn parse(args: ParseArgs) -> anyhow::Result<()> {
    let (files, tasks, runs) = (args.files as usize, args.tasks as usize, args.runs as usize);
    let weir = match args.weir {
        Some(path) => path,
        None => build_weir()?,
    };
    ensure!(weir.is_file(), "no weir binary at {}", weir.display());
    let out = args
        .out
        .unwrap_or_else(|| workspace_root().join("bench/out/parse.json"));

    let dir = tempfile::Builder::new()
        .prefix("weir-bench-parse-")
        .tempdir()?;
    eprintln!(
        "generating {files} DAG files of {tasks} tasks in {}",
        dir.path().display()
    );
    let (paths, bytes) = generate::write_folder(dir.path(), files, tasks)?;

    eprintln!("parsing each file on one thread");
    let one = measure::sequential_parse(&paths)?;
    eprintln!("load_folder x {runs}");
    let folder = measure::load_folder(dir.path(), files, runs)?;
    let validate_file = &paths[0];
    eprintln!(
        "`weir dags validate {}` x {VALIDATE_SPAWNS}",
        generate::file_name(0)
    );
    let process =
        measure::validate_process(&weir, validate_file, VALIDATE_WARMUPS, VALIDATE_SPAWNS)?;

    let folder_target = FOLDER_TARGET_MS_PER_1000 * files as f64 / 1000.0;
    let metrics = vec![
        Metric::info("load_folder wall min", folder.min(), "ms"),
        Metric::below(
            "load_folder wall median",
            folder.median(),
            "ms",
            folder_target,
        ),
        Metric::info("load_folder wall max", folder.max(), "ms"),
        Metric::info(
            "load_folder files/s (median)",
            files as f64 / (folder.median() / 1e3),
            "files/s",
        ),
        Metric::info("parse_str one file, median", one.median() * 1e3, "us"),
        Metric::below(
            "validate process p50",
            process.median(),
            "ms",
            VALIDATE_TARGET_MS,
        ),
        Metric::info("validate process p95", process.percentile(95.0), "ms"),
        Metric::info("validate process max", process.max(), "ms"),
    ];
    let parameters = json!({
        "files": files,
        "tasks_per_file": tasks,
        "runs": runs,
        "total_bytes": bytes,
        "mean_file_bytes": bytes / files,
        "folder_target_ms": folder_target,
        "validate_file_bytes": std::fs::metadata(validate_file)?.len(),
        "validate_warmups": VALIDATE_WARMUPS,
        "validate_spawns": VALIDATE_SPAWNS,
        "weir": weir.display().to_string(),
        "rayon_num_threads": std::env::var("RAYON_NUM_THREADS").ok(),
    });
    let report = Report::new("parse", parameters, metrics);
    println!(
        "\n{files} files x {tasks} tasks, {} KB in all, {} bytes per file on average\n",
        bytes / 1024,
        bytes / files
    );
    report.print_table();
    report.write_json(&out)?;
    println!("\nwrote {}", out.display());
    Ok(())
}

/// The workspace root, known at compile time (this crate lives in `bench/`).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ has a parent")
        .to_path_buf()
}

/// Builds the weir binary in release (a no-op when it is up to date, so it is never stale) and
/// returns its path.
pub(crate) fn build_weir() -> anyhow::Result<PathBuf> {
    let root = workspace_root();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building weir: cargo build --release -p weir-server");
    let status = Command::new(&cargo)
        .args(["build", "--release", "-p", "weir-server"])
        .current_dir(&root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!(
            "`cargo build --release -p weir-server` failed ({status}); pass --weir PATH to use a built binary"
        );
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    Ok(target
        .join("release")
        .join(format!("weir{}", std::env::consts::EXE_SUFFIX)))
}
