//! Where configuration comes from, in order: defaults, `weir.toml`, `WEIR_*` variables.

use std::path::{Path, PathBuf};

use super::{Config, DatabaseUrl, LogFormat};
use weir_core::duration::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Toml { path: PathBuf, message: String },
    #[error("{var}={value:?}: {message}")]
    Env {
        var: &'static str,
        value: String,
        message: String,
    },
}

/// Loads the configuration. `file` is `--config`, else `WEIR_CONFIG`, else `./weir.toml` if
/// it exists. `env` is the environment to read (the process's, or a test's).
pub fn load(
    file: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, ConfigError> {
    let explicit = file
        .map(Path::to_path_buf)
        .or_else(|| env("WEIR_CONFIG").map(PathBuf::from));
    let path = explicit
        .clone()
        .unwrap_or_else(|| PathBuf::from("weir.toml"));
    let mut config = if explicit.is_some() || path.exists() {
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Toml {
            path: path.clone(),
            message: e.to_string(),
        })?
    } else {
        Config::default()
    };
    apply_env(&mut config, env)?;
    Ok(config)
}

fn apply_env(config: &mut Config, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
    if let Some(v) = env("WEIR_HOME") {
        config.home = PathBuf::from(v);
    }
    if let Some(v) = env("WEIR_DATABASE_URL") {
        config.database_url = Some(DatabaseUrl::new(v));
    }
    if let Some(v) = env("WEIR_DAGS_FOLDER") {
        config.dags_folder = PathBuf::from(v);
    }
    if let Some(v) = env("WEIR_LAKE_URL") {
        config.lake_url = Some(v);
    }
    if let Some(v) = env("WEIR_HOST") {
        config.host = v;
    }
    if let Some(v) = env("WEIR_PORT") {
        config.port = parse_env("WEIR_PORT", &v, |s| {
            s.parse::<u16>().map_err(|e| e.to_string())
        })?;
    }
    if let Some(v) = env("WEIR_LOG_FORMAT") {
        config.log_format = parse_env("WEIR_LOG_FORMAT", &v, |s| match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err("expected `text` or `json`".into()),
        })?;
    }
    if let Some(v) = env("WEIR_LEASE_TIMEOUT") {
        config.scheduler.lease_timeout = parse_env("WEIR_LEASE_TIMEOUT", &v, parse_duration)?;
    }
    if let Some(v) = env("WEIR_WORKER_QUEUES") {
        config.worker.queues = v
            .split(',')
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty())
            .collect();
    }
    if let Some(v) = env("WEIR_WORKER_CAPACITY") {
        config.worker.capacity =
            parse_env("WEIR_WORKER_CAPACITY", &v, |s| match s.parse::<usize>() {
                Ok(0) => Err("must be at least 1".into()),
                Ok(n) => Ok(n),
                Err(e) => Err(e.to_string()),
            })?;
    }
    Ok(())
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    Duration::parse(text).map_err(|e| format!("{} ({})", e.message, e.hint))
}

fn parse_env<T>(
    var: &'static str,
    value: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    parse(value).map_err(|message| ConfigError::Env {
        var,
        value: value.to_string(),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn env_overrides_file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("weir.toml");
        std::fs::write(
            &file,
            "port = 9000\nhome = \"/srv/weir\"\n[worker]\ncapacity = 3\n",
        )
        .unwrap();
        let config = load(Some(&file), &env_of(&[("WEIR_PORT", "9100")])).unwrap();
        assert_eq!(config.port, 9100);
        assert_eq!(config.home, PathBuf::from("/srv/weir"));
        assert_eq!(config.worker.capacity, 3);
        assert_eq!(config.scheduler.lease_timeout.as_secs(), 30);
        assert!(
            config
                .database_url()
                .expose()
                .starts_with("sqlite:///srv/weir/weir.db")
        );
    }

    #[test]
    fn bad_values_name_their_source() {
        let err = load(None, &env_of(&[("WEIR_PORT", "eighty")])).unwrap_err();
        assert!(err.to_string().starts_with("WEIR_PORT=\"eighty\""), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("weir.toml");
        std::fs::write(&file, "prot = 1\n").unwrap();
        let err = load(Some(&file), &env_of(&[])).unwrap_err();
        assert!(err.to_string().contains("unknown field `prot`"), "{err}");
    }

    #[test]
    fn weir_config_masks_the_password() {
        let config = load(
            None,
            &env_of(&[("WEIR_DATABASE_URL", "postgres://u:pw@h/db")]),
        )
        .unwrap();
        let shown = config.to_masked_toml();
        assert!(shown.contains("postgres://u:***@h/db"), "{shown}");
        assert!(!shown.contains(":pw@"));
    }
}
