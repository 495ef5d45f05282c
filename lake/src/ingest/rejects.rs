//! The rejects dataset `<zone>.<name>_rejects`: the rows an ingest could not load, each with
//! its file, row number, column, value, reason and the row as read.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray, TimestampMicrosecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::MemTable;

use super::Job;
use super::rows::Reject;
use super::scan::Lineage;
use super::schema::utc_micros;
use crate::dataset::{VersionInfo, describe};
use crate::error::{Context, Result};
use crate::write::{Replace, WriteSpec, write as write_table};

fn rejects_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("_row", DataType::Int64, true),
        Field::new("_column", DataType::Utf8, true),
        Field::new("_value", DataType::Utf8, true),
        Field::new("_reason", DataType::Utf8, true),
        Field::new("_record", DataType::Utf8, true),
        Field::new("_batch_id", DataType::Utf8, true),
        Field::new("_ingested_at", utc_micros(), true),
        Field::new("_source", DataType::Utf8, true),
    ]))
}

/// Replaces this batch's rows of the rejects dataset with `rejects`, in one commit.
pub(super) async fn write(
    job: &Job<'_>,
    rejects: Vec<Reject>,
    lineage: &Lineage,
) -> Result<VersionInfo> {
    let name = job.target.rejects();
    let n = rejects.len();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(
            rejects.iter().map(|r| r.row as i64),
        )),
        Arc::new(StringArray::from_iter(
            rejects.iter().map(|r| r.column.as_deref()),
        )),
        Arc::new(StringArray::from_iter(
            rejects.iter().map(|r| r.value.as_deref()),
        )),
        Arc::new(StringArray::from_iter_values(
            rejects.iter().map(|r| r.reason.as_str()),
        )),
        Arc::new(StringArray::from_iter_values(
            rejects.iter().map(|r| r.record.as_str()),
        )),
        Arc::new(StringArray::from_iter_values(std::iter::repeat_n(
            lineage.batch_id.as_str(),
            n,
        ))),
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(std::iter::repeat_n(
                lineage.ingested_at_us,
                n,
            ))
            .with_timezone("UTC"),
        ),
        Arc::new(StringArray::from_iter_values(
            rejects.iter().map(|r| r.file.as_str()),
        )),
    ];
    let batch =
        RecordBatch::try_new(rejects_schema(), columns).context("collecting rejected rows")?;
    let mem = MemTable::try_new(rejects_schema(), vec![vec![batch]])
        .context("collecting rejected rows")?;
    let df = job
        .ctx
        .read_table(Arc::new(mem))
        .context("collecting rejected rows")?;
    let table = job.lake.handle(&name).await?;
    let spec = WriteSpec {
        replace: Replace::Where(job.batch_predicate()),
        merge_schema: false,
        overwrite_schema: false,
        commit_info: job.commit_info(),
    };
    let table = write_table(table, job.ctx, df, spec, &format!("dataset `{name}`")).await?;
    describe(&name, &table)
}
