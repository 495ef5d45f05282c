//! Timetables to runs: for every active, unpaused DAG, the runs whose data interval has ended,
//! oldest first, within max_active_runs.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use weir_core::timetable;
use weir_store::{CreateRun, DataInterval, NewRun, NewTaskInstance, RunType, Store};

use crate::versions::VersionCache;

/// Creates the runs that are due; returns how many it created.
pub(crate) async fn create_due_runs(
    store: &dyn Store,
    versions: &mut VersionCache,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut active_per_dag: HashMap<String, u32> = HashMap::new();
    for run in store.active_runs().await? {
        *active_per_dag.entry(run.dag_id).or_default() += 1;
    }
    let mut created = 0;
    for record in store.list_dags().await? {
        let Some(version_id) = record.latest_version_id else {
            continue;
        };
        if !record.is_active || record.is_paused {
            continue;
        }
        let dag = versions.get(store, version_id).await?;
        let table = dag.timetable();
        let mut last = match (
            record.last_scheduled_interval_start,
            record.last_scheduled_interval_end,
        ) {
            (Some(start), Some(end)) => Some(timetable::DataInterval { start, end }),
            _ => None,
        };
        let mut active = active_per_dag.get(&record.dag_id).copied().unwrap_or(0);
        let mut next_run_after = None;
        while let Some(info) = table.next_run(last.as_ref(), now) {
            if info.run_after > now || active >= dag.max_active_runs {
                next_run_after = Some(info.run_after);
                break;
            }
            let run = NewRun {
                dag_id: record.dag_id.clone(),
                run_id: format!("scheduled__{}", info.logical_date.to_rfc3339()),
                run_type: RunType::Scheduled,
                logical_date: info.logical_date,
                data_interval: DataInterval {
                    start: info.data_interval.start,
                    end: info.data_interval.end,
                },
                conf: serde_json::json!({}),
                triggered_by: Some("scheduler".into()),
                dag_version_id: version_id,
                backfill_id: None,
            };
            // Another scheduler may have created it first: then it exists and we move on.
            let outcome = store
                .create_run(&run, &NewTaskInstance::for_dag(&dag))
                .await?;
            if let CreateRun::Created(r) = &outcome {
                created += 1;
                active += 1;
                tracing::info!(dag.id = %r.dag_id, run.id = %r.run_id, "created a scheduled run");
            }
            store
                .set_scheduled_progress(&record.dag_id, Some(run.data_interval), None)
                .await?;
            last = Some(info.data_interval);
        }
        if record.next_run_after != next_run_after {
            let interval = last.map(|l| DataInterval {
                start: l.start,
                end: l.end,
            });
            store
                .set_scheduled_progress(&record.dag_id, interval, next_run_after)
                .await?;
        }
    }
    Ok(created)
}
