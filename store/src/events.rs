//! Wake-ups: "something changed, look again", from the store to schedulers, workers and the UI.
//!
//! On PostgreSQL a trigger sends `NOTIFY weir_events` for every statement that inserts task
//! instances or runs or changes their state, and one LISTEN connection per store forwards them
//! here. On SQLite the store fires them itself after its own writes commit.
//!
//! A wake-up carries no data: the receiver queries the store. To never miss one, subscribe
//! before the query, then wait after it: [`Wakeups`] buffers every event sent since it was
//! created, so a change committed between the query and the wait still wakes it.
//!
//! ```no_run
//! # async fn demo(store: std::sync::Arc<dyn weir_store::Store>) {
//! let mut wakeups = store.subscribe(); // 1. register
//! loop {
//!     // 2. query and act: store.claim(...), store.active_runs(), ...
//!     // 3. wait; the timeout is the polling fallback
//!     wakeups.wait(std::time::Duration::from_secs(5)).await;
//! }
//! # }
//! ```

use std::time::Duration;

use tokio::sync::broadcast;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreEvent {
    /// Task instances were inserted or changed state.
    TaskInstances,
    /// Runs were inserted or changed state, or a backfill was created or changed state.
    DagRuns,
    /// Events may have been missed (the LISTEN connection was re-established, or this receiver
    /// fell behind): look at everything again.
    Resync,
}

impl StoreEvent {
    /// The event for a PostgreSQL notification's payload (the trigger's table name).
    pub(crate) fn from_payload(payload: &str) -> Self {
        match payload {
            "task_instances" => StoreEvent::TaskInstances,
            "dag_runs" | "backfills" => StoreEvent::DagRuns,
            _ => StoreEvent::Resync,
        }
    }
}

/// How many events a slow receiver may fall behind before it gets one `Resync` instead.
const CAPACITY: usize = 1024;

/// The sending side, owned by a store.
#[derive(Debug, Clone)]
pub(crate) struct EventBus {
    tx: broadcast::Sender<StoreEvent>,
}

impl EventBus {
    pub(crate) fn new() -> Self {
        EventBus {
            tx: broadcast::channel(CAPACITY).0,
        }
    }

    /// Wakes every subscriber; nobody listening is fine.
    pub(crate) fn send(&self, event: StoreEvent) {
        let _ = self.tx.send(event);
    }

    pub(crate) fn subscribe(&self) -> Wakeups {
        Wakeups {
            rx: self.tx.subscribe(),
        }
    }
}

/// A subscription to the store's wake-ups; see the module docs for the order of calls.
#[derive(Debug)]
pub struct Wakeups {
    rx: broadcast::Receiver<StoreEvent>,
}

impl Wakeups {
    /// The next event, waiting as long as it takes. `None` when the store is gone.
    pub async fn recv(&mut self) -> Option<StoreEvent> {
        match self.rx.recv().await {
            Ok(event) => Some(event),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(StoreEvent::Resync),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The next event, or `None` after `timeout` (the caller then polls: the fallback for
    /// anything a wake-up could not tell).
    pub async fn wait(&mut self, timeout: Duration) -> Option<StoreEvent> {
        tokio::time::timeout(timeout, self.recv())
            .await
            .ok()
            .flatten()
    }

    /// An event already received, without waiting: to drain a burst into one look.
    pub fn try_recv(&mut self) -> Option<StoreEvent> {
        match self.rx.try_recv() {
            Ok(event) => Some(event),
            Err(broadcast::error::TryRecvError::Lagged(_)) => Some(StoreEvent::Resync),
            Err(_) => None,
        }
    }

    /// Drops every event already received; returns how many there were.
    pub fn drain(&mut self) -> usize {
        let mut n = 0;
        while self.try_recv().is_some() {
            n += 1;
        }
        n
    }
}
