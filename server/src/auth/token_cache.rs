//! Checked API tokens, trusted for a few seconds: an API under load does not look its token up
//! on every request. A revoked token stops working within the cache's time to live.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::RwLock;

use super::principal::{Principal, Via};
use super::secrets::hash_secret;
use crate::api::problem::ApiError;
use crate::app::AppState;

/// How often a token's last use is written at most.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// Beyond this many entries the cache is emptied (garbage tokens must not grow it forever).
const MAX_ENTRIES: usize = 10_000;

struct Entry {
    principal: Option<Principal>,
    checked: Instant,
}

pub struct TokenCache {
    ttl: Duration,
    entries: RwLock<HashMap<String, Entry>>,
    touched: RwLock<HashMap<i64, Instant>>,
}

impl TokenCache {
    pub fn new(ttl: Duration) -> Self {
        TokenCache {
            ttl,
            entries: RwLock::default(),
            touched: RwLock::default(),
        }
    }

    /// The principal of a token, or None if it is unknown, revoked or expired.
    pub async fn check(
        &self,
        state: &AppState,
        token: &str,
    ) -> Result<Option<Principal>, ApiError> {
        let hash = hash_secret(token);
        if let Some(entry) = self.entries.read().await.get(&hash)
            && entry.checked.elapsed() < self.ttl
        {
            return Ok(entry.principal.clone());
        }
        let found = state.store.find_api_token(&hash).await?;
        let principal = found
            .filter(|t| t.is_valid_at(Utc::now()))
            .map(|t| Principal {
                name: format!("token:{}", t.name),
                role: t.role,
                via: Via::Token { id: t.id },
            });
        {
            let mut entries = self.entries.write().await;
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(
                hash,
                Entry {
                    principal: principal.clone(),
                    checked: Instant::now(),
                },
            );
        }
        if let Some(Principal {
            via: Via::Token { id },
            ..
        }) = &principal
        {
            self.touch(state, *id).await;
        }
        Ok(principal)
    }

    /// Forgets every checked token (after a revocation through this server).
    pub async fn clear(&self) {
        self.entries.write().await.clear();
    }

    async fn touch(&self, state: &AppState, id: i64) {
        let due = self
            .touched
            .read()
            .await
            .get(&id)
            .is_none_or(|t| t.elapsed() >= TOUCH_EVERY);
        if due {
            self.touched.write().await.insert(id, Instant::now());
            if let Err(e) = state.store.touch_api_token(id, Utc::now()).await {
                tracing::warn!(error = %e, "could not record a token's last use");
            }
        }
    }
}
