//! Runs one shell command as a real process group, independent of the database.
//!
//! [`run_shell`] starts `<shell> -c <script>` in its own process group, streams its stdout and
//! stderr line by line into a bounded channel (memory stays bounded whatever the child prints),
//! enforces the timeout and cancellation by terminating the whole group (SIGTERM, a grace
//! period, SIGKILL), and reads back the JSON object the task left in `$WEIR_OUTPUT`.

mod kill;
mod lines;
mod output;
mod run;
mod spawn;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use output::MAX_OUTPUT_BYTES;
pub use run::run_shell;

/// One shell command to run, its script already rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCommand {
    /// Run as `<shell> -c <script>`, e.g. "sh" or "bash"; looked up in `PATH`.
    pub shell: String,
    pub script: String,
    /// The working directory; the worker's own when `None`.
    pub workdir: Option<PathBuf>,
    /// Added to the worker's environment (the caller adds the `WEIR_*` variables).
    pub env: Vec<(String, String)>,
    /// The whole group is terminated once this has passed since the start.
    pub timeout: Option<Duration>,
    /// Between SIGTERM and SIGKILL.
    pub kill_grace: Duration,
    /// Where the output file is created; its path is passed as `$WEIR_OUTPUT`.
    pub output_dir: PathBuf,
}

impl ShellCommand {
    pub const DEFAULT_KILL_GRACE: Duration = Duration::from_secs(10);

    /// `sh -c <script>` in the worker's directory, without timeout.
    pub fn new(script: impl Into<String>, output_dir: impl Into<PathBuf>) -> Self {
        Self {
            shell: "sh".to_owned(),
            script: script.into(),
            workdir: None,
            env: Vec::new(),
            timeout: None,
            kill_grace: Self::DEFAULT_KILL_GRACE,
            output_dir: output_dir.into(),
        }
    }
}

/// Where a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    Stdout,
    Stderr,
    /// Written by the runner itself: timeouts, kills, truncation.
    System,
}

impl Stream {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
            Self::System => "system",
        }
    }
}

/// One line of output, sent as soon as it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub stream: Stream,
    /// Without its line terminator; invalid UTF-8 replaced by U+FFFD.
    pub line: String,
    pub at: DateTime<Utc>,
    /// This line continues the previous line of the same stream: a line longer than
    /// [`LogLimits::max_line_bytes`] is split into pieces, and all but the first are marked.
    pub continuation: bool,
}

/// How much of the output is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLimits {
    /// Bytes (stdout and stderr together, newlines included) sent per attempt; the rest is
    /// drained and counted but not sent.
    pub max_bytes: u64,
    /// Longer lines are split into pieces of at most this many bytes (at least 4).
    pub max_line_bytes: usize,
}

impl LogLimits {
    pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;
    pub const DEFAULT_MAX_LINE_BYTES: usize = 64 * 1024;
}

impl Default for LogLimits {
    fn default() -> Self {
        Self {
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_line_bytes: Self::DEFAULT_MAX_LINE_BYTES,
        }
    }
}

/// How the process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The shell exited with this code.
    Code(i32),
    /// The shell was killed by this signal (not by the runner).
    Signal(i32),
    /// The timeout passed; the runner terminated the group.
    TimedOut,
    /// The cancellation token fired; the runner terminated the group.
    Cancelled,
}

impl Exit {
    pub fn is_success(self) -> bool {
        self == Self::Code(0)
    }
}

/// The result of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessOutcome {
    pub exit: Exit,
    /// The JSON object from `$WEIR_OUTPUT`, if the task wrote one.
    pub output: Option<serde_json::Value>,
    /// Why the `$WEIR_OUTPUT` file could not be used, if it could not.
    pub output_error: Option<String>,
    /// Bytes of stdout and stderr sent as log lines.
    pub log_bytes: u64,
    /// Bytes of stdout and stderr read but not sent because `max_bytes` was reached.
    pub dropped_bytes: u64,
    pub duration: Duration,
}
