//! Checks and decisions both backends make on what they read, before or instead of writing.

use std::collections::{HashMap, HashSet};

use weir_core::state::TaskState;

use crate::error::{Result, StoreError};
use weir_core::dag::Dag;

use crate::model::{BackfillState, DagSync, DagToSync, NewBackfill, TaskStateChange};

/// A batch of state changes is refused whole if one change is no transition of the state
/// machine, makes a task instance `running` (only a claim does, with a lease), or names a task
/// instance twice (each change is guarded by the state before the batch).
pub(crate) fn check_changes(changes: &[TaskStateChange]) -> Result<()> {
    let mut seen = HashSet::with_capacity(changes.len());
    for c in changes {
        if c.to == TaskState::Running {
            return Err(StoreError::Invalid(format!(
                "task instance {}: only a claim makes a task instance running",
                c.ti_id
            )));
        }
        if !c.from.can_become(c.to) {
            return Err(StoreError::Invalid(format!(
                "task instance {}: {} -> {} is not a transition of the state machine",
                c.ti_id, c.from, c.to
            )));
        }
        if !seen.insert(c.ti_id) {
            return Err(StoreError::Invalid(format!(
                "task instance {} appears twice in one batch of state changes",
                c.ti_id
            )));
        }
    }
    Ok(())
}

/// The reason written on the attempt of a task instance moved out of `running` by someone other
/// than its worker (a user marking it, the scheduler removing it, a clear).
pub(crate) fn interrupted_reason(to: TaskState, reason: Option<&str>) -> String {
    match reason {
        Some(r) => r.to_string(),
        None => format!("set to {to} while running"),
    }
}

/// A pool needs a name and cannot have fewer than zero slots.
pub(crate) fn check_pool(name: &str, slots: i32) -> Result<()> {
    if name.trim().is_empty() {
        return Err(StoreError::Invalid("a pool needs a name".into()));
    }
    if slots < 0 {
        return Err(StoreError::Invalid(format!(
            "pool `{name}`: {slots} slots; a pool has zero or more"
        )));
    }
    Ok(())
}

/// A backfill needs a range that does not end before it starts and at least one run at a time.
pub(crate) fn check_new_backfill(new: &NewBackfill) -> Result<()> {
    if new.to_date < new.from_date {
        return Err(StoreError::Invalid(format!(
            "backfill of `{}`: to_date {} is before from_date {}",
            new.dag_id,
            new.to_date.to_rfc3339(),
            new.from_date.to_rfc3339()
        )));
    }
    if new.max_active_runs < 1 {
        return Err(StoreError::Invalid(format!(
            "backfill of `{}`: max_active_runs is {}; it must be at least 1",
            new.dag_id, new.max_active_runs
        )));
    }
    Ok(())
}

/// Only a running backfill moves, to completed or cancelled: the other states are final.
pub(crate) fn check_backfill_transition(
    id: i64,
    from: BackfillState,
    to: BackfillState,
) -> Result<()> {
    if from.can_become(to) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "backfill {id}: {from} -> {to} is not a transition (only running -> completed or cancelled)"
        )))
    }
}

/// What an adoption that changed nothing means: the run or the backfill is missing
/// (`NotFound`), they belong to different DAGs (`Invalid`), or the run was the backfill's already
/// (`false`).
pub(crate) fn check_adoption(
    run_pk: i64,
    backfill_id: i64,
    run_dag: Option<String>,
    backfill_dag: Option<String>,
) -> Result<bool> {
    match (run_dag, backfill_dag) {
        (None, _) => Err(StoreError::NotFound(format!("run {run_pk}"))),
        (_, None) => Err(StoreError::NotFound(format!("backfill {backfill_id}"))),
        (Some(run), Some(backfill)) if run != backfill => Err(StoreError::Invalid(format!(
            "run {run_pk} of DAG `{run}` cannot belong to backfill {backfill_id} of DAG `{backfill}`"
        ))),
        _ => Ok(false),
    }
}

/// The DAG's row as sync_dag compares it: file, active, latest version (id, number, hash).
pub(crate) type SyncState = (String, bool, Option<i64>, Option<i32>, Option<String>);

