//! DAG versions are immutable, so a scheduler or worker reads each from the store once, and
//! again only after it has not been used for a while: the cache keeps the most recently used
//! versions up to its capacity. A scheduler with a thousand DAGs needs a DAG's version only when
//! its next run comes due, and a long-running process sees a new version at every edit: kept
//! all, the cache grew without end.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::Result;
use crate::store::Store;
use weir_core::dag::Dag;

/// How many versions a cache keeps by default: more than the DAGs a scheduler has runs of at
/// once, or a worker has tasks of, in any deployment we know of; a miss costs one read.
pub const DEFAULT_VERSION_CACHE: usize = 256;

#[derive(Debug)]
pub struct VersionCache {
    dags: HashMap<i64, Cached>,
    capacity: usize,
    /// Counts uses; each entry remembers the count at its last use.
    clock: u64,
}

#[derive(Debug)]
struct Cached {
    dag: Arc<Dag>,
    used: u64,
}

impl Default for VersionCache {
    fn default() -> Self {
        VersionCache::with_capacity(DEFAULT_VERSION_CACHE)
    }
}

impl VersionCache {
    /// A cache of at most `capacity` versions (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        VersionCache {
            dags: HashMap::new(),
            capacity: capacity.max(1),
            clock: 0,
        }
    }

    pub async fn get(&mut self, store: &dyn Store, version_id: i64) -> Result<Arc<Dag>> {
        self.clock += 1;
        if let Some(cached) = self.dags.get_mut(&version_id) {
            cached.used = self.clock;
            return Ok(cached.dag.clone());
        }
        let record = store.get_dag_version(version_id).await?;
        let dag = Arc::new(record.dag);
        self.insert(version_id, dag.clone());
        Ok(dag)
    }

    /// How many versions are cached.
    pub fn len(&self) -> usize {
        self.dags.len()
    }

    /// Whether the version is cached (its next `get` reads nothing).
    pub fn contains(&self, version_id: i64) -> bool {
        self.dags.contains_key(&version_id)
    }

    pub fn is_empty(&self) -> bool {
        self.dags.is_empty()
    }

    fn insert(&mut self, version_id: i64, dag: Arc<Dag>) {
        if self.dags.len() >= self.capacity {
            // A scan, not a linked list: the capacity is small and misses are rare.
            if let Some(oldest) = self
                .dags
                .iter()
                .min_by_key(|(_, c)| c.used)
                .map(|(id, _)| *id)
            {
                self.dags.remove(&oldest);
            }
        }
        self.dags.insert(
            version_id,
            Cached {
                dag,
                used: self.clock,
            },
        );
    }
}
