//! DAG versions are immutable, so a scheduler or worker reads each from the store once.

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::Result;
use crate::store::Store;
use weir_core::dag::Dag;

#[derive(Debug, Default)]
pub struct VersionCache {
    dags: HashMap<i64, Arc<Dag>>,
}

impl VersionCache {
    pub async fn get(&mut self, store: &dyn Store, version_id: i64) -> Result<Arc<Dag>> {
        if let Some(dag) = self.dags.get(&version_id) {
            return Ok(dag.clone());
        }
        let record = store.get_dag_version(version_id).await?;
        let dag = Arc::new(record.dag);
        self.dags.insert(version_id, dag.clone());
        Ok(dag)
    }
}
