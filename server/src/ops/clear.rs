use std::collections::HashSet;

use weir_core::state::TaskState;
use weir_store::Store;

use super::OpError;

/// Which task instances of a run to clear.
#[derive(Debug, Clone, Default)]
pub struct ClearSpec {
    pub dag_id: String,
    pub run_id: String,
    /// None for every task of the run.
    pub task_ids: Vec<String>,
    /// Also everything downstream of the named tasks.
    pub downstream: bool,
    /// Only those that failed or were upstream_failed.
    pub failed_only: bool,
}

/// Clears task instances back to `none` (the run is queued again); returns how many.
pub async fn clear_task_instances(store: &dyn Store, spec: &ClearSpec) -> Result<u64, OpError> {
    let (dag_id, run_id) = (&spec.dag_id, &spec.run_id);
    let Some(run) = store.get_run(dag_id, run_id).await? else {
        return Err(OpError::NotFound(format!(
            "no run `{run_id}` of DAG `{dag_id}`"
        )));
    };
    let dag = store.get_dag_version(run.dag_version_id).await?.dag;
    for t in &spec.task_ids {
        if dag.task(t).is_none() {
            return Err(OpError::Invalid(format!(
                "DAG `{dag_id}` has no task `{t}` in the version this run used"
            )));
        }
    }
    let mut chosen: HashSet<String> = if spec.task_ids.is_empty() {
        dag.tasks.iter().map(|t| t.task_id.to_string()).collect()
    } else {
        spec.task_ids.iter().cloned().collect()
    };
    if spec.downstream {
        // Tasks are in topological order, so one pass collects every descendant.
        for task in &dag.tasks {
            if task.needs.iter().any(|n| chosen.contains(n.as_str())) {
                chosen.insert(task.task_id.to_string());
            }
        }
    }
    let tis = store.task_instances(run.id).await?;
    let selected: Vec<String> = tis
        .iter()
        .filter(|t| chosen.contains(&t.task_id))
        .filter(|t| {
            !spec.failed_only || matches!(t.state, TaskState::Failed | TaskState::UpstreamFailed)
        })
        .map(|t| t.task_id.clone())
        .collect();
    Ok(store.clear_task_instances(run.id, &selected).await?)
}
