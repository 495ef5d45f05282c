//! The DAG files the engine benchmark runs: a chain for latency, a fan-out for throughput, and
//! the parse benchmark's realistic files made idle for the memory, CPU and re-sync figures.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::generate;

pub const CHAIN_DAG: &str = "bench_chain";
pub const FAN_DAG: &str = "bench_fan";

/// `tasks` noop tasks, each needing the one before.
pub fn chain(tasks: usize) -> String {
    let mut out = format!("dag_id: {CHAIN_DAG}\nmax_active_tasks: 64\ntasks:\n");
    for i in 0..tasks {
        let _ = writeln!(out, "  t{i:03}:\n    type: noop");
        if i > 0 {
            let _ = writeln!(out, "    needs: [t{:03}]", i - 1);
        }
    }
    out
}

/// `start`, then `width` tasks needing it, then `end` needing them all. `run` is the shell
/// command of the middle tasks, or None for noop tasks.
pub fn fan(width: usize, run: Option<&str>) -> String {
    let mut out = format!(
        "dag_id: {FAN_DAG}\nmax_active_tasks: {}\ntasks:\n  start:\n    type: noop\n",
        width + 2
    );
    for i in 0..width {
        match run {
            Some(cmd) => {
                let _ = writeln!(
                    out,
                    "  t{i:05}:\n    type: shell\n    needs: [start]\n    run: {cmd}"
                );
            }
            None => {
                let _ = writeln!(out, "  t{i:05}:\n    type: noop\n    needs: [start]");
            }
        }
    }
    out.push_str("  end:\n    type: noop\n    needs: [");
    for i in 0..width {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "t{i:05}");
    }
    out.push_str("]\n");
    out
}

/// Writes one DAG file into a fresh temporary folder.
pub fn folder_with(name: &str, source: &str) -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("weir-bench-engine-")
        .tempdir()?;
    let path = dir.path().join(name);
    std::fs::write(&path, source).with_context(|| format!("writing {}", path.display()))?;
    Ok(dir)
}

/// Generated file `index` (see `generate`), on a yearly schedule so that no run comes due
/// while the scheduler idles, and with `description` when given (a changed file).
pub fn idle_source(index: usize, tasks: usize, description: Option<&str>) -> String {
    let source = generate::dag_source(index, tasks);
    let mut out = String::with_capacity(source.len() + 64);
    for line in source.lines() {
        if line.starts_with("schedule:") {
            out.push_str("schedule: \"@yearly\"");
        } else if let (Some(text), true) = (description, line.starts_with("description:")) {
            let _ = write!(out, "description: {text}");
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Writes the idle files; returns their paths. Every file is checked to parse, as `parse` does.
pub fn write_idle_folder(
    dir: &Path,
    files: usize,
    tasks: usize,
    description: Option<&str>,
) -> anyhow::Result<Vec<PathBuf>> {
    (0..files)
        .map(|index| {
            let name = generate::file_name(index);
            let source = idle_source(index, tasks, description);
            generate::check(&name, &source, tasks)?;
            let path = dir.join(&name);
            std::fs::write(&path, &source)
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engine_dags_parse() {
        let chain = weir_core::dag::parse_str("c.yaml", &chain(5)).unwrap();
        assert_eq!(chain.tasks.len(), 5);
        let fan_noop = weir_core::dag::parse_str("f.yaml", &fan(7, None)).unwrap();
        assert_eq!(fan_noop.tasks.len(), 9);
        let fan_shell = weir_core::dag::parse_str("f.yaml", &fan(3, Some("\"true\""))).unwrap();
        assert_eq!(fan_shell.tasks.len(), 5);
        let idle = idle_source(4, 20, Some("changed"));
        generate::check("i.yaml", &idle, 20).unwrap();
        assert!(idle.contains("schedule: \"@yearly\"") && idle.contains("description: changed"));
    }
}
