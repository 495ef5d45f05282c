use chrono::{DateTime, Utc};

use super::runs::DataInterval;
use weir_core::dag::Dag;
use weir_core::diag::Diagnostic;

/// Parsed DAGs that `Store::sync_dags` records together: one scan of the DAG folder.
#[derive(Debug, Clone, Copy)]
pub struct DagSyncBatch<'a> {
    pub dags: &'a [DagToSync<'a>],
    /// The DAG folder's commit, recorded with each new version.
    pub git_commit: Option<&'a str>,
    /// Whether a DAG seen for the first time starts paused.
    pub paused_on_create: bool,
}

/// One DAG of a [`DagSyncBatch`]: the DAG as parsed and the text of its file.
#[derive(Debug, Clone, Copy)]
pub struct DagToSync<'a> {
    pub dag: &'a Dag,
    pub source: &'a str,
}

/// What `sync_dag` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DagSync {
    /// The DAG's latest version after the sync: new, or the unchanged one.
    pub version_id: i64,
    /// 1, 2, 3... per DAG.
    pub version: i32,
    /// Whether the content hash differed from the latest version's, so that a version was added.
    pub created_new_version: bool,
}

/// A row of `dags`: one DAG the scheduler knows, active or not.
#[derive(Debug, Clone, PartialEq)]
pub struct DagRecord {
    pub dag_id: String,
    pub file: String,
    pub is_paused: bool,
    /// False when the DAG's file is gone or no longer defines it.
    pub is_active: bool,
    pub latest_version_id: Option<i64>,
    pub latest_version: Option<i32>,
    /// Where the timetable continues: the last interval a scheduled run was created for.
    pub last_scheduled_interval_start: Option<DateTime<Utc>>,
    pub last_scheduled_interval_end: Option<DateTime<Utc>>,
    /// When the next scheduled run is due (cached by the scheduler).
    pub next_run_after: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The latest version's summary, for lists that do not read the DAG itself.
    pub summary: DagSummary,
}

/// What the scheduler reads of every DAG at every tick: the `dags` row alone, without the
/// latest version's summary (on SQLite that sits behind the version's source and serialized
/// DAG, so reading it walks their overflow pages: a thousand DAGs made that most of an idle
/// scheduler's CPU).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DagSchedule {
    pub dag_id: String,
    pub is_paused: bool,
    pub is_active: bool,
    pub latest_version_id: Option<i64>,
    /// The last interval a scheduled run was created for.
    pub last_scheduled_interval_start: Option<DateTime<Utc>>,
    pub last_scheduled_interval_end: Option<DateTime<Utc>>,
    pub next_run_after: Option<DateTime<Utc>>,
}

/// Where one DAG's timetable continues, as `Store::set_scheduled_progress_many` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledProgress {
    pub dag_id: String,
    /// The last interval a scheduled run was created for; None keeps the stored one.
    pub interval: Option<DataInterval>,
    pub next_run_after: Option<DateTime<Utc>>,
}

/// What a DAG list shows of a DAG's latest version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DagSummary {
    pub description: Option<String>,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    /// The schedule as written (`0 2 * * *`, `@daily`), None for manual-only DAGs.
    pub schedule: Option<String>,
    pub timezone: String,
}

/// One stored version of a DAG, with the DAG read back from its serialized form.
#[derive(Debug, Clone)]
pub struct DagVersionRecord {
    pub id: i64,
    pub dag_id: String,
    pub version: i32,
    pub content_hash: String,
    pub source: String,
    pub dag: Dag,
    pub git_commit: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The diagnostics of a DAG file that did not load.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportErrorRecord {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
    pub first_seen_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
