//! What every request handler shares.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use weir_lake::{Lake, LakeError, LakeRoot};
use weir_store::{Store, VersionCache};

use crate::api::dag_page_cache::DagPageCache;
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
    /// Pages of the DAG list, kept until a change may show on them.
    pub dag_pages: Arc<DagPageCache>,
    pub metrics: Arc<Metrics>,
    pub started: Instant,
    /// Fires when the server stops: endless streams (the dashboard's events) end with it, so
    /// that a graceful shutdown does not wait on them.
    pub shutdown: tokio_util::sync::CancellationToken,
    /// The lake the feature routes read (`features.<view>`), opened from `lake_url` on first
    /// use; [`crate::app::serve`] opens it before it serves, so a lake URL that cannot be used
    /// stops the server at start. Lazy so that a state built for a test of other routes
    /// creates no lake folder.
    lake: Arc<tokio::sync::OnceCell<Lake>>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        let ttl = config.server.token_cache_ttl.as_std();
        let dag_pages =
            DagPageCache::new(store.subscribe(), config.server.dag_list_cache_ttl.as_std());
        AppState {
            store,
            config: Arc::new(config),
            versions: Arc::default(),
            tokens: Arc::new(TokenCache::new(ttl)),
            dag_pages: Arc::new(dag_pages),
            metrics: Arc::new(Metrics::new()),
            started: Instant::now(),
            shutdown: tokio_util::sync::CancellationToken::new(),
            lake: Arc::default(),
        }
    }

    /// The lake at `lake_url` (`WEIR_LAKE_URL`; default: the folder `lake` in `home`).
    pub async fn lake(&self) -> Result<&Lake, LakeError> {
        self.lake
            .get_or_try_init(|| async {
                let root =
                    LakeRoot::from_setting(self.config.lake_url.as_deref(), &self.config.home)?;
                Ok(Lake::new(root))
            })
            .await
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
