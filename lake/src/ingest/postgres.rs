//! `format: postgres`: a SQL query on a connection, as one database snapshot, into a dataset.
//!
//! The rows are read in a read-only REPEATABLE READ transaction ([`reader`]), converted to Arrow
//! by their PostgreSQL types ([`columns`]), and streamed into the same write as files: the
//! declared `schema` cast, the lineage columns (`_source` is `postgres:<connection>`), the drift
//! policy, one Delta commit that replaces this task instance's earlier batch. The connection's
//! URL comes resolved from the caller; its password appears in no error (see [`errors`]).

mod columns;
mod errors;
mod reader;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::catalog::streaming::StreamingTable;
use weir_core::connection::env_variable;
use weir_core::dag::task_types::{BadRows, LINEAGE_COLUMNS};

use self::columns::SourceColumn;
use self::reader::{Query, Snapshot};
use super::scan::{Lineage, typed_with_lineage};
use super::schema::{arrow_type, storable};
use super::{IngestOutcome, IngestRequest, Job, added_rows};
use crate::dataset::{DatasetName, Lake, describe};
use crate::error::{Context, LakeError, Result};
use crate::session::new_session;

/// Runs the source query of `request` into `target`; see the module docs.
pub(super) async fn ingest(
    lake: &Lake,
    request: &IngestRequest<'_>,
    target: &DatasetName,
) -> Result<IngestOutcome> {
    let task = request.task;
    let (Some(connection), Some(sql)) = (
        task.source.connection.as_deref(),
        task.source.query.as_deref(),
    ) else {
        return Err(LakeError::Invalid(
            "a postgres source needs `connection` and `query`".into(),
        ));
    };
    let Some(url) = request.connection_url else {
        return Err(LakeError::UnknownConnection {
            name: connection.to_string(),
            variable: format!(
                "{} or run `weir connections set {connection}`",
                env_variable(connection)
            ),
        });
    };
    let source = format!("postgres:{connection}");
    let snapshot = reader::open(&Query {
        connection,
        url,
        sql,
        declared: &task.schema,
    })
    .await?;
    let Snapshot {
        columns,
        rows,
        failure,
        bytes,
    } = snapshot;
    let schema = target_schema(&columns, task, &source)?;
    let ctx = new_session();
    let table = StreamingTable::try_new(rows_schema(&columns), vec![Arc::new(rows)])
        .context("reading the query's rows")?;
    let df = ctx
        .read_table(Arc::new(table))
        .context("reading the query's rows")?;
    let lineage = Lineage {
        batch_id: request.batch.id(),
        ingested_at_us: chrono::Utc::now().timestamp_micros(),
    };
    let df = typed_with_lineage(df, &schema, &lineage, &source)?;
    let job = Job {
        lake,
        ctx: &ctx,
        target,
        task,
        batch: request.batch,
    };
    let written = job.write_main(df).await;
    // The reader's own account of a failure reads better than the writer's.
    if let Some(e) = failure.lock().expect("the failure slot").take() {
        return Err(e);
    }
    let table = written?;
    let rejects = if task.on_bad_rows == BadRows::Quarantine {
        job.clear_rejects().await?
    } else {
        None
    };
    let info = describe(target, &table)?;
    Ok(IngestOutcome {
        rows: added_rows(&table).await,
        bytes: bytes.load(Ordering::Relaxed),
        version: info.version,
        rejected: 0,
        files: vec![source],
        dataset: info,
        rejects: rejects.map(|(_, v)| v),
    })
}

fn rows_schema(columns: &[SourceColumn]) -> SchemaRef {
    Arc::new(Schema::new(
        columns.iter().map(SourceColumn::field).collect::<Vec<_>>(),
    ))
}

/// The columns as loaded: each query column in its Arrow type, the declared type overriding;
/// a declared column the query lacks and a lineage name are errors.
fn target_schema(
    columns: &[SourceColumn],
    task: &weir_core::dag::task_types::IngestTask,
    source: &str,
) -> Result<SchemaRef> {
    for name in task.schema.keys() {
        if !columns.iter().any(|c| &c.name == name) {
            return Err(LakeError::UnknownColumn {
                column: name.clone(),
                place: format!("the result of the query on {source} (declared in `schema`)"),
                known: columns.iter().map(|c| c.name.clone()).collect(),
            });
        }
    }
    if let Some(c) = columns
        .iter()
        .find(|c| LINEAGE_COLUMNS.contains(&c.name.as_str()))
    {
        return Err(LakeError::Invalid(format!(
            "{source}: the query returns a column `{}`, a name Weir reserves for lineage (hint: alias it in the query)",
            c.name
        )));
    }
    let fields: Vec<Field> = columns
        .iter()
        .map(|c| {
            let t = match task.schema.get(&c.name) {
                Some(t) => arrow_type(*t),
                None => storable(&c.arrow),
            };
            Field::new(&c.name, t, true)
        })
        .collect();
    Ok(Arc::new(Schema::new(fields)))
}
