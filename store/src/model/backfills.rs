use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a backfill is: the scheduler drives `running` ones; the other two are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackfillState {
    Running,
    Completed,
    Cancelled,
}

impl BackfillState {
    pub fn as_str(self) -> &'static str {
        match self {
            BackfillState::Running => "running",
            BackfillState::Completed => "completed",
            BackfillState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            BackfillState::Running,
            BackfillState::Completed,
            BackfillState::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// Whether a backfill in this state may be moved to `to`: only a running backfill moves,
    /// to completed or cancelled. A backfill is run again by creating a new one.
    pub fn can_become(self, to: BackfillState) -> bool {
        self == BackfillState::Running && to != BackfillState::Running
    }
}

impl std::fmt::Display for BackfillState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A backfill to create: the runs of `dag_id` with logical dates in [from_date, to_date],
/// at most `max_active_runs` at a time. It starts `running`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBackfill {
    pub dag_id: String,
    pub from_date: DateTime<Utc>,
    pub to_date: DateTime<Utc>,
    pub max_active_runs: i32,
    /// Whether failed runs already in the range run their failed tasks again.
    pub rerun_failed: bool,
    pub created_by: String,
}

/// A row of `backfills`, with the runs that belong to it (`dag_runs.backfill_id`) counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillRecord {
    pub id: i64,
    pub dag_id: String,
    pub from_date: DateTime<Utc>,
    pub to_date: DateTime<Utc>,
    pub max_active_runs: i32,
    pub rerun_failed: bool,
    pub state: BackfillState,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it left `running` (completed or cancelled).
    pub completed_at: Option<DateTime<Utc>>,
    /// Its runs in all.
    pub runs_total: i64,
    pub runs_success: i64,
    pub runs_failed: i64,
    /// Its runs that are queued or running.
    pub runs_active: i64,
}
