//! Manual runs: from the CLI, the API or the UI. Params are validated here, against the DAG
//! version the run will be pinned to.

use chrono::{DateTime, Utc};
use weir_core::params::{ParamError, resolve_params};
use weir_store::{CreateRun, NewRun, NewTaskInstance, RunType, Store};

#[derive(Debug, Clone)]
pub struct TriggerRequest {
    pub dag_id: String,
    /// The client's run id, for idempotent triggers; generated when absent.
    pub run_id: Option<String>,
    /// Default: now.
    pub logical_date: Option<DateTime<Utc>>,
    pub conf: serde_json::Map<String, serde_json::Value>,
    pub triggered_by: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    #[error("no DAG `{0}`")]
    UnknownDag(String),
    #[error("DAG `{0}` has no loadable version: its file has errors")]
    NoVersion(String),
    #[error("invalid run id `{0}`: {1}")]
    InvalidRunId(String, String),
    #[error("the conf does not fit the DAG's params: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidParams(Vec<ParamError>),
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

/// Creates a manual run pinned to the DAG's latest version. Triggering the same run id, or the
/// same logical date, twice gives the existing run back (`CreateRun::Exists`).
pub async fn trigger_run(
    store: &dyn Store,
    request: TriggerRequest,
) -> Result<CreateRun, TriggerError> {
    let record = store
        .get_dag(&request.dag_id)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or_else(|| TriggerError::UnknownDag(request.dag_id.clone()))?;
    let version_id = record
        .latest_version_id
        .ok_or_else(|| TriggerError::NoVersion(request.dag_id.clone()))?;
    let version = store
        .get_dag_version(version_id)
        .await
        .map_err(anyhow::Error::from)?;
    let dag = version.dag;
    let params = resolve_params(&dag.params, &request.conf).map_err(TriggerError::InvalidParams)?;
    let logical_date = request.logical_date.unwrap_or_else(Utc::now);
    let run_id = match request.run_id {
        Some(id) => {
            weir_core::ids::check_run_id(&id)
                .map_err(|e| TriggerError::InvalidRunId(id.clone(), e))?;
            id
        }
        None => format!("manual__{}", logical_date.to_rfc3339()),
    };
    let run = NewRun {
        dag_id: request.dag_id.clone(),
        run_id,
        run_type: RunType::Manual,
        logical_date,
        data_interval: dag.timetable().manual_data_interval(logical_date),
        conf: serde_json::Value::Object(params),
        triggered_by: Some(request.triggered_by),
        dag_version_id: version_id,
        backfill_id: None,
    };
    let outcome = store
        .create_run(&run, &NewTaskInstance::for_dag(&dag))
        .await
        .map_err(anyhow::Error::from)?;
    Ok(outcome)
}
