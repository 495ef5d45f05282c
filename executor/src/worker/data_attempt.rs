//! One attempt of a data task on a worker: the lake does the work under the task's timeout,
//! the log goes to the store as a shell task's does, and the records follow the commit.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use weir_core::dag::{Dag, Task};
use weir_lake::Batch;
use weir_store::{AttemptOutcome, ClaimedTask, Store};

use super::WorkerOptions;
use super::attempt::{Executed, failed};
use super::context::template_context;
use super::logs::spawn_log_forwarder;
use crate::data::{DataAttempt, DataLog, record, run_data_task};

pub(super) async fn run_data_attempt(
    store: &Arc<dyn Store>,
    options: &WorkerOptions,
    claimed: &ClaimedTask,
    dag: &Dag,
    task: &Task,
    cancel: &CancellationToken,
    lease_lost: &CancellationToken,
) -> Executed {
    let Some(lake) = options.lake.as_ref() else {
        return failed(format!(
            "worker {} has no lake configured, so it cannot run `{}` tasks (hint: set WEIR_LAKE_URL)",
            options.worker_id,
            task.kind.type_name()
        ));
    };
    let context = match template_context(store.as_ref(), claimed, dag).await {
        Ok(c) => c,
        Err(e) => return failed(format!("cannot build the template context: {e:#}")),
    };
    let connection_url = match crate::data::connection_for(task, Some(store.as_ref())).await {
        Ok(url) => url,
        Err(reason) => return failed(reason),
    };
    let (tx, forwarder) = spawn_log_forwarder(store, claimed, lease_lost);
    let log = DataLog::new(tx);
    let attempt = DataAttempt {
        lake,
        task,
        batch: Batch {
            dag_id: claimed.dag_id.clone(),
            run_id: claimed.run_id.clone(),
            task_id: claimed.task_id.clone(),
        },
        logical_date: claimed.logical_date,
        interval_end: claimed.data_interval.end,
        context: &context,
        base_dir: &options.data_dir,
        connection_url,
    };
    let timeout = task.timeout.map(|t| t.as_std());
    let work = async {
        match timeout {
            Some(limit) => tokio::time::timeout(limit, run_data_task(&attempt, &log))
                .await
                .unwrap_or_else(|_| {
                    Err(format!(
                        "timed out after {}",
                        task.timeout.map(|t| t.to_string()).unwrap_or_default()
                    ))
                }),
            None => run_data_task(&attempt, &log).await,
        }
    };
    // Stopping drops the lake's future: a Delta commit is one atomic log entry, so a task
    // stopped half-way has committed nothing.
    let result = tokio::select! {
        result = work => Some(result),
        _ = cancel.cancelled() => None,
        _ = lease_lost.cancelled() => None,
    };
    let executed = match result {
        None => {
            log.error(format!(
                "stopped: worker {} shuts down or lost the lease",
                options.worker_id
            ));
            Executed {
                outcome: AttemptOutcome::Failed {
                    reason: format!(
                        "worker {} shut down before the task finished",
                        options.worker_id
                    ),
                },
                output: None,
                interrupted: cancel.is_cancelled(),
            }
        }
        Some(Err(reason)) => {
            log.error(reason.clone());
            failed(reason)
        }
        Some(Ok(done)) => {
            // The lake holds the commit whatever happens next: the registry must say so, even
            // if the lease was lost meanwhile.
            let recorded = record(
                store.as_ref(),
                &done.records,
                claimed.try_number,
                options.lease,
            )
            .await;
            match (recorded, done.failure) {
                (Err(e), _) => {
                    log.error(format!("cannot record the result in the state store: {e}"));
                    failed(format!("cannot record the result in the state store: {e}"))
                }
                (Ok(()), Some(reason)) => {
                    log.error(reason.clone());
                    Executed {
                        outcome: AttemptOutcome::Failed { reason },
                        output: Some(done.output),
                        interrupted: false,
                    }
                }
                (Ok(()), None) => Executed {
                    outcome: AttemptOutcome::Success,
                    output: Some(done.output),
                    interrupted: false,
                },
            }
        }
    };
    drop(log);
    let _ = forwarder.await;
    executed
}
