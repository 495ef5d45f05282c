//! What the long-running and store-backed commands share: the async runtime, the store, the
//! shutdown signal, and ids for this process.

use std::sync::Arc;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use weir_store::Store;

use crate::config::Config;

pub fn block_on<T>(
    future: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(future)
}

/// Connects to the configured database and applies pending migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    std::fs::create_dir_all(&config.home).with_context(|| {
        format!(
            "cannot create the state directory {}",
            config.home.display()
        )
    })?;
    let url = config.database_url();
    let store = weir_store::connect(url.expose())
        .await
        .with_context(|| format!("cannot connect to the database {url}"))?;
    store
        .migrate()
        .await
        .with_context(|| format!("cannot migrate the database {url}"))?;
    Ok(store)
}

/// Fires on Ctrl-C or SIGTERM: the start of a graceful shutdown.
pub fn shutdown_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let fire = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => {
                        let _ = ctrl_c.await;
                        fire.cancel();
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down");
        fire.cancel();
    });
    token
}

pub fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Who runs this command, for `triggered_by` and `created_by`.
pub fn user() -> String {
    std::env::var("USER").unwrap_or_else(|_| "unknown".into())
}

/// `<role>-<host>-<pid>`: unique per process, readable in logs and the UI.
pub fn process_id(role: &str) -> String {
    format!("{role}-{}-{}", hostname(), std::process::id())
}

/// Opens the configured lake (`WEIR_LAKE_URL`, default `<home>/lake`).
pub fn open_lake(config: &Config) -> anyhow::Result<weir_lake::Lake> {
    let root = weir_lake::LakeRoot::from_setting(config.lake_url.as_deref(), &config.home)
        .context("cannot open the lake (WEIR_LAKE_URL)")?;
    Ok(weir_lake::Lake::new(root))
}
