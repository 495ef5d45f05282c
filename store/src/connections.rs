//! Where a task's connection comes from: the environment first (`WEIR_CONN_<NAME>`, so a
//! deployment can keep secrets out of the database), then the store (`weir connections set`).

use weir_core::connection::{ConnectionUrl, env_variable};

use crate::error::Result;
use crate::store::Store;

/// The URL of the connection `name`: the variable `WEIR_CONN_<NAME>` (upper-cased, `-` as `_`)
/// if `env` has it and it is not empty, else the store's, else `None`. `env` is
/// `|k| std::env::var(k).ok()` in a process, a map in tests.
///
/// The caller passes the result to the lake (`IngestRequest::connection_url`), which reports
/// `None` as an unknown connection naming the variable to set.
pub async fn resolve_connection(
    name: &str,
    env: impl Fn(&str) -> Option<String>,
    store: &dyn Store,
) -> Result<Option<ConnectionUrl>> {
    if let Some(url) = env(&env_variable(name)).filter(|u| !u.trim().is_empty()) {
        return Ok(Some(ConnectionUrl::new(url)));
    }
    store.connection_url(name).await
}
