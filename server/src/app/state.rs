//! What every request handler shares.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use weir_store::{Store, VersionCache};

use crate::auth::TokenCache;
use crate::config::{Config, CookieSecure};
use crate::metrics::Metrics;

/// The server's shared state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    /// Parsed DAG versions by id: immutable, so cached for the process's life.
    pub versions: Arc<tokio::sync::Mutex<VersionCache>>,
    pub tokens: Arc<TokenCache>,
    pub metrics: Arc<Metrics>,
    pub started: Instant,
    /// Fires when the server stops: endless streams (the dashboard's events) end with it, so
    /// that a graceful shutdown does not wait on them.
    pub shutdown: tokio_util::sync::CancellationToken,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        let ttl = config.server.token_cache_ttl.as_std();
        AppState {
            store,
            config: Arc::new(config),
            versions: Arc::default(),
            tokens: Arc::new(TokenCache::new(ttl)),
            metrics: Arc::new(Metrics::new()),
            started: Instant::now(),
            shutdown: tokio_util::sync::CancellationToken::new(),
        }
    }

    /// Whether the session cookie gets the `Secure` flag.
    pub fn secure_cookies(&self) -> bool {
        match self.config.server.cookie_secure {
            CookieSecure::Always => true,
            CookieSecure::Never => false,
            CookieSecure::Auto => !self
                .config
                .host
                .parse::<IpAddr>()
                .map(|ip| ip.is_loopback())
                .unwrap_or(self.config.host == "localhost"),
        }
    }

    /// A DAG version, parsed once.
    pub async fn dag_version(
        &self,
        version_id: i64,
    ) -> weir_store::Result<Arc<weir_core::dag::Dag>> {
        let mut cache = self.versions.lock().await;
        cache.get(self.store.as_ref(), version_id).await
    }
}
