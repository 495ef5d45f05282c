//! Checks both backends make before touching the database.

use std::collections::HashSet;

use weir_core::state::TaskState;

use crate::error::{Result, StoreError};
use crate::model::TaskStateChange;

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
