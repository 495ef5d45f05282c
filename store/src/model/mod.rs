//! The values the store takes and gives: plain data, one file per area.

mod backfills;
mod dags;
mod runs;
mod tasks;
mod workers;

pub use backfills::{BackfillRecord, BackfillState, NewBackfill};
pub use dags::{DagRecord, DagSync, DagVersionRecord, ImportErrorRecord};
pub use runs::{CreateRun, DataInterval, NewRun, NewTaskInstance, RunRecord, RunType};
pub use tasks::{
    AttemptOutcome, AttemptRecord, AttemptReport, ClaimRequest, ClaimedTask, LogLine, LogRecord,
    LogStream, ReapedTask, TaskInstanceRecord, TaskOutputRecord, TaskStateChange,
};
pub use workers::{PoolRecord, SchedulerRecord, WorkerInfo, WorkerRecord};
