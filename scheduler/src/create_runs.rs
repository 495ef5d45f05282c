//! Timetables to runs: for every active, unpaused DAG, the runs whose data interval has ended,
//! oldest first, within max_active_runs.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use weir_store::{
    CreateRun, DataInterval, NewRun, NewTaskInstance, RunType, ScheduledProgress, Store,
};

use weir_store::VersionCache;

/// When each DAG version's next run comes due, as computed by the last tick. Until then the DAG
/// needs no timetable arithmetic and no store write: with a thousand idle DAGs, that was most
/// of every tick's CPU. Keyed by the version too, because a new version may change the schedule.
#[derive(Debug, Default)]
pub(crate) struct NotDueYet(HashMap<String, (i64, DateTime<Utc>)>);

impl NotDueYet {
    fn waiting(&self, dag_id: &str, version_id: i64, now: DateTime<Utc>) -> bool {
        self.0
            .get(dag_id)
            .is_some_and(|&(version, due)| version == version_id && due > now)
    }

    fn remember(
        &mut self,
        dag_id: &str,
        version_id: i64,
        due: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) {
        match due {
            Some(due) if due > now => {
                self.0.insert(dag_id.to_string(), (version_id, due));
            }
            _ => {
                self.0.remove(dag_id);
            }
        }
    }
}

/// Creates the runs that are due; returns how many it created.
pub(crate) async fn create_due_runs(
    store: &dyn Store,
    versions: &mut VersionCache,
    not_due: &mut NotDueYet,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut active_per_dag: HashMap<String, u32> = HashMap::new();
    for run in store.active_runs().await? {
        *active_per_dag.entry(run.dag_id).or_default() += 1;
    }
    let mut created = 0;
    let mut progress = Vec::new();
    for record in store.dag_schedules().await? {
        let Some(version_id) = record.latest_version_id else {
            continue;
        };
        if !record.is_active || record.is_paused {
            continue;
        }
        if not_due.waiting(&record.dag_id, version_id, now) {
            continue;
        }
        let dag = versions.get(store, version_id).await?;
        let table = dag.timetable();
        let mut last = match (
            record.last_scheduled_interval_start,
            record.last_scheduled_interval_end,
        ) {
            (Some(start), Some(end)) => Some(DataInterval { start, end }),
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
                data_interval: info.data_interval,
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
        not_due.remember(&record.dag_id, version_id, next_run_after, now);
        if record.next_run_after != next_run_after {
            progress.push(ScheduledProgress {
                dag_id: record.dag_id.clone(),
                interval: last,
                next_run_after,
            });
        }
    }
    // One transaction for all: a scheduler starting with a thousand DAGs has a thousand next
    // run times to record, and a commit each took seconds on PostgreSQL.
    store.set_scheduled_progress_many(&progress).await?;
    Ok(created)
}
