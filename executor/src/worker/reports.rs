//! The worker's reports of finished attempts, written together: attempts that finish while a
//! report is being written are written in one `finish_attempts` transaction right after it
//! (group commit). A lone attempt is written at once, so a chain of tasks waits for nothing,
//! and a burst of short tasks costs one transaction per batch instead of one per task.
//!
//! A queued report also tells the worker's loop that the attempt is done executing: its slot is
//! free for the next claim while the report is being committed, so that claims and reports
//! overlap instead of taking turns (a commit costs milliseconds on PostgreSQL).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use weir_core::state::TaskState;
use weir_store::{AttemptReport, Store};

use super::retry::persist;

/// At most this many reports per transaction.
const MAX_BATCH: usize = 256;

/// What became of one report.
pub(crate) type Answer = Result<Option<TaskState>, String>;

struct Pending {
    report: AttemptReport,
    answer: oneshot::Sender<Answer>,
}

/// The sending side, one clone per attempt. The writer ends when every clone is dropped.
#[derive(Clone)]
pub(crate) struct Reports {
    tx: mpsc::UnboundedSender<Pending>,
    executed: mpsc::UnboundedSender<(i64, i64)>,
}

/// The task instance id and lease token of each attempt whose report was just queued, for the
/// worker's loop.
pub(crate) type Executed = mpsc::UnboundedReceiver<(i64, i64)>;

impl Reports {
    /// Starts the writer. A batch that fails with a database error is retried for at most
    /// `budget` (see [`persist`]).
    pub(crate) fn start(store: Arc<dyn Store>, budget: Duration) -> (Self, Executed) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (executed, executed_rx) = mpsc::unbounded_channel();
        tokio::spawn(write_batches(store, budget, rx));
        (Reports { tx, executed }, executed_rx)
    }

    /// Reports an attempt; answers its new state, None if its lease was lost (nothing written),
    /// or the error if the store could not be reached.
    pub(crate) async fn finish(&self, report: AttemptReport) -> Answer {
        let (answer, rx) = oneshot::channel();
        let attempt = (report.ti_id, report.token);
        if self.tx.send(Pending { report, answer }).is_err() {
            return Err("the report writer has stopped".into());
        }
        // The worker's loop may be gone (shutting down): then nobody needs to know.
        let _ = self.executed.send(attempt);
        rx.await
            .unwrap_or_else(|_| Err("the report writer has stopped".into()))
    }
}

async fn write_batches(
    store: Arc<dyn Store>,
    budget: Duration,
    mut rx: mpsc::UnboundedReceiver<Pending>,
) {
    let mut batch: Vec<Pending> = Vec::new();
    while let Some(first) = rx.recv().await {
        batch.push(first);
        // Attempts that finish together (a claimed batch of short tasks) send their reports
        // within microseconds: one yield lets them arrive, so they share the first commit.
        tokio::task::yield_now().await;
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        let reports: Vec<AttemptReport> = batch.iter().map(|p| p.report.clone()).collect();
        let written = persist("reporting attempts", budget, || {
            store.finish_attempts(&reports)
        })
        .await;
        match written {
            Ok(states) => {
                for (pending, state) in batch.drain(..).zip(states) {
                    let _ = pending.answer.send(Ok(state));
                }
            }
            Err(e) => {
                let e = e.to_string();
                for pending in batch.drain(..) {
                    let _ = pending.answer.send(Err(e.clone()));
                }
            }
        }
    }
}
