//! The writes of an attempt that must not be lost to a passing database error.

use std::future::Future;
use std::time::Duration;

use weir_store::{Result, StoreError};

const FIRST_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Runs `write` again while it fails with a database error (a dropped connection, a restarting
/// server), with backoff, for at most `budget` (the lease: after that the reaper has taken the
/// task instance over anyway). Without this, one dropped connection at the wrong moment loses
/// a finished attempt: it stays running until its lease expires and then counts as failed.
///
/// Repeating is safe because every write of an attempt is guarded by its fencing token: a
/// report that committed although its answer was lost answers `LeaseLost` when repeated and
/// changes nothing. Every other error is returned at once.
pub(crate) async fn persist<T, Fut>(
    what: &str,
    budget: Duration,
    mut write: impl FnMut() -> Fut,
) -> Result<T>
where
    Fut: Future<Output = Result<T>>,
{
    let deadline = tokio::time::Instant::now() + budget;
    let mut backoff = FIRST_BACKOFF;
    loop {
        match write().await {
            Err(StoreError::Database(e)) if tokio::time::Instant::now() + backoff < deadline => {
                tracing::warn!(error = %format!("{e:#}"), retry_in_ms = backoff.as_millis() as u64, "{what} failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn dropped() -> StoreError {
        StoreError::Database(anyhow::anyhow!("connection reset"))
    }

    #[tokio::test]
    async fn a_database_error_is_retried_until_the_write_goes_through() {
        let calls = AtomicU32::new(0);
        let result = persist("writing", Duration::from_secs(5), || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 | 1 => Err(dropped()),
                _ => Ok(7),
            }
        })
        .await;
        assert_eq!(result.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_lost_lease_is_not_retried_and_the_budget_ends_retries() {
        let calls = AtomicU32::new(0);
        let result: Result<()> = persist("writing", Duration::from_secs(5), || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(StoreError::LeaseLost { ti_id: 1, token: 2 })
        })
        .await;
        assert!(matches!(result, Err(StoreError::LeaseLost { .. })));
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let result: Result<()> = persist("writing", Duration::from_millis(120), || async {
            Err(dropped())
        })
        .await;
        assert!(matches!(result, Err(StoreError::Database(_))));
    }
}
