//! The DataFusion sessions lake operations run in.

use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::SessionContext;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::SessionConfig;
use deltalake::delta_datafusion::planner::DeltaPlanner;

/// A session for one operation, with deltalake's planner (its writes are plan nodes of their
/// own). Strings stay `Utf8` when files are read (no view types), so that what is written to a
/// Delta table has the plain types every reader knows; identifiers keep their case, as column
/// names in files do.
pub(crate) fn new_session() -> SessionContext {
    let mut config = SessionConfig::new()
        .with_batch_size(8192)
        .with_repartition_file_scans(true)
        .with_repartition_file_min_size(8 * 1024 * 1024)
        .with_information_schema(false);
    let options = config.options_mut();
    options.execution.parquet.schema_force_view_types = false;
    options.sql_parser.enable_ident_normalization = false;
    options.sql_parser.map_string_types_to_utf8view = false;
    // As deltalake's own sessions: its IN-list pushdown can fail on dictionary join keys.
    options.optimizer.hash_join_inlist_pushdown_max_size = 0;
    options
        .optimizer
        .hash_join_inlist_pushdown_max_distinct_values = 0;
    let runtime = RuntimeEnvBuilder::new()
        .build_arc()
        .expect("the default runtime builds");
    let state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .with_runtime_env(runtime)
        .with_query_planner(DeltaPlanner::new())
        .build();
    let ctx = SessionContext::new_with_state(state);
    crate::functions::register(&ctx);
    ctx
}

/// A SQL identifier, quoted.
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A SQL string literal.
pub(crate) fn string_lit(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}
