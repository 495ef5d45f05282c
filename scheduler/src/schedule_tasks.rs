//! Trigger rules to states: what can run is queued (within max_active_tasks), what cannot is
//! skipped or upstream_failed, retries whose delay has passed go back to the queue, and a run
//! whose task instances are all final gets its final state.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use weir_core::dag::Dag;
use weir_core::state::{Readiness, RunState, TaskState, UpstreamCounts, evaluate, run_outcome};
use weir_store::{RunRecord, Store, TaskInstanceRecord, TaskStateChange};

use crate::run_views::{Plan, RunViews};
use weir_store::VersionCache;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Progress {
    pub state_changes: u64,
    pub runs_finished: usize,
}

pub(crate) async fn schedule_active_runs(
    store: &dyn Store,
    versions: &mut VersionCache,
    views: &mut RunViews,
    now: DateTime<Utc>,
) -> anyhow::Result<Progress> {
    let mut progress = Progress::default();
    let due_retries: std::collections::HashSet<i64> =
        store.due_retries(now).await?.into_iter().collect();
    let runs = store.active_runs().await?;
    views.retain_active(&runs);
    let mut loaded: Vec<(RunRecord, Arc<Dag>)> = Vec::with_capacity(runs.len());
    for run in runs {
        let dag = versions.get(store, run.dag_version_id).await?;
        views.refresh(store, &run).await?;
        loaded.push((run, dag));
    }
    // max_active_tasks counts every queued or running task instance of the DAG, in all runs.
    let mut busy: HashMap<String, u32> = HashMap::new();
    for (run, _) in &loaded {
        *busy.entry(run.dag_id.clone()).or_default() += views.busy(run.id);
    }
    let mut running_runs: HashMap<String, u32> = HashMap::new();
    for (run, _) in &loaded {
        if run.state == RunState::Running {
            *running_runs.entry(run.dag_id.clone()).or_default() += 1;
        }
    }
    for (run, dag) in &loaded {
        let mut state = run.state;
        if state == RunState::Queued {
            let running = running_runs.entry(run.dag_id.clone()).or_default();
            if *running >= dag.max_active_runs {
                continue;
            }
            if store
                .set_run_state(run.id, RunState::Queued, RunState::Running)
                .await?
            {
                *running += 1;
                state = RunState::Running;
                views.run_moved(run.id, state);
                tracing::info!(dag.id = %run.dag_id, run.id = %run.run_id, "run started");
            }
        }
        let slots = busy.entry(run.dag_id.clone()).or_default();
        let Some((tis, plan)) = views.planned(run.id, dag) else {
            continue;
        };
        let changes = decide(dag, tis, plan, &due_retries, slots);
        if !changes.is_empty() {
            let applied = store.update_task_states(&changes).await?;
            views.applied(run.id, &changes, applied);
            progress.state_changes += applied;
        } else if finish_if_done(store, run, state, tis, plan).await? {
            progress.runs_finished += 1;
        }
    }
    Ok(progress)
}

/// The state changes for one run, given its task instances now. `busy` is the DAG's queued and
/// running count, raised as tasks are queued here.
fn decide(
    dag: &Dag,
    tis: &[TaskInstanceRecord],
    plan: &Plan,
    due_retries: &std::collections::HashSet<i64>,
    busy: &mut u32,
) -> Vec<TaskStateChange> {
    let mut changes = Vec::new();
    for (i, ti) in tis.iter().enumerate() {
        let ready_from = match ti.state {
            TaskState::None => {
                let Some(task) = plan.task[i].map(|t| &dag.tasks[t]) else {
                    changes.push(
                        TaskStateChange::new(ti.id, ti.state, TaskState::Removed)
                            .with_reason("the task is not in this run's DAG version"),
                    );
                    continue;
                };
                let mut counts = UpstreamCounts::default();
                for up in &plan.upstream[i] {
                    counts.add(up.map_or(TaskState::Removed, |p| tis[p as usize].state));
                }
                match evaluate(task.trigger_rule, counts) {
                    Readiness::Wait => continue,
                    Readiness::Skip => {
                        let reason =
                            format!("trigger rule {} cannot be met", task.trigger_rule.as_str());
                        changes.push(
                            TaskStateChange::new(ti.id, ti.state, TaskState::Skipped)
                                .with_reason(reason),
                        );
                        continue;
                    }
                    Readiness::UpstreamFailed => {
                        changes.push(
                            TaskStateChange::new(ti.id, ti.state, TaskState::UpstreamFailed)
                                .with_reason("an upstream task failed"),
                        );
                        continue;
                    }
                    Readiness::Ready => TaskState::None,
                }
            }
            TaskState::Scheduled => TaskState::Scheduled,
            TaskState::UpForRetry if due_retries.contains(&ti.id) => TaskState::UpForRetry,
            _ => continue,
        };
        if *busy < dag.max_active_tasks {
            *busy += 1;
            changes.push(TaskStateChange::new(ti.id, ready_from, TaskState::Queued));
        } else if ready_from == TaskState::None {
            // Ready, but the DAG is at max_active_tasks: scheduled until a slot frees.
            changes.push(
                TaskStateChange::new(ti.id, ready_from, TaskState::Scheduled).with_reason(format!(
                    "waiting: max_active_tasks {} reached",
                    dag.max_active_tasks
                )),
            );
        }
    }
    changes
}

async fn finish_if_done(
    store: &dyn Store,
    run: &RunRecord,
    state: RunState,
    tis: &[TaskInstanceRecord],
    plan: &Plan,
) -> anyhow::Result<bool> {
    // Leaves are the tasks no other task needs.
    let Some(outcome) = run_outcome(tis.iter().zip(&plan.leaf).map(|(t, leaf)| (t.state, *leaf)))
    else {
        return Ok(false);
    };
    let moved = store.set_run_state(run.id, state, outcome).await?;
    if moved {
        tracing::info!(dag.id = %run.dag_id, run.id = %run.run_id, state = %outcome, "run finished");
    }
    Ok(moved)
}
