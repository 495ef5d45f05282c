//! Writing a plan's rows into a dataset in one Delta commit: either the whole table is
//! replaced, or only the rows of one batch (or one as-of time), so that re-running a task
//! replaces what it wrote before instead of adding to it.
//!
//! The Parquet files are deltalake's (Snappy) but for a smaller dictionary page: the writer
//! dictionary-encodes every column and falls back to plain encoding only when a column chunk's
//! dictionary outgrows that page. With the default (1 MiB) a column of 100,000 distinct ids
//! is interned value by value through most of each row group, most of an ingest's time; at
//! [`DICTIONARY_PAGE_BYTES`] such columns give up after a few thousand values, while columns
//! of few values (event types, the lineage columns) stay dictionary-encoded.

use std::sync::Arc;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::{DataFrame, Expr, SessionContext};
use deltalake::DeltaTable;
use deltalake::kernel::transaction::CommitProperties;
use deltalake::operations::write::SchemaMode;
use deltalake::parquet::basic::Compression;
use deltalake::parquet::file::properties::WriterProperties;
use deltalake::protocol::SaveMode;

use crate::error::{Context, Result};

/// The largest dictionary page of a column chunk; see the module docs.
const DICTIONARY_PAGE_BYTES: usize = 64 * 1024;

/// The Parquet settings of every file the lake writes.
fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_created_by(format!("weir {}", env!("CARGO_PKG_VERSION")))
        .set_compression(Compression::SNAPPY)
        .set_dictionary_page_size_limit(DICTIONARY_PAGE_BYTES)
        .build()
}

/// Which existing rows a write replaces.
#[derive(Debug, Clone)]
pub enum Replace {
    /// Every row: the table becomes what is written.
    All,
    /// The rows matching the predicate (e.g. `_batch_id = 'x'`); the written rows must match it.
    Where(Expr),
}

/// What a write needs besides the rows.
#[derive(Debug, Clone)]
pub struct WriteSpec {
    pub replace: Replace,
    /// Add the written columns the table lacks.
    pub merge_schema: bool,
    /// Replace the table's schema too (only with `Replace::All`).
    pub overwrite_schema: bool,
    /// Recorded in the Delta commit: who wrote it.
    pub commit_info: serde_json::Map<String, serde_json::Value>,
}

/// Writes `df` (planned in `ctx`) into `table` in one commit and returns the table at the new
/// version. On any error no commit is made, so readers never see part of it.
pub async fn write(
    table: DeltaTable,
    ctx: &SessionContext,
    df: DataFrame,
    spec: WriteSpec,
    what: &str,
) -> Result<DeltaTable> {
    let plan = df.into_unoptimized_plan();
    let mut builder = table
        .write(Vec::<RecordBatch>::new())
        .with_input_plan(plan)
        .with_session_state(Arc::new(ctx.state()))
        .with_save_mode(SaveMode::Overwrite)
        .with_writer_properties(writer_properties())
        .with_commit_properties(CommitProperties::default().with_metadata(spec.commit_info));
    if let Replace::Where(predicate) = spec.replace {
        builder = builder.with_replace_where(predicate);
    }
    if spec.overwrite_schema {
        builder = builder.with_schema_mode(SchemaMode::Overwrite);
    } else if spec.merge_schema {
        builder = builder.with_schema_mode(SchemaMode::Merge);
    }
    builder.await.context(format!("writing {what}"))
}
