//! The data task types (`ingest`, `validate`, `materialize`): the lake does the work, this
//! module renders the task's templates, says in the task log what happened, and turns the
//! lake's outcome into the task's output and the registry's records.
//!
//! Running and recording are apart: `weir tasks test` runs a data task for real against the
//! lake but records nothing in the state store; a worker records what [`DataDone::records`]
//! lists, after the lake committed.

mod log;
mod outcome;
mod record;
mod render;

use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;
use weir_core::connection::ConnectionUrl;
use weir_core::dag::Task;
use weir_core::dag::task_types::TaskKind;
use weir_lake::ingest::IngestRequest;
use weir_lake::materialize::MaterializeRequest;
use weir_lake::validate::ValidateRequest;
use weir_lake::{Batch, Lake};

pub use self::log::DataLog;
pub use self::record::Records;
pub(crate) use self::record::record;

/// One attempt of a data task, as the worker or `tasks test` gives it.
pub struct DataAttempt<'a> {
    pub lake: &'a Lake,
    pub task: &'a Task,
    pub batch: Batch,
    pub logical_date: DateTime<Utc>,
    /// The run's data interval end: a feature view's window ends there (see `materialize`).
    pub interval_end: DateTime<Utc>,
    /// The template context of the attempt.
    pub context: &'a Value,
    /// Where relative source paths start.
    pub base_dir: &'a Path,
    /// A resolved connection URL for `format: postgres` sources, if the task names one.
    pub connection_url: Option<ConnectionUrl>,
}

/// A data task that ran: its output for downstream templates, the records the state store
/// should hold, and, if the data broke an error-severity expectation, why the task fails.
#[derive(Debug)]
pub struct DataDone {
    pub output: Value,
    pub records: Records,
    pub failure: Option<String>,
}

/// The URL of the connection a `format: postgres` source names: `WEIR_CONN_<NAME>` first,
/// then the connections kept in the state store (`weir tasks test` has no store: the
/// environment only). `None` when the task names no connection or it is not configured: the
/// lake then says which variable to set.
pub async fn connection_for(
    task: &Task,
    store: Option<&dyn weir_store::Store>,
) -> Result<Option<ConnectionUrl>, String> {
    let TaskKind::Ingest(ingest) = &task.kind else {
        return Ok(None);
    };
    let Some(name) = ingest.source.connection.as_deref() else {
        return Ok(None);
    };
    let env = |k: &str| std::env::var(k).ok();
    match store {
        Some(store) => weir_store::resolve_connection(name, env, store)
            .await
            .map_err(|e| format!("cannot look up connection `{name}`: {e}")),
        None => Ok(env(&weir_core::connection::env_variable(name))
            .filter(|u| !u.trim().is_empty())
            .map(ConnectionUrl::new)),
    }
}

/// Whether a task is one of the data task types.
pub fn is_data_task(task: &Task) -> bool {
    matches!(
        task.kind,
        TaskKind::Ingest(_) | TaskKind::Validate(_) | TaskKind::Materialize(_)
    )
}

/// Runs the data task against the lake. An `Err` is the failure reason of the attempt; the
/// lake guarantees that nothing was committed then.
pub async fn run_data_task(attempt: &DataAttempt<'_>, log: &DataLog) -> Result<DataDone, String> {
    match &attempt.task.kind {
        TaskKind::Ingest(ingest) => {
            let ingest = render::ingest(ingest, attempt.context)?;
            log.info(format!(
                "ingest into {} from {}",
                ingest.into,
                ingest.source.path.as_deref().unwrap_or("a database query")
            ));
            let request = IngestRequest {
                task: &ingest,
                batch: &attempt.batch,
                base_dir: attempt.base_dir,
                connection_url: attempt.connection_url.as_ref(),
            };
            let done = attempt
                .lake
                .ingest(&request)
                .await
                .map_err(|e| e.to_string())?;
            Ok(outcome::ingested(&attempt.batch, done, log))
        }
        TaskKind::Validate(validate) => {
            let validate = render::validate(validate, attempt.context)?;
            log.info(format!(
                "validate {} ({} expectations, scope {:?})",
                validate.dataset,
                validate.expect.len(),
                validate.scope
            ));
            let request = ValidateRequest {
                task: &validate,
                batch: &attempt.batch,
                logical_date: attempt.logical_date,
            };
            let done = attempt
                .lake
                .validate(&request)
                .await
                .map_err(|e| e.to_string())?;
            Ok(outcome::validated(&attempt.batch, done, log))
        }
        TaskKind::Materialize(materialize) => {
            let materialize = render::materialize(materialize, attempt.context)?;
            log.info(format!(
                "materialize feature view {} as of {}",
                materialize.view,
                attempt.interval_end.to_rfc3339()
            ));
            let request = MaterializeRequest {
                task: &materialize,
                as_of: attempt.interval_end,
                batch: &attempt.batch,
            };
            let done = attempt
                .lake
                .materialize(&request)
                .await
                .map_err(|e| e.to_string())?;
            Ok(outcome::materialized(
                &attempt.batch,
                &materialize,
                done,
                log,
            ))
        }
        other => Err(format!("`{}` is not a data task", other.type_name())),
    }
}
