//! The values the store takes and gives: plain data, one file per area.

mod auth;
mod backfills;
mod connections;
mod dags;
mod data;
mod pages;
mod runs;
mod tasks;
mod workers;

pub use auth::{ApiTokenRecord, NewApiToken, NewSession, NewUser, Role, SessionRecord, UserRecord};
pub use backfills::{BackfillRecord, BackfillState, NewBackfill};
pub use connections::ConnectionRecord;
pub use dags::{
    DagRecord, DagSchedule, DagSummary, DagSync, DagSyncBatch, DagToSync, DagVersionRecord,
    ImportErrorRecord, ScheduledProgress,
};
pub use data::{
    DatasetRecord, DatasetVersionRecord, FeatureViewInfo, FeatureViewRecord, LineageEdge,
    NewDatasetVersion, NewValidation, OnlineFeatures, ValidationRecord,
};
pub use pages::{DagQuery, DagVersionInfo, RecentRun, RunQuery, StateCounts};
pub use runs::{CreateRun, DataInterval, NewRun, NewTaskInstance, RunRecord, RunType};
pub use tasks::{
    AttemptOutcome, AttemptRecord, AttemptReport, ClaimRequest, ClaimedTask, LogLine, LogRecord,
    LogStream, ReapedTask, TaskInstanceRecord, TaskOutputRecord, TaskStateChange,
};
pub use workers::{PoolRecord, SchedulerRecord, WorkerInfo, WorkerRecord};
