//! The LISTEN connection: forwards `weir_events` notifications to the store's subscribers.
//!
//! One dedicated connection (its own pool of one, `application_name` = `weir-listener`) per
//! store. When it breaks, it is re-established with exponential backoff (100 ms doubling to
//! 10 s, logged at warn), and once it listens again every subscriber gets a `Resync`: whatever
//! was committed while nobody listened is found by looking again.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use tokio::task::JoinHandle;

use super::{EVENTS_CHANNEL, LISTENER_APPLICATION_NAME};
use crate::error::Result;
use crate::events::{EventBus, StoreEvent};

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Stops the listener task when the store is dropped.
pub(super) struct Handle(JoinHandle<()>);

impl Drop for Handle {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Connects and listens before returning, so that a subscriber registered after the store is
/// connected misses no notification; then forwards them from a task.
pub(super) async fn start(options: PgConnectOptions, events: EventBus) -> Result<Handle> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .max_lifetime(None)
        .idle_timeout(None)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options.application_name(LISTENER_APPLICATION_NAME))
        .await?;
    let listener = listen(&pool).await?;
    Ok(Handle(tokio::spawn(forward(pool, listener, events))))
}

async fn listen(pool: &PgPool) -> Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(EVENTS_CHANNEL).await?;
    Ok(listener)
}

async fn forward(pool: PgPool, listener: PgListener, events: EventBus) {
    let mut listener = Some(listener);
    let mut backoff = FIRST_BACKOFF;
    loop {
        let Some(current) = listener.as_mut() else {
            tokio::time::sleep(backoff).await;
            match listen(&pool).await {
                Ok(l) => {
                    tracing::info!("the LISTEN connection is back");
                    listener = Some(l);
                    backoff = FIRST_BACKOFF;
                    events.send(StoreEvent::Resync);
                }
                Err(error) => {
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64,
                        "cannot re-establish the LISTEN connection");
                }
            }
            continue;
        };
        match current.try_recv().await {
            Ok(Some(notification)) => events.send(StoreEvent::from_payload(notification.payload())),
            // The connection dropped and sqlx re-established it and listens again.
            Ok(None) => {
                tracing::warn!("the LISTEN connection dropped; reconnected");
                events.send(StoreEvent::Resync);
            }
            Err(error) => {
                tracing::warn!(%error, retry_in_ms = backoff.as_millis() as u64,
                    "the LISTEN connection failed; reconnecting");
                // Dropped before reconnecting: the pool has room for one connection only.
                listener = None;
            }
        }
    }
}
