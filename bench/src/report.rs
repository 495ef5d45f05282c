//! The results: a table on the terminal and the same as JSON.

use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
pub struct Metric {
    pub name: &'static str,
    pub value: f64,
    pub unit: &'static str,
    /// The value must stay below this, if the metric has a target.
    pub target: Option<f64>,
    pub ok: Option<bool>,
}

impl Metric {
    pub fn info(name: &'static str, value: f64, unit: &'static str) -> Self {
        Metric {
            name,
            value,
            unit,
            target: None,
            ok: None,
        }
    }
    pub fn below(name: &'static str, value: f64, unit: &'static str, target: f64) -> Self {
        Metric {
            name,
            value,
            unit,
            target: Some(target),
            ok: Some(value < target),
        }
    }
}

#[derive(Serialize)]
pub struct Report {
    pub benchmark: &'static str,
    pub machine: Value,
    pub parameters: Value,
    pub metrics: Vec<Metric>,
}

impl Report {
    pub fn new(benchmark: &'static str, parameters: Value, metrics: Vec<Metric>) -> Self {
        Report {
            benchmark,
            machine: machine(),
            parameters,
            metrics,
        }
    }

    pub fn print_table(&self) {
        let number = |v: f64| {
            if v >= 100.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            }
        };
        println!("{:<34} {:>14} {:>12}  result", "metric", "value", "target");
        println!("{}", "-".repeat(70));
        for m in &self.metrics {
            let value = format!("{} {}", number(m.value), m.unit);
            let target = m
                .target
                .map(|t| format!("< {} {}", number(t), m.unit))
                .unwrap_or_default();
            let result = match m.ok {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "",
            };
            println!("{:<34} {value:>14} {target:>12}  {result}", m.name);
        }
    }

    pub fn write_json(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(self)? + "\n";
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
    }
}

/// What the figures depend on: cores, and how busy the machine was.
fn machine() -> Value {
    let loadavg = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string));
    serde_json::json!({
        "nproc": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "date": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "loadavg_1m": loadavg,
    })
}
