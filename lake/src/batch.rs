//! A batch: the rows one task instance wrote, identified in the `_batch_id` lineage column.

use serde::{Deserialize, Serialize};

/// The task instance that writes (or reads) a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub dag_id: String,
    pub run_id: String,
    pub task_id: String,
}

impl Batch {
    /// `<dag_id>/<run_id>/<task_id>`: a re-run of the same task instance replaces exactly the
    /// rows with this id, and two ingest tasks of one run writing one dataset never replace each
    /// other's rows.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.dag_id, self.run_id, self.task_id)
    }

    /// The prefix every batch of this run shares: `validate` with `scope: batch` reads the rows
    /// whose `_batch_id` starts with it.
    pub fn run_prefix(&self) -> String {
        format!("{}/{}/", self.dag_id, self.run_id)
    }
}
