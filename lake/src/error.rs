//! The lake's errors: each names what the user has to fix (the file, row, column and value, the
//! dataset) and, where it helps, a hint.

use std::path::PathBuf;

/// An error of a lake operation. Whatever the error, nothing was committed to a dataset.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    /// The lake URL cannot be used.
    #[error("invalid lake URL `{url}`: {reason}")]
    BadUrl { url: String, reason: String },

    /// A dataset name that is not `zone.name`.
    #[error(
        "invalid dataset name `{name}`: {reason} (hint: write `zone.name`, e.g. `raw.clicks`, each part made of A-Z a-z 0-9 _)"
    )]
    BadDatasetName { name: String, reason: String },

    /// A dataset that does not exist; `known` lists those that do.
    #[error("unknown dataset `{name}`; known datasets: {}", known_list(.known))]
    UnknownDataset { name: String, known: Vec<String> },

    /// A dataset version that does not exist.
    #[error("dataset `{name}` has no version {version} (latest: {latest})")]
    UnknownVersion {
        name: String,
        version: i64,
        latest: i64,
    },

    /// No file matched the source path or glob.
    #[error("no file matches `{path}`{}", hint_suffix(.hint))]
    NoSourceFiles { path: String, hint: Option<String> },

    /// A source file cannot be read.
    #[error("cannot read `{}`: {reason}", .path.display())]
    SourceIo { path: PathBuf, reason: String },

    /// A malformed row in a source file (when bad rows fail the task).
    #[error("{0}")]
    BadRow(Box<RowError>),

    /// The incoming columns differ from the dataset's, and the policy is `fail`.
    #[error("schema drift on `{dataset}`: {}. Hint: set `on_schema_drift: evolve` to add new columns, or `ignore` to keep the table's columns", .changes.join("; "))]
    SchemaDrift {
        dataset: String,
        changes: Vec<String>,
    },

    /// A column the task names does not exist in the data.
    #[error("column `{column}` does not exist in {place}; columns: {}", .known.join(", "))]
    UnknownColumn {
        column: String,
        place: String,
        known: Vec<String>,
    },

    /// The task's options cannot be used as written (a bad window, an empty feature list, ...).
    #[error("{0}")]
    Invalid(String),

    /// A connection named by a task is not configured.
    #[error(
        "connection `{name}` is not configured (hint: set the environment variable {variable})"
    )]
    UnknownConnection { name: String, variable: String },

    /// A SQL expression or query the user wrote does not plan or run.
    #[error("{what}: {reason}")]
    Sql { what: String, reason: String },

    /// The query engine or the table format failed.
    #[error("{context}: {source}")]
    Engine {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Where a malformed row is and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    /// 1-based: a text file's line (a CSV header is line 1), a Parquet file's row.
    pub row: u64,
    pub column: Option<String>,
    pub value: Option<String>,
    pub reason: String,
    pub hint: Option<String>,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: row {}{}: {}{}",
            self.file,
            self.row,
            column_part(&self.column, &self.value),
            self.reason,
            hint_suffix(&self.hint)
        )
    }
}

pub type Result<T, E = LakeError> = std::result::Result<T, E>;

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        "none yet (hint: an ingest task creates a dataset)".to_string()
    } else {
        known.join(", ")
    }
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref()
        .map(|h| format!(" (hint: {h})"))
        .unwrap_or_default()
}

fn column_part(column: &Option<String>, value: &Option<String>) -> String {
    match (column, value) {
        (Some(c), Some(v)) => format!(", column `{c}`, value `{v}`"),
        (Some(c), None) => format!(", column `{c}`"),
        _ => String::new(),
    }
}

/// Wraps an engine error with what was being done.
pub(crate) trait Context<T> {
    fn context(self, context: impl Into<String>) -> Result<T>;
}

impl<T, E: std::error::Error + Send + Sync + 'static> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|e| LakeError::Engine {
            context: context.into(),
            source: Box::new(e),
        })
    }
}
