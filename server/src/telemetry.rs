//! Logging: human-readable by default, JSON lines with `WEIR_LOG_FORMAT=json` (or
//! `log_format = "json"`), filtered by `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// The default filter. The Delta kernel logs an ERROR whenever it opens a table that has no
/// commit yet, which is how the lake asks whether a dataset exists; its real failures reach
/// Weir as errors and are reported with the task, so its own log lines are off by default.
const DEFAULT_FILTER: &str = "info,sqlx=warn,buoyant_kernel=off,delta_kernel=off";

pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // A second init (in tests) is harmless: the first subscriber stays.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
