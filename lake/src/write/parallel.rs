//! A write that only adds files (see [`super::plain`]), one Delta writer per partition of the
//! plan, in parallel, then one commit of all the files.
//!
//! Why not deltalake's own write: for a table without partition columns it drains every
//! partition into a single parquet writer, so encoding runs on one core (7 s of 10 million
//! rows here), and the partitions' rows are interleaved in its row groups. Here each partition
//! (a byte range of a CSV file, say) is parsed and encoded on its own thread into files of its
//! own, so rows that were near in the source stay near in the files, and row-group statistics
//! (on an event time, say) prune reads.
//!
//! Atomic as deltalake's: the files are invisible until the commit, and a failure before it
//! aborts every writer. The commit records the same operation (a write replacing the
//! predicate's rows, of which there were none), so a concurrent writer of the same rows is a
//! conflict, not a duplicate.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::TaskContext;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties};
use datafusion::prelude::{DataFrame, SessionContext};
use deltalake::DeltaTable;
use deltalake::datafile::writer::{DeltaWriter, WriterConfig};
use deltalake::delta_datafusion::expr::fmt_expr_to_sql;
use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::kernel::transaction::{CommitBuilder, CommitProperties};
use deltalake::kernel::{Action, Add, StructType};
use deltalake::logstore::ObjectStoreRef;
use deltalake::operations::create::CreateBuilder;
use deltalake::operations::write::WriterStatsConfig;
use deltalake::parquet::basic::Compression;
use deltalake::parquet::file::properties::WriterProperties;
use deltalake::protocol::{DeltaOperation, SaveMode};
use deltalake::table::config::{DEFAULT_TARGET_FILE_SIZE, TablePropertiesExt};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::{Replace, WriteSpec};
use crate::error::{Context, LakeError, Result};

/// Rows handed to the parquet writer at a time; the file size is checked between them.
const WRITE_BATCH_ROWS: usize = 8192;
/// Rows per row group: a day of the benchmark's clickstream is about 330,000 events, so a
/// window of days reads whole row groups of the days it covers and skips the others.
const ROW_GROUP_ROWS: usize = 256 * 1024;

/// Writes `df` into `table` as new files and commits them; see the module docs.
pub(super) async fn append(
    table: DeltaTable,
    ctx: &SessionContext,
    df: DataFrame,
    spec: WriteSpec,
    what: &str,
) -> Result<DeltaTable> {
    let plan = df
        .create_physical_plan()
        .await
        .context(format!("planning the write of {what}"))?;
    let schema = plan.schema();
    let (config, store) = writer_config(&table, &schema);
    let (adds, rows) = write_files(plan, ctx.task_ctx(), config, store)
        .await
        .map_err(|e| LakeError::Invalid(format!("writing {what}: {e}")))?;
    commit(table, &schema, adds, rows, spec)
        .await
        .map_err(|e| LakeError::Invalid(format!("committing {what}: {e}")))
}

fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_created_by(format!("weir {}", env!("CARGO_PKG_VERSION")))
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build()
}

fn writer_config(table: &DeltaTable, schema: &SchemaRef) -> (WriterConfig, ObjectStoreRef) {
    // As deltalake's write: the table's file size and statistics columns, or the defaults.
    let (target_file_size, stats) = match table.snapshot() {
        Ok(state) => (
            state.table_config().target_file_size(),
            WriterStatsConfig::from_config(state.snapshot().table_configuration()),
        ),
        Err(_) => (
            DEFAULT_TARGET_FILE_SIZE,
            WriterStatsConfig::new(Default::default(), None),
        ),
    };
    let config = WriterConfig::new(
        schema.clone(),
        Vec::new(),
        Some(writer_properties()),
        Some(target_file_size),
        Some(WRITE_BATCH_ROWS),
        stats.num_indexed_cols,
        stats.stats_columns,
    );
    (config, table.log_store().object_store(None))
}

