use weir_core::timetable::{Schedule, parse_date_in_tz};
use weir_scheduler::{MAX_BACKFILL_RUNS, backfill_dates};
use weir_store::{BackfillRecord, NewBackfill, Store};

use super::OpError;

/// A backfill as asked for: dates as the user wrote them, in the DAG's timezone.
#[derive(Debug, Clone)]
pub struct BackfillSpec {
    pub dag_id: String,
    pub from: String,
    pub to: String,
    pub max_active_runs: i32,
    pub rerun_failed: bool,
    pub created_by: String,
}

/// Checks the range against the DAG's timetable and creates the backfill; returns it and the
/// number of runs it holds.
pub async fn create_backfill(
    store: &dyn Store,
    spec: &BackfillSpec,
) -> Result<(BackfillRecord, usize), OpError> {
    let dag_id = &spec.dag_id;
    if spec.max_active_runs < 1 {
        return Err(OpError::Invalid(
            "max_active_runs must be at least 1".into(),
        ));
    }
    let record = store.get_dag(dag_id).await?.ok_or_else(|| {
        OpError::NotFound(format!("no DAG `{dag_id}` (`weir dags list` shows them)"))
    })?;
    let version = record.latest_version_id.ok_or_else(|| {
        OpError::Invalid(format!(
            "DAG `{dag_id}` has no loadable version: its file has errors"
        ))
    })?;
    let dag = store.get_dag_version(version).await?.dag;
    if !matches!(dag.schedule, Schedule::Cron(_)) {
        return Err(OpError::Invalid(format!(
            "DAG `{dag_id}` has no cron schedule, so it has no intervals to backfill; trigger runs with a logical date instead"
        )));
    }
    let from = parse_date_in_tz(&spec.from, dag.timezone)
        .map_err(|e| OpError::Invalid(format!("from: {e}")))?;
    let to = parse_date_in_tz(&spec.to, dag.timezone)
        .map_err(|e| OpError::Invalid(format!("to: {e}")))?;
    if to < from {
        return Err(OpError::Invalid(format!(
            "to ({}) is before from ({})",
            spec.to, spec.from
        )));
    }
    let dates = backfill_dates(&dag.timetable(), from, to);
    if dates.len() > MAX_BACKFILL_RUNS {
        return Err(OpError::Invalid(format!(
            "the range holds more than {MAX_BACKFILL_RUNS} runs; split it into several backfills"
        )));
    }
    if dates.is_empty() {
        return Err(OpError::Invalid(format!(
            "no scheduled interval of `{dag_id}` starts between {} and {}",
            spec.from, spec.to
        )));
    }
    let backfill = store
        .create_backfill(&NewBackfill {
            dag_id: dag_id.clone(),
            from_date: from,
            to_date: to,
            max_active_runs: spec.max_active_runs,
            rerun_failed: spec.rerun_failed,
            created_by: spec.created_by.clone(),
        })
        .await?;
    Ok((backfill, dates.len()))
}
