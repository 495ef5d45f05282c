//! Backfills: the runs of a past date range, created a few at a time (the backfill's own
//! max_active_runs) until every logical date in the range has a finished run. A backfill is a
//! row in the store, so it survives a scheduler restart and can be cancelled or run again.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use weir_core::state::{RunState, TaskState};
use weir_core::timetable::RunInfo;
use weir_store::{
    BackfillRecord, BackfillState, CreateRun, NewRun, NewTaskInstance, RunType, Store,
};

use weir_store::VersionCache;

/// The most runs one backfill may span; a longer range is refused when it is created.
pub const MAX_BACKFILL_RUNS: usize = 100_000;

/// The logical dates a backfill covers: every scheduled interval whose logical date is in
/// [from, to].
pub fn backfill_dates(
    table: &weir_core::timetable::Timetable,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<RunInfo> {
    let mut unbounded = table.clone();
    // The range is the user's: the DAG's own start and end dates do not narrow it.
    unbounded.start_date = None;
    unbounded.end_date = None;
    // The interval holding `to` is the last one: its run comes at that interval's end.
    let until = unbounded.manual_data_interval(to).end;
    unbounded
        .runs_between(from, until, MAX_BACKFILL_RUNS + 1)
        .into_iter()
        .take_while(|r| r.logical_date <= to)
        .collect()
}

/// Moves every running backfill along; returns how many runs it created or revived.
pub(crate) async fn drive_backfills(
    store: &dyn Store,
    versions: &mut VersionCache,
) -> anyhow::Result<usize> {
    let mut changed = 0;
    for backfill in store.running_backfills().await? {
        changed += drive(store, versions, &backfill).await?;
    }
    Ok(changed)
}

async fn drive(
    store: &dyn Store,
    versions: &mut VersionCache,
    backfill: &BackfillRecord,
) -> anyhow::Result<usize> {
    let Some(version_id) = store
        .get_dag(&backfill.dag_id)
        .await?
        .and_then(|d| d.latest_version_id)
    else {
        return Ok(0);
    };
    let dag = versions.get(store, version_id).await?;
    let dates = backfill_dates(&dag.timetable(), backfill.from_date, backfill.to_date);
    let existing: HashMap<DateTime<Utc>, weir_store::RunRecord> = store
        .runs_between(&backfill.dag_id, backfill.from_date, backfill.to_date)
        .await?
        .into_iter()
        .map(|r| (r.logical_date, r))
        .collect();
    let mut active = backfill.runs_active;
    let mut changed = 0;
    let mut waiting = false;
    for info in dates {
        if let Some(run) = existing.get(&info.logical_date) {
            // A run that exists already (scheduled, manual, an earlier backfill) is adopted once;
            // with --rerun-failed a failed one runs its failed tasks again.
            if run.backfill_id != Some(backfill.id) && store.adopt_run(run.id, backfill.id).await? {
                if backfill.rerun_failed && run.state == RunState::Failed {
                    let failed: Vec<String> = store
                        .task_instances(run.id)
                        .await?
                        .into_iter()
                        .filter(|t| {
                            matches!(t.state, TaskState::Failed | TaskState::UpstreamFailed)
                        })
                        .map(|t| t.task_id)
                        .collect();
                    store.clear_task_instances(run.id, &failed).await?;
                    active += 1;
                }
                changed += 1;
            }
            continue;
        }
        if active >= i64::from(backfill.max_active_runs) {
            waiting = true;
            break;
        }
        let run = NewRun {
            dag_id: backfill.dag_id.clone(),
            run_id: format!("backfill__{}", info.logical_date.to_rfc3339()),
            run_type: RunType::Backfill,
            logical_date: info.logical_date,
            data_interval: info.data_interval,
            conf: serde_json::json!({}),
            triggered_by: Some(format!("backfill:{}", backfill.id)),
            dag_version_id: version_id,
            backfill_id: Some(backfill.id),
        };
        if let CreateRun::Created(r) = store
            .create_run(&run, &NewTaskInstance::for_dag(&dag))
            .await?
        {
            tracing::info!(dag.id = %r.dag_id, run.id = %r.run_id, backfill = backfill.id, "created a backfill run");
            active += 1;
            changed += 1;
        }
    }
    if !waiting && changed == 0 && backfill.runs_active == 0 {
        store
            .set_backfill_state(
                backfill.id,
                BackfillState::Running,
                BackfillState::Completed,
            )
            .await?;
        tracing::info!(dag.id = %backfill.dag_id, backfill = backfill.id, "backfill completed");
        changed += 1;
    }
    Ok(changed)
}
