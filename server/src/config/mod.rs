//! One typed configuration for every role: defaults, then `weir.toml`, then `WEIR_*` variables.
//!
//! Secrets (the database password) are masked wherever the configuration is shown or logged.

mod load;
mod secret;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use weir_core::duration::Duration;

pub use load::{ConfigError, load};
pub use secret::DatabaseUrl;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The state directory: the SQLite database, logs of standalone, the admin password.
    pub home: PathBuf,
    /// `postgres://...` or `sqlite://...`; default: SQLite in `home`.
    pub database_url: Option<DatabaseUrl>,
    pub dags_folder: PathBuf,
    /// The lake's root: a folder, or `s3://`, `gs://`, `az://` by URL; default: `home/lake`.
    pub lake_url: Option<String>,
    pub host: String,
    pub port: u16,
    /// `text` or `json` logs.
    pub log_format: LogFormat,
    pub scheduler: SchedulerConfig,
    pub worker: WorkerConfig,
    pub server: ServerConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Serve /metrics without authentication (for a Prometheus that has no token).
    pub public_metrics: bool,
    /// The session cookie's `Secure` flag: `auto` sets it unless the server listens on a
    /// loopback address (browsers treat http://127.0.0.1 as secure), `always`, or `never`.
    pub cookie_secure: CookieSecure,
    /// How long a dashboard login lasts.
    pub session_ttl: Duration,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// How long a checked API token is trusted before it is looked up again (a revoked token
    /// stops working within this time).
    pub token_cache_ttl: Duration,
    /// How long a page of the DAG list may be served from memory when no wake-up or write on
    /// this server said it changed: the bound on seeing changes that send no wake-up (a new
    /// DAG file, a pause on another server). Zero turns the cache off.
    pub dag_list_cache_ttl: Duration,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum CookieSecure {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerConfig {
    /// How long a worker's lease lasts without a heartbeat before its task is retried.
    pub lease_timeout: Duration,
    /// The fallback poll when no wake-up arrives (wake-ups make it rarely matter).
    pub poll_interval_ms: u64,
    /// How often the DAG folder is rescanned, besides file change events.
    pub dag_rescan_interval: Duration,
    /// New DAGs start paused, as in Airflow, unless this is false.
    pub dags_are_paused_at_creation: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerConfig {
    pub queues: Vec<String>,
    /// Task instances one worker runs at once.
    pub capacity: usize,
    pub heartbeat_interval: Duration,
    /// On SIGTERM, how long running tasks may finish before they are handed back.
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            home: PathBuf::from(".weir"),
            database_url: None,
            dags_folder: PathBuf::from("dags"),
            lake_url: None,
            host: "127.0.0.1".into(),
            port: 8080,
            log_format: LogFormat::Text,
            scheduler: SchedulerConfig::default(),
            worker: WorkerConfig::default(),
            server: ServerConfig::default(),
        }
    }
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            lease_timeout: Duration::from_secs(30),
            poll_interval_ms: 1_000,
            dag_rescan_interval: Duration::from_secs(30),
            dags_are_paused_at_creation: true,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            public_metrics: false,
            cookie_secure: CookieSecure::Auto,
            session_ttl: Duration::from_secs(12 * 3600),
            max_body_bytes: 1024 * 1024,
            token_cache_ttl: Duration::from_secs(5),
            dag_list_cache_ttl: Duration::from_secs(2),
        }
    }
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            queues: vec!["default".into()],
            capacity: 8,
            heartbeat_interval: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(60),
        }
    }
}

impl Config {
    /// The database to use: the configured URL, or SQLite in the state directory.
    pub fn database_url(&self) -> DatabaseUrl {
        self.database_url.clone().unwrap_or_else(|| {
            DatabaseUrl::new(format!(
                "sqlite://{}?mode=rwc",
                self.home.join("weir.db").display()
            ))
        })
    }

    /// The lake's root: the configured URL, or the folder `lake` in the state directory.
    pub fn lake_url(&self) -> String {
        self.lake_url
            .clone()
            .unwrap_or_else(|| self.home.join("lake").display().to_string())
    }

    /// The configuration as TOML with secrets masked, for `weir config`.
    pub fn to_masked_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = Some(self.database_url());
        shown.lake_url = Some(self.lake_url());
        toml::to_string_pretty(&shown).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }
}
