//! The scheduler: keeps the store in step with the DAG folder, turns timetables and triggers
//! into runs, and moves task instances along as their upstreams finish.
//!
//! It never talks to workers: it queues task instances in the store and the store wakes the
//! workers. Every write is guarded by the store (unique keys, `state = from`), so any number of
//! schedulers can run against one PostgreSQL.

mod backfills;
mod create_runs;
mod dag_folder;
mod options;
mod run_views;
mod schedule_tasks;
mod scheduler;
mod trigger;

pub use backfills::{MAX_BACKFILL_RUNS, backfill_dates};
pub use dag_folder::{DagFolder, ScanReport};
pub use options::SchedulerOptions;
pub use scheduler::{Scheduler, TickReport};
pub use trigger::{TriggerError, TriggerRequest, trigger_run};
