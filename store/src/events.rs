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
use weir_core::state::TaskState;

/// What changed. Task instance changes come in three kinds because each wakes someone else:
/// a claim (queued to running) needs no scheduler and no other worker, and a task that became
/// queued needs no scheduler; waking them anyway costs a query each, per claim, per worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreEvent {
    /// Task instances were inserted or reached a state other than queued and running (they
    /// finished, failed, await a retry, were cleared): what schedulers act on.
    TaskInstances,
    /// Task instances became queued: what workers claim.
    TasksQueued,
    /// Task instances were claimed (queued to running): only watchers, like the dashboard, care.
    TasksClaimed,
    /// Runs were inserted or changed state, or a backfill was created or changed state.
    DagRuns,
    /// Events may have been missed (the LISTEN connection was re-established, or this receiver
    /// fell behind): look at everything again.
    Resync,
}

impl StoreEvent {
    /// Whether a scheduler may have work after this: tasks that finished or were cleared, runs
    /// and backfills. Tasks that became queued or were claimed need nothing from it.
    pub fn concerns_schedulers(self) -> bool {
        matches!(
            self,
            StoreEvent::TaskInstances | StoreEvent::DagRuns | StoreEvent::Resync
        )
    }

    /// The event for a PostgreSQL notification's payload (the trigger's table name).
    pub(crate) fn from_payload(payload: &str) -> Self {
        match payload {
            "task_instances" => StoreEvent::TaskInstances,
            "task_instances_queued" => StoreEvent::TasksQueued,
            "task_instances_claimed" => StoreEvent::TasksClaimed,
            "dag_runs" | "backfills" => StoreEvent::DagRuns,
            _ => StoreEvent::Resync,
        }
    }
}

/// The events a change of task instances to these states sends (what a scheduler, a worker and
/// a watcher each need to hear of); SQLite's writes use it, PostgreSQL's trigger does the same.
pub(crate) fn task_state_events(
    changes: impl IntoIterator<Item = (TaskState, TaskState)>,
) -> Vec<StoreEvent> {
    let (mut queued, mut claimed, mut other) = (false, false, false);
    for (from, to) in changes {
        match (from, to) {
            (_, TaskState::Queued) => queued = true,
            (TaskState::Queued, TaskState::Running) => claimed = true,
            _ => other = true,
        }
    }
    [
        (queued, StoreEvent::TasksQueued),
        (claimed, StoreEvent::TasksClaimed),
        (other, StoreEvent::TaskInstances),
    ]
    .into_iter()
    .filter_map(|(sent, event)| sent.then_some(event))
    .collect()
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
        self.wait_for(timeout, |_| true).await
    }

    /// The next event that `wanted` accepts (or a `Resync`), or `None` after `timeout`: the
    /// others are dropped on the way, so that they cost the receiver nothing.
    pub async fn wait_for(
        &mut self,
        timeout: Duration,
        wanted: impl Fn(StoreEvent) -> bool,
    ) -> Option<StoreEvent> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let event = tokio::time::timeout_at(deadline, self.recv())
                .await
                .ok()
                .flatten()?;
            if event == StoreEvent::Resync || wanted(event) {
                return Some(event);
            }
        }
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
