//! One attempt of one task instance: render, run, report; every write guarded by the lease.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use weir_core::dag::task_types::{ShellTask, TaskKind};
use weir_core::dag::{Dag, Task};
use weir_store::{AttemptOutcome, AttemptReport, ClaimedTask, Store, StoreError};

use super::WorkerOptions;
use super::context::{template_context, weir_env};
use super::data_attempt::run_data_attempt;
use super::logs::spawn_log_forwarder;
use super::reports::Reports;
use super::retry::persist;
use crate::process::{Exit, LogLimits, run_shell};
use crate::shell_task::shell_command;

/// How an attempt ended, from the worker's side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptEnd {
    /// Reported to the store.
    Reported,
    /// The lease was lost (reaped, cleared): nothing more was written.
    LeaseLost,
    /// The store could not be reached to report; the lease will expire and be reaped.
    Unreported(String),
}

pub(crate) async fn run_attempt(
    store: Arc<dyn Store>,
    reports: Reports,
    options: Arc<WorkerOptions>,
    claimed: ClaimedTask,
    dag: Arc<Dag>,
    cancel: CancellationToken,
) -> AttemptEnd {
    let span = tracing::info_span!(
        "attempt",
        dag.id = %claimed.dag_id,
        run.id = %claimed.run_id,
        task.id = %claimed.task_id,
        r#try = claimed.try_number,
        worker.id = %options.worker_id,
    );
    async move {
        // A noop task ends as soon as it starts: its start is stamped with its report, which
        // saves a statement per task. Any other task stamps it before it runs, so that a
        // running task shows when it started.
        let noop = dag
            .task(&claimed.task_id)
            .is_some_and(|t| matches!(t.kind, TaskKind::Noop));
        let started_at = if noop {
            Some(Utc::now())
        } else {
            let started = persist("marking the attempt started", options.lease, || {
                store.mark_started(claimed.ti_id, claimed.lease_token)
            });
            match started.await {
                Ok(()) => {}
                Err(StoreError::LeaseLost { .. }) => return AttemptEnd::LeaseLost,
                Err(e) => return AttemptEnd::Unreported(e.to_string()),
            }
            None
        };
        let lease_lost = CancellationToken::new();
        let outcome = execute(&store, &options, &claimed, &dag, &cancel, &lease_lost).await;
        if lease_lost.is_cancelled() {
            return AttemptEnd::LeaseLost;
        }
        if outcome.interrupted {
            return hand_back(&store, &claimed, &options).await;
        }
        report(
            &store,
            &reports,
            &claimed,
            &dag,
            outcome,
            started_at,
            options.lease,
        )
        .await
    }
    .instrument(span)
    .await
}

/// What the task did, before it is reported.
pub(super) struct Executed {
    pub(super) outcome: AttemptOutcome,
    pub(super) output: Option<serde_json::Value>,
    /// Stopped because the worker shuts down: handed back, not reported as failed.
    pub(super) interrupted: bool,
}

pub(super) fn failed(reason: impl Into<String>) -> Executed {
    Executed {
        outcome: AttemptOutcome::Failed {
            reason: reason.into(),
        },
        output: None,
        interrupted: false,
    }
}

/// The worker shuts down and the task did not finish in the grace period: the task instance
/// goes back to the queue for another worker, and this attempt does not count as a try.
async fn hand_back(
    store: &Arc<dyn Store>,
    claimed: &ClaimedTask,
    options: &WorkerOptions,
) -> AttemptEnd {
    let reason = format!(
        "worker {} shut down before the task finished; handed back",
        options.worker_id
    );
    let handed = persist("handing the attempt back", options.lease, || {
        store.hand_back(claimed.ti_id, claimed.lease_token, &reason)
    });
    match handed.await {
        Ok(()) => {
            tracing::warn!("attempt handed back");
            AttemptEnd::Reported
        }
        Err(StoreError::LeaseLost { .. }) => AttemptEnd::LeaseLost,
        Err(e) => AttemptEnd::Unreported(e.to_string()),
    }
}

