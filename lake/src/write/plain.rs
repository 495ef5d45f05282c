//! When a write only adds files: the table is new, or a plain table (no constraints, invariants,
//! generated columns, column mapping, change data feed: writer protocol 2 or lower) with the
//! incoming columns exactly, and holds no row the write would replace. Then nothing needs to be
//! rewritten, checked against constraints or cast, and [`super::parallel`] may write it.

use datafusion::arrow::datatypes::{DataType, Schema, TimeUnit};
use datafusion::prelude::SessionContext;
use deltalake::DeltaTable;

use super::{Replace, WriteSpec};
use crate::error::{Context, Result};

/// Whether writing rows of `incoming` under `spec` only adds files to `table`.
pub(super) async fn only_adds(
    table: &DeltaTable,
    ctx: &SessionContext,
    incoming: &Schema,
    spec: &WriteSpec,
) -> Result<bool> {
    if !incoming.fields().iter().all(|f| plain_type(f.data_type())) {
        return Ok(false);
    }
    if table.version().is_none() {
        // A new table: there is nothing to replace, and it gets the incoming columns.
        return Ok(true);
    }
    let Replace::Where(predicate) = &spec.replace else {
        return Ok(false);
    };
    if spec.merge_schema || spec.overwrite_schema {
        return Ok(false);
    }
    let state = table.snapshot().context("reading the table's state")?;
    let protocol = serde_json::to_value(state.protocol()).context("reading the protocol")?;
    let writer_version = protocol
        .get("minWriterVersion")
        .and_then(|v| v.as_i64())
        .unwrap_or(i64::MAX);
    if writer_version > 2 || state.schema().fields().any(|f| !f.metadata.is_empty()) {
        return Ok(false);
    }
    if !same_columns(&state.snapshot().arrow_schema(), incoming) {
        return Ok(false);
    }
    // Rows the predicate would replace: usually none (a new batch, a new as-of time), found
    // from the files' statistics or a scan of that one column.
    let provider = table
        .table_provider()
        .await
        .context("reading the table")?;
    let matching = ctx
        .read_table(provider)
        .and_then(|df| df.filter(predicate.clone()))
        .and_then(|df| df.limit(0, Some(1)))
        .context("looking for the rows a write replaces")?
        .collect()
        .await
        .context("looking for the rows a write replaces")?;
    Ok(matching.iter().all(|b| b.num_rows() == 0))
}

/// Types stored as they are in Arrow and in Delta, so that files written from the plan's
/// batches are what deltalake's own writer would have written.
fn plain_type(t: &DataType) -> bool {
    match t {
        DataType::Utf8
        | DataType::Binary
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::Float32
        | DataType::Float64
        | DataType::Date32 => true,
        DataType::Timestamp(TimeUnit::Microsecond, Some(tz)) => tz.as_ref() == "UTC",
        _ => false,
    }
}

/// The same names, types and nullability, in the same order.
fn same_columns(table: &Schema, incoming: &Schema) -> bool {
    table.fields().len() == incoming.fields().len()
        && table.fields().iter().zip(incoming.fields()).all(|(a, b)| {
            a.name() == b.name()
                && a.data_type() == b.data_type()
                && a.is_nullable() == b.is_nullable()
        })
}
