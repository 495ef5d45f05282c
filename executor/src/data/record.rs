//! What a data task leaves in the state store besides its output: dataset versions (the
//! registry and lineage), a validation result, a feature view and its online rows.

use std::time::Duration;

use weir_store::{FeatureViewInfo, NewDatasetVersion, NewValidation, OnlineFeatures, Store};

use crate::worker::retry::persist;

/// The records of one data task attempt.
#[derive(Debug, Default)]
pub struct Records {
    pub versions: Vec<NewDatasetVersion>,
    pub validation: Option<NewValidation>,
    pub feature_view: Option<FeatureViewInfo>,
    pub online: Vec<OnlineFeatures>,
}

/// Online rows per upsert: one transaction each, so a large view does not hold one for long.
const ONLINE_CHUNK: usize = 5_000;

/// Writes the records, each through passing database errors for at most `budget`. The lake
/// has committed already: these describe what it holds, and repeating one is harmless (a
/// version or feature view recorded again replaces itself; online rows are upserts).
pub(crate) async fn record(
    store: &dyn Store,
    records: &Records,
    try_number: i32,
    budget: Duration,
) -> weir_store::Result<()> {
    for version in &records.versions {
        persist("recording a dataset version", budget, || {
            store.record_dataset_version(version)
        })
        .await?;
    }
    if let Some(validation) = &records.validation {
        let validation = NewValidation {
            try_number: Some(try_number),
            ..validation.clone()
        };
        persist("recording a validation", budget, || {
            store.record_validation(&validation)
        })
        .await?;
    }
    if let Some(view) = &records.feature_view {
        for chunk in records.online.chunks(ONLINE_CHUNK) {
            persist("writing online features", budget, || {
                store.upsert_online_features(&view.view, chunk)
            })
            .await?;
        }
        persist("recording the feature view", budget, || {
            store.upsert_feature_view(view)
        })
        .await?;
    }
    Ok(())
}
