//! The results: a table on the terminal and the same as JSON.

use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
pub struct Metric {
    pub name: &'static str,
    /// The state store it was measured on, for benchmarks that run on several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<&'static str>,
    pub value: f64,
    pub unit: &'static str,
    /// The value must stay below this (or reach it, see `goal`), if the metric has a target.
    pub target: Option<f64>,
    /// How the value is compared with the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal: Option<Goal>,
    pub ok: Option<bool>,
    /// Why there is no value (the value is then NaN, `null` in the JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    /// value < target
    Below,
    /// value <= target
    AtMost,
    /// value >= target
    AtLeast,
}

impl Metric {
    pub fn info(name: &'static str, value: f64, unit: &'static str) -> Self {
        Metric {
            name,
            backend: None,
            value,
            unit,
            target: None,
            goal: None,
            ok: None,
            error: None,
        }
    }
    /// A metric that could not be measured: a line saying why in the table, `"value": null`
    /// and the `error` in the JSON, and the other metrics still reported.
    pub fn error(name: &'static str, unit: &'static str, error: impl std::fmt::Display) -> Self {
        Metric {
            error: Some(error.to_string()),
            ..Self::info(name, f64::NAN, unit)
        }
    }
    pub fn below(name: &'static str, value: f64, unit: &'static str, target: f64) -> Self {
        Self::with_goal(name, value, unit, target, Goal::Below)
    }
    pub fn at_most(name: &'static str, value: f64, unit: &'static str, target: f64) -> Self {
        Self::with_goal(name, value, unit, target, Goal::AtMost)
    }
    pub fn at_least(name: &'static str, value: f64, unit: &'static str, target: f64) -> Self {
        Self::with_goal(name, value, unit, target, Goal::AtLeast)
    }
    fn with_goal(
        name: &'static str,
        value: f64,
        unit: &'static str,
        target: f64,
        goal: Goal,
    ) -> Self {
        let ok = match goal {
            Goal::Below => value < target,
            Goal::AtMost => value <= target,
            Goal::AtLeast => value >= target,
        };
        Metric {
            name,
            backend: None,
            value,
            unit,
            target: Some(target),
            goal: Some(goal),
            ok: Some(ok),
            error: None,
        }
    }
    /// The same metric, labelled with the backend it was measured on.
    pub fn on(mut self, backend: &'static str) -> Self {
        self.backend = Some(backend);
        self
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
        // The backend column only for benchmarks that label their metrics with one.
        let backends = self.metrics.iter().any(|m| m.backend.is_some());
        let backend = |b: Option<&str>| {
            if backends {
                format!(" {:<9}", b.unwrap_or("-"))
            } else {
                String::new()
            }
        };
        println!(
            "{:<34}{} {:>16} {:>18}  result",
            "metric",
            backend(Some("backend")),
            "value",
            "target"
        );
        println!("{}", "-".repeat(if backends { 86 } else { 76 }));
        for m in &self.metrics {
            if let Some(error) = &m.error {
                println!(
                    "{:<34}{} {:>16} {:>18}  ERROR: {}",
                    m.name,
                    backend(m.backend),
                    "-",
                    "",
                    first_line(error, 100)
                );
                continue;
            }
            let value = format!("{} {}", number(m.value), m.unit);
            let target = match (m.target, m.goal) {
                (Some(t), Some(Goal::AtLeast)) => format!(">= {} {}", number(t), m.unit),
                (Some(t), Some(Goal::AtMost)) => format!("<= {} {}", number(t), m.unit),
                (Some(t), _) => format!("< {} {}", number(t), m.unit),
                (None, _) => String::new(),
            };
            let result = match m.ok {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "",
            };
            println!(
                "{:<34}{} {value:>16} {target:>18}  {result}",
                m.name,
                backend(m.backend)
            );
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

/// The first line of a message, cut to `max` characters.
fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    if line.chars().count() > max {
        format!("{}...", line.chars().take(max).collect::<String>())
    } else {
        line.to_string()
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
