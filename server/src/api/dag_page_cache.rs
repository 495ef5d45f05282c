//! Pages of the DAG list, kept between requests. GET /api/v1/dags and the DAGs page are what
//! dashboards and scripts poll; three queries per request would be most of the database's
//! CPU at a few thousand requests per second, for data that changes rarely.
//!
//! A page is served from memory only while nothing it shows may have changed:
//! - the store's wake-ups say that runs were inserted or changed state (the run strips), or
//!   that events may have been missed (`Resync`); they are drained on every lookup, so a page
//!   re-fetched on a dashboard `change` event (fed by the same wake-ups) is never older than
//!   the event;
//! - a state-changing request on this server (pause, trigger, clear, ...) invalidates every
//!   page before its response is sent ([`DagPageCache::invalidate`] from the server's layer),
//!   so a client reads its own writes;
//! - what comes with no wake-up (a DAG file synced by a scheduler, a pause on another server,
//!   runs deleted by retention) is seen after at most `server.dag_list_cache_ttl`.
//!
//! Authentication is not cached: handlers reach the cache only after their extractor checked
//! the caller, and a page holds nothing that depends on who asks.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use tokio::sync::OnceCell;
use weir_store::{DagQuery, StoreEvent, Wakeups};

use super::problem::{ApiError, ApiResult};
use super::views::{DagView, Page};

/// Beyond this many pages (filters are user input) the stale ones are dropped, then all.
const MAX_PAGES: usize = 256;

/// A page of the DAG list and its JSON body, serialized once for every API request.
#[derive(Debug)]
pub struct CachedDagPage {
    pub page: Page<DagView>,
    pub json: Bytes,
}

impl CachedDagPage {
    pub fn new(page: Page<DagView>) -> ApiResult<Self> {
        let json = serde_json::to_vec(&page)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("serializing a DAG page: {e}")))?;
        Ok(CachedDagPage {
            page,
            json: Bytes::from(json),
        })
    }
}

/// What identifies a page: the resolved filter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    tag: Option<String>,
    paused: Option<bool>,
    text: Option<String>,
    include_inactive: bool,
    limit: i64,
    offset: i64,
}

impl From<&DagQuery> for Key {
    fn from(q: &DagQuery) -> Self {
        Key {
            tag: q.tag.clone(),
            paused: q.paused,
            text: q.text.clone(),
            include_inactive: q.include_inactive,
            limit: q.limit,
            offset: q.offset,
        }
    }
}

/// One page at one generation. Requests that find the same slot share its one query.
struct Slot {
    generation: u64,
    created: Instant,
    page: Arc<OnceCell<Arc<CachedDagPage>>>,
}

struct Inner {
    wakeups: Wakeups,
    /// Moves on at every change that may show on a page; a slot of an older one is stale.
    generation: u64,
    slots: HashMap<Key, Slot>,
}

pub struct DagPageCache {
    ttl: Duration,
    inner: Mutex<Inner>,
}

impl DagPageCache {
    /// `wakeups` must come from the store the pages are read from; a `ttl` of zero turns the
    /// cache off.
    pub fn new(wakeups: Wakeups, ttl: Duration) -> Self {
        DagPageCache {
            ttl,
            inner: Mutex::new(Inner {
                wakeups,
                generation: 0,
                slots: HashMap::new(),
            }),
        }
    }

    /// The page for `query`: from memory while it is fresh, else from `read` (once, however
    /// many requests ask at the same time).
    pub async fn get<F, Fut>(&self, query: &DagQuery, read: F) -> ApiResult<Arc<CachedDagPage>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<CachedDagPage>>,
    {
        if self.ttl.is_zero() {
            return Ok(Arc::new(read().await?));
        }
        let cell = self.slot(Key::from(query));
        let page = cell
            .get_or_try_init(|| async { read().await.map(Arc::new) })
            .await?;
        Ok(page.clone())
    }

    /// Every page is read again at its next request.
    pub fn invalidate(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.slots.clear();
    }

    /// The slot of `key` at the current generation, made anew if there is none or it is stale.
    /// The generation is taken before the page is read, so a change committed while it is
    /// being read makes it stale at once.
    fn slot(&self, key: Key) -> Arc<OnceCell<Arc<CachedDagPage>>> {
        let mut inner = self.lock();
        let mut changed = false;
        while let Some(event) = inner.wakeups.try_recv() {
            changed |= matches!(event, StoreEvent::DagRuns | StoreEvent::Resync);
        }
        if changed {
            inner.generation += 1;
        }
        let generation = inner.generation;
        let ttl = self.ttl;
        let fresh = |s: &Slot| s.generation == generation && s.created.elapsed() < ttl;
        if let Some(slot) = inner.slots.get(&key)
            && fresh(slot)
        {
            return slot.page.clone();
        }
        if inner.slots.len() >= MAX_PAGES {
            inner.slots.retain(|_, s| fresh(s));
            if inner.slots.len() >= MAX_PAGES {
                inner.slots.clear();
            }
        }
        let page = Arc::new(OnceCell::new());
        inner.slots.insert(
            key,
            Slot {
                generation,
                created: Instant::now(),
                page: page.clone(),
            },
        );
        page
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map half-changed in a way that
        // matters: every slot is checked before use.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}
