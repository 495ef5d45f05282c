//! Forwards an attempt's log lines to the store in batches, guarded by the lease: lines are
//! readable from any machine while the task runs, and a worker that lost its lease stops.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use weir_store::{ClaimedTask, LogLine as StoredLine, LogStream, Store, StoreError};

use crate::process::{LogLine, Stream};

const BATCH_LINES: usize = 500;
const BATCH_WAIT: Duration = Duration::from_millis(100);

/// Where an attempt's lines go.
struct Attempt {
    ti_id: i64,
    try_number: i32,
    token: i64,
}

/// Starts forwarding the lines sent on the returned channel to the attempt's log; the task
/// ends when every sender is dropped.
pub(crate) fn spawn_log_forwarder(
    store: &Arc<dyn Store>,
    claimed: &ClaimedTask,
    lease_lost: &CancellationToken,
) -> (mpsc::Sender<LogLine>, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(1024);
    let attempt = Attempt {
        ti_id: claimed.ti_id,
        try_number: claimed.try_number,
        token: claimed.lease_token,
    };
    let forwarder = tokio::spawn(forward_logs(store.clone(), attempt, rx, lease_lost.clone()));
    (tx, forwarder)
}

/// Drains `rx` into the store until the sender is dropped. On a lost lease it cancels the
/// attempt (`lease_lost`) and drops the rest.
async fn forward_logs(
    store: Arc<dyn Store>,
    attempt: Attempt,
    mut rx: mpsc::Receiver<LogLine>,
    lease_lost: CancellationToken,
) {
    let mut batch: Vec<StoredLine> = Vec::with_capacity(BATCH_LINES);
    loop {
        let first = rx.recv().await;
        let Some(first) = first else { break };
        batch.push(convert(first));
        // Collect what arrives within a short window: one insert per burst, not per line.
        let deadline = tokio::time::Instant::now() + BATCH_WAIT;
        while batch.len() < BATCH_LINES {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(line)) => batch.push(convert(line)),
                Ok(None) | Err(_) => break,
            }
        }
        if !write(&store, &attempt, &mut batch, &lease_lost).await {
            // Keep draining so the process never blocks on a full channel while it is killed.
            while rx.recv().await.is_some() {}
            return;
        }
    }
}

async fn write(
    store: &Arc<dyn Store>,
    attempt: &Attempt,
    batch: &mut Vec<StoredLine>,
    lease_lost: &CancellationToken,
) -> bool {
    let result = store
        .append_logs(attempt.ti_id, attempt.try_number, attempt.token, batch)
        .await;
    batch.clear();
    match result {
        Ok(()) => true,
        Err(StoreError::LeaseLost { .. }) => {
            tracing::warn!(
                ti = attempt.ti_id,
                "lease lost while writing logs; stopping the attempt"
            );
            lease_lost.cancel();
            false
        }
        Err(err) => {
            // A passing database error loses these lines, not the attempt.
            tracing::warn!(ti = attempt.ti_id, error = %err, "could not store log lines");
            true
        }
    }
}

fn convert(line: LogLine) -> StoredLine {
    StoredLine {
        stream: match line.stream {
            Stream::Stdout => LogStream::Stdout,
            Stream::Stderr => LogStream::Stderr,
            Stream::System => LogStream::System,
        },
        line: line.line,
        logged_at: line.at,
    }
}
