//! The lake's records in the state store: dataset versions (the registry, and lineage),
//! validation results, feature views and the online feature store.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A commit to a dataset, as the task that made it reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDatasetVersion {
    pub dataset: String,
    pub version: i64,
    /// `ingest`, `quarantine` (a rejects dataset) or `materialize`.
    pub operation: String,
    pub rows: i64,
    pub bytes: i64,
    /// The columns: `[{name, data_type, nullable}, ...]`.
    pub schema: Value,
    pub dag_id: Option<String>,
    pub run_id: Option<String>,
    pub task_id: Option<String>,
    /// The datasets the task read (`zone.name`), for lineage.
    pub inputs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetVersionRecord {
    pub dataset: String,
    pub version: i64,
    pub operation: String,
    pub rows: i64,
    pub bytes: i64,
    pub schema: Value,
    pub dag_id: Option<String>,
    pub run_id: Option<String>,
    pub task_id: Option<String>,
    pub inputs: Vec<String>,
    pub committed_at: DateTime<Utc>,
}

/// A dataset with its latest version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRecord {
    pub dataset: String,
    pub latest: DatasetVersionRecord,
    /// How many versions the registry holds.
    pub versions: i64,
}

/// An edge of the lineage graph: `input` was read by the task that wrote `output`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LineageEdge {
    pub input: String,
    pub dag_id: String,
    pub task_id: String,
    pub output: String,
}

/// The result of one validate task attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewValidation {
    pub dataset: String,
    pub version: i64,
    /// `latest` or `batch`.
    pub scope: String,
    pub dag_id: Option<String>,
    pub run_id: Option<String>,
    pub task_id: Option<String>,
    pub try_number: Option<i32>,
    /// No error-severity expectation failed.
    pub success: bool,
    pub passed: i32,
    pub failed: i32,
    pub warned: i32,
    pub rows: i64,
    /// Per expectation: name, kind, severity, passed, observed, unexpected count and percent,
    /// samples.
    pub results: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationRecord {
    pub id: i64,
    #[serde(flatten)]
    pub validation: NewValidation,
    pub validated_at: DateTime<Utc>,
}

/// A feature view as its last materialization left it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureViewInfo {
    pub view: String,
    pub entity: Vec<String>,
    pub features: Vec<String>,
    pub source: Option<String>,
    /// The newest as-of time materialized.
    pub as_of: DateTime<Utc>,
    pub rows: i64,
    /// The version of `features.<view>` written.
    pub version: i64,
    pub dag_id: Option<String>,
    pub task_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureViewRecord {
    #[serde(flatten)]
    pub info: FeatureViewInfo,
    pub updated_at: DateTime<Utc>,
}

/// One entity's latest feature values in the online store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnlineFeatures {
    /// The key columns' values joined by `|`.
    pub entity_key: String,
    /// Feature name -> value.
    pub features: Value,
    pub as_of: DateTime<Utc>,
}
