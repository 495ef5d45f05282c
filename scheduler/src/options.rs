use std::path::PathBuf;
use std::time::Duration;

/// What a scheduler needs to know, taken from the configuration by the composition root.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    pub scheduler_id: String,
    /// The machine it runs on, as its heartbeat reports it.
    pub hostname: String,
    pub dags_folder: PathBuf,
    pub paused_on_create: bool,
    /// The fallback poll when no wake-up arrives.
    pub poll_interval: Duration,
    /// How often the DAG folder is rescanned.
    pub rescan_interval: Duration,
}