/// Each partition of `plan` through a writer of its own, on a task of its own.
async fn write_files(
    plan: Arc<dyn ExecutionPlan>,
    task_ctx: Arc<TaskContext>,
    config: WriterConfig,
    store: ObjectStoreRef,
) -> anyhow::Result<(Vec<Add>, u64)> {
    let schema = plan.schema();
    let mut writers = JoinSet::new();
    for partition in 0..plan.output_partitioning().partition_count() {
        let mut stream = plan.execute(partition, task_ctx.clone())?;
        let mut writer = DeltaWriter::new(store.clone(), config.clone());
        let schema = schema.clone();
        writers.spawn(async move {
            let mut rows = 0u64;
            while let Some(batch) = stream.next().await {
                let written = match batch {
                    Ok(batch) => {
                        rows += batch.num_rows() as u64;
                        write_batch(&mut writer, &schema, batch).await
                    }
                    Err(e) => Err(anyhow::Error::from(e)),
                };
                if let Err(e) = written {
                    // Its files were never committed; abort their uploads too.
                    let _ = writer.abort().await;
                    return Err(e);
                }
            }
            let adds = writer.close().await?;
            anyhow::Ok((adds, rows))
        });
    }
    let (mut adds, mut rows) = (Vec::new(), 0u64);
    while let Some(done) = writers.join_next().await {
        match done.map_err(anyhow::Error::from).and_then(|r| r) {
            Ok((mut a, r)) => {
                adds.append(&mut a);
                rows += r;
            }
            Err(e) => {
                writers.abort_all();
                return Err(e);
            }
        }
    }
    Ok((adds, rows))
}

/// The writer takes batches of exactly the plan's schema; a union's inputs may differ from it
/// in nullability or field metadata only, so they are relabelled (nulls are still checked).
async fn write_batch(
    writer: &mut DeltaWriter,
    schema: &SchemaRef,
    batch: RecordBatch,
) -> anyhow::Result<()> {
    let batch = if batch.schema() == *schema {
        batch
    } else {
        RecordBatch::try_new(schema.clone(), batch.columns().to_vec())?
    };
    writer.write(&batch).await?;
    Ok(())
}

/// One commit: the table's creation with the files, or a write adding them, with the metrics
/// deltalake's own write records (the ingest reads `num_added_rows` back).
async fn commit(
    mut table: DeltaTable,
    schema: &SchemaRef,
    adds: Vec<Add>,
    rows: u64,
    spec: WriteSpec,
) -> anyhow::Result<DeltaTable> {
    let mut metadata: HashMap<String, Value> = spec.commit_info.into_iter().collect();
    metadata.insert(
        "operationMetrics".into(),
        json!({
            "num_added_files": adds.len(),
            "num_added_rows": rows,
            "num_removed_files": 0,
        }),
    );
    let properties = CommitProperties::default().with_metadata(metadata);
    let actions: Vec<Action> = adds.into_iter().map(Action::Add).collect();
    if table.version().is_none() {
        let columns: StructType = schema.as_ref().try_into_kernel()?;
        let created = CreateBuilder::new()
            .with_log_store(table.log_store())
            .with_columns(columns.fields().cloned())
            .with_save_mode(SaveMode::ErrorIfExists)
            .with_actions(actions)
            .with_commit_properties(properties)
            .await?;
        return Ok(created);
    }
    let predicate = match &spec.replace {
        Replace::Where(p) => Some(fmt_expr_to_sql(p)?),
        Replace::All => None,
    };
    let operation = DeltaOperation::Write {
        mode: SaveMode::Overwrite,
        partition_by: None,
        predicate,
    };
    let state = table.snapshot()?.clone();
    let done = CommitBuilder::from(properties)
        .with_actions(actions)
        .build(Some(&state), table.log_store(), operation)
        .await?;
    table.update_incremental(Some(done.version)).await?;
    Ok(table)
}
