//! The options of each task type, as parsed. The executor and the lake run them.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::duration::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TaskKind {
    Shell(ShellTask),
    Noop,
    Ingest(IngestTask),
    Validate(ValidateTask),
    Materialize(MaterializeTask),
}

impl TaskKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            TaskKind::Shell(_) => "shell",
            TaskKind::Noop => "noop",
            TaskKind::Ingest(_) => "ingest",
            TaskKind::Validate(_) => "validate",
            TaskKind::Materialize(_) => "materialize",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShellTask {
    /// The command (a template).
    pub run: String,
    /// The interpreter, called as `<shell> -c <run>`.
    pub shell: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    Csv,
    Jsonl,
    Parquet,
    Postgres,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestSource {
    pub format: SourceFormat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub delimiter: char,
    pub header: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    String,
    Int32,
    Int64,
    Float32,
    Float64,
    Boolean,
    Date,
    Timestamp,
}

impl ColumnType {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "string" => ColumnType::String,
            "int32" => ColumnType::Int32,
            "int64" => ColumnType::Int64,
            "float32" => ColumnType::Float32,
            "float64" => ColumnType::Float64,
            "boolean" => ColumnType::Boolean,
            "date" => ColumnType::Date,
            "timestamp" => ColumnType::Timestamp,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestMode {
    Append,
    Replace,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemaDrift {
    Fail,
    Evolve,
    Ignore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BadRows {
    Fail,
    Quarantine,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestTask {
    pub source: IngestSource,
    pub into: String,
    #[serde(default)]
    pub schema: IndexMap<String, ColumnType>,
    pub mode: IngestMode,
    pub on_schema_drift: SchemaDrift,
    pub on_bad_rows: BadRows,
}

/// Columns every ingest adds to each row, for lineage.
pub const LINEAGE_COLUMNS: &[&str] = &["_batch_id", "_ingested_at", "_source"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidateScope {
    Latest,
    Batch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateTask {
    pub dataset: String,
    pub scope: ValidateScope,
    pub expect: Vec<Expectation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warn,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expectation {
    #[serde(flatten)]
    pub check: Check,
    pub severity: Severity,
    /// The fraction of rows that must pass, in (0, 1].
    pub mostly: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A bound pair where at least one side is set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Check {
    NotNull {
        column: String,
    },
    Unique {
        columns: Vec<String>,
    },
    Between {
        column: String,
        bounds: Bounds,
    },
    InSet {
        column: String,
        values: Vec<serde_json::Value>,
    },
    Matches {
        column: String,
        pattern: String,
    },
    ColumnType {
        column: String,
        column_type: ColumnType,
    },
    RowCount {
        bounds: Bounds,
    },
    MinBetween {
        column: String,
        bounds: Bounds,
    },
    MaxBetween {
        column: String,
        bounds: Bounds,
    },
    MeanBetween {
        column: String,
        bounds: Bounds,
    },
    Freshness {
        column: String,
        max_age: Duration,
    },
    Sql {
        condition: String,
    },
    Referential {
        column: String,
        dataset: String,
        ref_column: String,
    },
}

impl Check {
    /// The columns of the checked dataset this expectation reads.
    pub fn columns(&self) -> Vec<&str> {
        match self {
            Check::Unique { columns } => columns.iter().map(String::as_str).collect(),
            Check::NotNull { column }
            | Check::Between { column, .. }
            | Check::InSet { column, .. }
            | Check::Matches { column, .. }
            | Check::ColumnType { column, .. }
            | Check::MinBetween { column, .. }
            | Check::MaxBetween { column, .. }
            | Check::MeanBetween { column, .. }
            | Check::Freshness { column, .. }
            | Check::Referential { column, .. } => vec![column.as_str()],
            Check::RowCount { .. } | Check::Sql { .. } => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feature {
    /// A SQL aggregate expression, e.g. `sum(amount)`.
    pub expr: String,
    /// A SQL condition on the rows the aggregate reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterializeTask {
    pub source: String,
    pub view: String,
    pub entity: Vec<String>,
    pub timestamp: String,
    /// A duration template, rendered per run (e.g. `{{ params.lookback_days }}d`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    #[serde(default)]
    pub features: IndexMap<String, Feature>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    pub online: bool,
}
