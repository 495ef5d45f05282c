//! The measurements: loading the folder in process, parsing one file at a time, and the
//! `weir dags validate` process.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};

/// Durations in milliseconds, sorted, with nearest-rank percentiles.
pub struct Samples(Vec<f64>);

impl Samples {
    pub fn new(durations: &[Duration]) -> Self {
        let mut ms: Vec<f64> = durations.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        Samples(ms)
    }
    /// Samples already in milliseconds; there must be at least one.
    pub fn from_millis(mut ms: Vec<f64>) -> Self {
        assert!(!ms.is_empty(), "no samples");
        ms.sort_by(f64::total_cmp);
        Samples(ms)
    }
    pub fn min(&self) -> f64 {
        self.0[0]
    }
    pub fn max(&self) -> f64 {
        self.0[self.0.len() - 1]
    }
    pub fn median(&self) -> f64 {
        self.percentile(50.0)
    }
    /// Nearest rank: the smallest sample with at least `p` percent of the samples at or below it.
    pub fn percentile(&self, p: f64) -> f64 {
        let rank = (p / 100.0 * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }
}

/// `load_folder` on the whole folder, `runs` times; every run must load every file.
pub fn load_folder(dir: &Path, files: usize, runs: usize) -> anyhow::Result<Samples> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let load = weir_core::dag::load_folder(dir);
        times.push(start.elapsed());
        if let Some(error) = load.errors.first() {
            bail!(
                "load_folder reported {} import errors, the first:\n{}",
                load.errors.len(),
                error.render()
            );
        }
        ensure!(
            load.dags.len() == files,
            "load_folder loaded {} DAGs, expected {files}",
            load.dags.len()
        );
    }
    Ok(Samples::new(&times))
}

/// `parse_str` on one file at a time on this thread, sources read into memory first (no IO).
pub fn sequential_parse(paths: &[PathBuf]) -> anyhow::Result<Samples> {
    let sources: Vec<(String, String)> = paths
        .iter()
        .map(|p| Ok((p.display().to_string(), std::fs::read_to_string(p)?)))
        .collect::<std::io::Result<_>>()?;
    let mut times = Vec::with_capacity(sources.len());
    for (name, source) in &sources {
        let start = Instant::now();
        let parsed = weir_core::dag::parse_str(name, source);
        times.push(start.elapsed());
        ensure!(parsed.is_ok(), "{name} does not parse");
        drop(parsed);
    }
    Ok(Samples::new(&times))
}

/// `weir dags validate FILE` as a whole process: `warmups` untimed, then `spawns` timed, each
/// from spawn to exit. Every one must exit 0.
pub fn validate_process(
    weir: &Path,
    file: &Path,
    warmups: usize,
    spawns: usize,
) -> anyhow::Result<Samples> {
    let cwd = file.parent().unwrap_or(Path::new("."));
    let mut times = Vec::with_capacity(spawns);
    for i in 0..warmups + spawns {
        let start = Instant::now();
        let output = Command::new(weir)
            .args(["dags", "validate"])
            .arg(file)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("spawning {}", weir.display()))?;
        let elapsed = start.elapsed();
        if !output.status.success() {
            bail!(
                "`{} dags validate {}` exited with {}:\n{}{}",
                weir.display(),
                file.display(),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        if i >= warmups {
            times.push(elapsed);
        }
    }
    Ok(Samples::new(&times))
}