/// Whether the stored state already matches: same hash, same file, active.
pub(crate) fn unchanged(state: &SyncState, dag: &Dag) -> Option<DagSync> {
    let (file, active, id, version, hash) = state;
    match (id, version, hash) {
        (Some(id), Some(version), Some(hash))
            if *active && *file == dag.file && *hash == dag.content_hash =>
        {
            Some(DagSync {
                version_id: *id,
                version: *version,
                created_new_version: false,
            })
        }
        _ => None,
    }
}

/// How many DAGs one transaction of `sync_dags` writes: enough that a folder of 1,000 changed
/// files costs ten commits, few enough that the DAG rows (and SQLite's one writer) are not held
/// from the scheduler's other loops for long.
pub(crate) const DAGS_PER_SYNC_TRANSACTION: usize = 100;

/// A `SyncState` with the id of its DAG, as the batch read of `sync_dags` returns it.
pub(crate) type SyncStateOf = (
    String,
    String,
    bool,
    Option<i64>,
    Option<i32>,
    Option<String>,
);

/// A batch names each DAG once: two versions of one DAG in one batch would race each other.
pub(crate) fn check_sync_batch(dags: &[DagToSync<'_>]) -> Result<()> {
    let mut seen = HashSet::with_capacity(dags.len());
    for d in dags {
        if !seen.insert(d.dag.dag_id.as_str()) {
            return Err(StoreError::Invalid(format!(
                "DAG `{}` appears twice in one batch of DAGs to sync",
                d.dag.dag_id
            )));
        }
    }
    Ok(())
}

/// For each DAG of a batch, in order, its `DagSync` if the stored state already matches (no
/// write needed), else `None`.
pub(crate) fn settled_without_write(
    dags: &[DagToSync<'_>],
    states: Vec<SyncStateOf>,
) -> Vec<Option<DagSync>> {
    let states: HashMap<String, SyncState> = states
        .into_iter()
        .map(|(dag_id, file, active, id, version, hash)| {
            (dag_id, (file, active, id, version, hash))
        })
        .collect();
    dags.iter()
        .map(|d| {
            states
                .get(d.dag.dag_id.as_str())
                .and_then(|s| unchanged(s, d.dag))
        })
        .collect()
}

/// What the latest stored version means for a DAG being synced: the same content (`Ok`, the
/// row only needs to be marked synced) or the number of the new version to insert (`Err`).
pub(crate) fn same_version_or_next(
    state: &SyncState,
    dag: &Dag,
) -> std::result::Result<DagSync, i32> {
    let (_, _, latest_id, latest_version, latest_hash) = state;
    match (latest_id, latest_version, latest_hash) {
        (Some(id), Some(version), Some(hash)) if *hash == dag.content_hash => Ok(DagSync {
            version_id: *id,
            version: *version,
            created_new_version: false,
        }),
        (_, version, _) => Err(version.unwrap_or(0) + 1),
    }
}

/// A user marks task instances `success` or `failed`, nothing else.
pub(crate) fn check_mark(to: TaskState) -> Result<()> {
    if matches!(to, TaskState::Success | TaskState::Failed) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "task instances can be marked success or failed, not {to}"
        )))
    }
}

/// The DAG list's text filter as both backends compare it: trimmed, lower-case, None if empty.
pub(crate) fn text_filter(text: Option<&str>) -> Option<String> {
    text.map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
}

/// `default_pool` is where tasks without a pool go: it cannot be deleted.
pub(crate) fn check_pool_deletable(name: &str) -> Result<()> {
    if name == "default_pool" {
        return Err(StoreError::Invalid(
            "`default_pool` holds every task without a pool and cannot be deleted; set its slots instead"
                .into(),
        ));
    }
    Ok(())
}

/// A connection needs a name that maps to an environment variable and a URL with a scheme.
/// Errors never show the URL: it may hold a password.
pub(crate) fn check_connection(name: &str, url: &str) -> Result<()> {
    weir_core::connection::check_name(name)
        .map_err(|e| StoreError::Invalid(format!("invalid connection name: {e}")))?;
    if !url.contains("://") {
        return Err(StoreError::Invalid(format!(
            "connection `{name}`: the URL has no scheme (hint: write e.g. postgres://user:password@host:5432/db)"
        )));
    }
    Ok(())
}