async fn execute(
    store: &Arc<dyn Store>,
    options: &WorkerOptions,
    claimed: &ClaimedTask,
    dag: &Dag,
    cancel: &CancellationToken,
    lease_lost: &CancellationToken,
) -> Executed {
    let Some(task) = dag.task(&claimed.task_id) else {
        return failed(format!(
            "task `{}` is not in the DAG version this run is pinned to",
            claimed.task_id
        ));
    };
    match &task.kind {
        TaskKind::Noop => Executed {
            outcome: AttemptOutcome::Success,
            output: None,
            interrupted: false,
        },
        TaskKind::Shell(shell) => {
            run_shell_task(
                store, options, claimed, dag, task, shell, cancel, lease_lost,
            )
            .await
        }
        TaskKind::Ingest(_) | TaskKind::Validate(_) | TaskKind::Materialize(_) => {
            run_data_attempt(store, options, claimed, dag, task, cancel, lease_lost).await
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_shell_task(
    store: &Arc<dyn Store>,
    options: &WorkerOptions,
    claimed: &ClaimedTask,
    dag: &Dag,
    task: &Task,
    shell: &ShellTask,
    cancel: &CancellationToken,
    lease_lost: &CancellationToken,
) -> Executed {
    let context = match template_context(store.as_ref(), claimed, dag).await {
        Ok(c) => c,
        Err(e) => return failed(format!("cannot build the template context: {e:#}")),
    };
    let mut env = weir_env(claimed, dag.timezone);
    if let Some(bin) = &options.weir_bin {
        env.push(("WEIR_BIN".into(), bin.display().to_string()));
    }
    let command = match shell_command(
        task,
        shell,
        &context,
        env,
        options.kill_grace,
        options.output_dir.clone(),
    ) {
        Ok(c) => c,
        Err(e) => return failed(e.to_string()),
    };
    let (tx, forwarder) = spawn_log_forwarder(store, claimed, lease_lost);
    // Either the worker's shutdown or a lost lease stops the process group.
    let stop = CancellationToken::new();
    let stopper = {
        let (stop, cancel, lease_lost) = (stop.clone(), cancel.clone(), lease_lost.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = cancel.cancelled() => {}
                _ = lease_lost.cancelled() => {}
                _ = stop.cancelled() => {}
            }
            stop.cancel();
        })
    };
    let result = run_shell(command, tx, LogLimits::default(), stop.clone()).await;
    stop.cancel();
    let _ = stopper.await;
    let _ = forwarder.await;
    let outcome = match result {
        Ok(o) => o,
        Err(e) => return failed(format!("cannot start the command: {e}")),
    };
    let reason = match outcome.exit {
        Exit::Code(0) => None,
        Exit::Code(code) => Some(format!("the command exited with code {code}")),
        Exit::Signal(signal) => Some(format!("the command was killed by signal {signal}")),
        Exit::TimedOut => Some(format!(
            "timed out after {}",
            task.timeout.map(|t| t.to_string()).unwrap_or_default()
        )),
        Exit::Cancelled => Some(format!(
            "worker {} shut down before the task finished",
            options.worker_id
        )),
    };
    let reason = reason.or_else(|| {
        outcome
            .output_error
            .clone()
            .map(|e| format!("invalid output: {e}"))
    });
    Executed {
        outcome: match reason {
            None => AttemptOutcome::Success,
            Some(reason) => AttemptOutcome::Failed { reason },
        },
        output: outcome.output,
        interrupted: outcome.exit == Exit::Cancelled,
    }
}

async fn report(
    store: &Arc<dyn Store>,
    reports: &Reports,
    claimed: &ClaimedTask,
    dag: &Dag,
    executed: Executed,
    started_at: Option<DateTime<Utc>>,
    lease: std::time::Duration,
) -> AttemptEnd {
    if let Some(output) = &executed.output {
        let saved = persist("storing the output", lease, || {
            store.set_output(claimed.ti_id, claimed.lease_token, output)
        });
        match saved.await {
            Ok(()) => {}
            Err(StoreError::LeaseLost { .. }) => return AttemptEnd::LeaseLost,
            Err(e) => return AttemptEnd::Unreported(e.to_string()),
        }
    }
    let retry_at = dag.task(&claimed.task_id).map(|task| {
        let delay = task.retry.delay_before(
            claimed.try_number as u32 + 1,
            jitter(claimed.ti_id, claimed.try_number),
        );
        Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default()
    });
    if let AttemptOutcome::Failed { reason } = &executed.outcome {
        tracing::warn!(%reason, "attempt failed");
    }
    let finished = reports
        .finish(AttemptReport {
            ti_id: claimed.ti_id,
            token: claimed.lease_token,
            outcome: executed.outcome,
            retry_at,
            started_at,
        })
        .await;
    match finished {
        Ok(Some(state)) => {
            tracing::info!(state = %state, "attempt reported");
            AttemptEnd::Reported
        }
        Ok(None) => AttemptEnd::LeaseLost,
        Err(e) => AttemptEnd::Unreported(e),
    }
}

/// A deterministic spread in [0, 1) per task instance and try, so that tasks failing together
/// do not all retry at the same instant.
fn jitter(ti_id: i64, try_number: i32) -> f64 {
    let mut x = (ti_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (try_number as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    (x % 10_000) as f64 / 10_000.0
}
