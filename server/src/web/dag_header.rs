//! The head of every page about one DAG: its id, description, schedule, pause state and the
//! tabs (grid, graph, runs, code, details).

use std::sync::Arc;

use weir_core::dag::Dag;
use weir_store::DagRecord;

use super::page::PageError;
use crate::api::dags::find_dag;
use crate::app::AppState;

pub struct DagHeader {
    pub dag_id: String,
    pub description: String,
    pub schedule: String,
    pub paused: bool,
    pub tags: Vec<String>,
    /// grid, graph, runs, code or details.
    pub tab: &'static str,
}

impl DagHeader {
    pub fn new(record: &DagRecord, tab: &'static str) -> Self {
        DagHeader {
            dag_id: record.dag_id.clone(),
            description: record.summary.description.clone().unwrap_or_default(),
            schedule: record
                .summary
                .schedule
                .clone()
                .unwrap_or_else(|| "manual".into()),
            paused: record.is_paused,
            tags: record.summary.tags.clone(),
            tab,
        }
    }

    pub fn is(&self, tab: &str) -> bool {
        self.tab == tab
    }
}

/// The DAG (404 page if unknown) and its latest parsed version, if it has one that loads.
pub async fn load(
    state: &AppState,
    dag_id: &str,
) -> Result<(DagRecord, Option<Arc<Dag>>), PageError> {
    let record = find_dag(state, dag_id).await?;
    let dag = match record.latest_version_id {
        Some(id) => Some(state.dag_version(id).await?),
        None => None,
    };
    Ok((record, dag))
}
