//! Weir's state: the [`Store`] trait in domain verbs, one implementation for PostgreSQL
//! ([`PgStore`]) and one for SQLite ([`SqliteStore`]), and wake-ups ([`Wakeups`]).
//!
//! ```no_run
//! # async fn demo() -> weir_store::Result<()> {
//! let store = weir_store::connect("sqlite://weir-data/weir.db?mode=rwc").await?;
//! store.migrate().await?;
//! # Ok(()) }
//! ```
//!
//! How a task instance moves through the store:
//! `create_run` (none) -> `update_task_states` (scheduled, queued) -> `claim` (running, under a
//! lease with a fencing token) -> `mark_started`, `heartbeat_leases`, `append_logs`,
//! `set_output` -> `finish_attempts` (success, up_for_retry or failed). A worker that stops
//! heartbeating is reaped by `reap_expired_leases`; every write it makes after that fails with
//! [`StoreError::LeaseLost`] and changes nothing.

pub mod clock;
mod connections;
mod data_rows;
mod error;
mod events;
pub mod model;
pub mod postgres;
mod rows;
mod rules;
pub mod sqlite;
mod store;
pub mod testing;
mod versions;

use std::sync::Arc;

pub use connections::resolve_connection;
pub use error::{Result, StoreError};
pub use events::{StoreEvent, Wakeups};
pub use model::*;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use store::Store;
pub use versions::VersionCache;
pub use weir_core::connection::ConnectionUrl;

/// Connects to the store a URL names: `postgres://` (or `postgresql://`) or `sqlite://` (the
/// file and its folder are created if missing). Does not migrate: call [`Store::migrate`].
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else {
        Err(StoreError::Invalid(format!(
            "unknown database URL `{}`: use postgres://... or sqlite://...",
            redact(url)
        )))
    }
}

/// A URL without its password, to show in errors.
fn redact(url: &str) -> String {
    weir_core::connection::mask_password(url)
}
