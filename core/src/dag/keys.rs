//! Every key the DAG language knows, in one place.
//!
//! The parser reads only these keys, the "did you mean" hints choose among them, and a test
//! checks that docs/dag.schema.json describes exactly these keys, so the three never drift.

/// The format version this build writes and reads. Files without `version` are version 1.
pub const FORMAT_VERSION: u64 = 1;

/// Top-level keys of a DAG file.
pub const DAG_KEYS: &[&str] = &[
    "version",
    "dag_id",
    "description",
    "owner",
    "tags",
    "schedule",
    "timezone",
    "start_date",
    "end_date",
    "catchup",
    "max_active_runs",
    "max_active_tasks",
    "params",
    "defaults",
    "tasks",
];

/// Keys of one entry under `params`.
pub const PARAM_KEYS: &[&str] = &[
    "type",
    "default",
    "description",
    "enum",
    "minimum",
    "maximum",
    "min_length",
    "max_length",
    "pattern",
];

/// The JSON types a param may declare.
pub const PARAM_TYPES: &[&str] = &["string", "integer", "number", "boolean", "array", "object"];

/// Keys that every task accepts, whatever its type.
pub const TASK_COMMON_KEYS: &[&str] = &[
    "type",
    "description",
    "needs",
    "trigger_rule",
    "retries",
    "retry_delay",
    "retry_backoff",
    "max_retry_delay",
    "timeout",
    "pool",
    "priority",
    "queue",
    "env",
];

/// Keys allowed under `defaults`: the common task keys that make sense for every task.
pub const DEFAULTS_KEYS: &[&str] = &[
    "trigger_rule",
    "retries",
    "retry_delay",
    "retry_backoff",
    "max_retry_delay",
    "timeout",
    "pool",
    "priority",
    "queue",
    "env",
];

pub const TASK_TYPES: &[&str] = &["shell", "noop", "ingest", "validate", "materialize"];

pub const SHELL_KEYS: &[&str] = &["run", "shell", "workdir"];
pub const NOOP_KEYS: &[&str] = &[];
pub const INGEST_KEYS: &[&str] = &[
    "source",
    "into",
    "schema",
    "mode",
    "on_schema_drift",
    "on_bad_rows",
];
pub const INGEST_SOURCE_KEYS: &[&str] = &[
    "format",
    "path",
    "delimiter",
    "header",
    "connection",
    "query",
];
pub const INGEST_FORMATS: &[&str] = &["csv", "jsonl", "parquet", "postgres"];
pub const INGEST_MODES: &[&str] = &["append", "replace"];
pub const SCHEMA_DRIFT_POLICIES: &[&str] = &["fail", "evolve", "ignore"];
pub const BAD_ROW_POLICIES: &[&str] = &["fail", "quarantine"];
/// Column types for declared ingest schemas and `column_type` expectations.
pub const COLUMN_TYPES: &[&str] = &[
    "string",
    "int32",
    "int64",
    "float32",
    "float64",
    "boolean",
    "date",
    "timestamp",
];

pub const VALIDATE_KEYS: &[&str] = &["dataset", "scope", "expect"];
pub const VALIDATE_SCOPES: &[&str] = &["latest", "batch"];
/// Expectation kinds, each the single key of one item of `expect`.
pub const EXPECTATION_KINDS: &[&str] = &[
    "not_null",
    "unique",
    "between",
    "in_set",
    "matches",
    "column_type",
    "row_count",
    "min_between",
    "max_between",
    "mean_between",
    "freshness",
    "sql",
    "referential",
];
/// Keys every expectation accepts in its long form, besides its own.
pub const EXPECTATION_COMMON_KEYS: &[&str] = &["severity", "mostly", "name"];
pub const SEVERITIES: &[&str] = &["error", "warn"];

pub const MATERIALIZE_KEYS: &[&str] = &[
    "source",
    "view",
    "entity",
    "timestamp",
    "window",
    "features",
    "query",
    "online",
];
pub const FEATURE_KEYS: &[&str] = &["expr", "filter"];

pub const TRIGGER_RULES: &[&str] = &[
    "all_success",
    "all_failed",
    "all_done",
    "one_success",
    "one_failed",
    "none_failed",
    "none_failed_min_one_success",
    "none_skipped",
    "always",
];

pub const RETRY_BACKOFFS: &[&str] = &["constant", "exponential"];

/// Root names a template may read. `params` and `outputs` are checked further.
pub const TEMPLATE_VARIABLES: &[&str] = &[
    "ds",
    "ds_nodash",
    "ts",
    "logical_date",
    "data_interval_start",
    "data_interval_end",
    "run_id",
    "dag_id",
    "task_id",
    "try_number",
    "params",
    "outputs",
];

/// The keys of an expectation's long form, by kind (besides `EXPECTATION_COMMON_KEYS`).
pub fn expectation_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "not_null" => &["column"],
        "unique" => &["column", "columns"],
        "between" | "min_between" | "max_between" | "mean_between" => &["column", "min", "max"],
        "in_set" => &["column", "values"],
        "matches" => &["column", "pattern"],
        "column_type" => &["column", "type"],
        "row_count" => &["min", "max"],
        "freshness" => &["column", "max_age"],
        "sql" => &["condition"],
        "referential" => &["column", "dataset", "ref_column"],
        _ => &[],
    }
}
