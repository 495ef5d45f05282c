//! `weir tasks test lake_bench TASK DATE` as a whole process, timed from spawn to exit: what a
//! user waits for when running one data task from the command line.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::NaiveDate;

use super::dag;

/// Where the process keeps its state and its lake.
pub struct Env<'a> {
    pub weir: &'a Path,
    pub dags: &'a Path,
    pub home: &'a Path,
    pub lake: &'a Path,
}

/// The wall time of one `weir tasks test`, in milliseconds; an error (with the command's last
/// words) if it does not exit 0.
pub fn tasks_test(env: &Env<'_>, task_id: &str, date: NaiveDate) -> anyhow::Result<f64> {
    let start = Instant::now();
    let output = Command::new(env.weir)
        .args(["tasks", "test", dag::DAG_ID, task_id])
        .arg(date.to_string())
        .env("WEIR_HOME", env.home)
        .env("WEIR_DAGS_FOLDER", env.dags)
        .env("WEIR_LAKE_URL", env.lake)
        .env("RUST_LOG", "warn")
        .current_dir(env.dags)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("spawning {}", env.weir.display()))?;
    let elapsed = start.elapsed();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| l.contains("error") || l.contains("failed"))
            .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
            .unwrap_or("(no output)");
        bail!(
            "`weir tasks test {task_id}` exited with {}: {last}",
            output.status
        );
    }
    Ok(elapsed.as_secs_f64() * 1e3)
}
