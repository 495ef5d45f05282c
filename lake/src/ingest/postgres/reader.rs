//! Reading the query's rows in one read-only REPEATABLE READ transaction (one consistent
//! snapshot), in record batches of [`BATCH_ROWS`], through a channel of two batches: however
//! large the result, memory holds a few batches. The reader runs on a task of its own that owns
//! the connection; the Delta writer pulls the batches as a DataFusion stream.

use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::DataFusionError;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use futures::TryStreamExt;
use indexmap::IndexMap;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::{Column, Connection, Executor, Row, Statement, TypeInfo, ValueRef};
use tokio::sync::{mpsc, oneshot};
use weir_core::connection::ConnectionUrl;
use weir_core::dag::task_types::ColumnType;

use super::columns::{Builder, SourceColumn, reading_query};
use super::errors::Place;
use crate::error::{LakeError, Result};

/// Rows per record batch.
pub const BATCH_ROWS: usize = 8192;

/// Batches in flight between the reader and the writer.
const IN_FLIGHT: usize = 2;

const BEGIN_SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

type BatchResult = std::result::Result<RecordBatch, DataFusionError>;

/// An open snapshot: the result's columns, and its rows to come.
pub struct Snapshot {
    pub columns: Vec<SourceColumn>,
    pub rows: Rows,
    /// What went wrong while the rows were read, said as the user should read it (the writer
    /// only sees a generic stream error).
    pub failure: Arc<Mutex<Option<LakeError>>>,
    /// Bytes of values received.
    pub bytes: Arc<AtomicU64>,
}

/// What the reader needs.
pub struct Query<'a> {
    pub connection: &'a str,
    pub url: &'a ConnectionUrl,
    pub sql: &'a str,
    pub declared: &'a IndexMap<String, ColumnType>,
}

/// Connects, starts the snapshot and learns the result's columns; the rows follow on
/// [`Snapshot::rows`].
pub async fn open(query: &Query<'_>) -> Result<Snapshot> {
    let options = PgConnectOptions::from_str(query.url.expose())
        .map_err(|e| Place::bad_url(query.connection, query.url, &e))?
        .application_name("weir-ingest");
    let place = Place {
        connection: query.connection.to_string(),
        host: options.get_host().to_string(),
        port: options.get_port(),
        url: query.url.clone(),
    };
    let (columns_tx, columns_rx) = oneshot::channel();
    let (rows_tx, rows_rx) = mpsc::channel(IN_FLIGHT);
    let failure = Arc::new(Mutex::new(None));
    let bytes = Arc::new(AtomicU64::new(0));
    let reader = Reader {
        place,
        sql: query.sql.to_string(),
        declared: query.declared.clone(),
        failure: failure.clone(),
        bytes: bytes.clone(),
    };
    tokio::spawn(reader.run(options, columns_tx, rows_tx));
    let columns = columns_rx
        .await
        .map_err(|_| LakeError::Invalid("the PostgreSQL reader stopped unexpectedly".into()))??;
    let schema = Arc::new(Schema::new(
        columns.iter().map(SourceColumn::field).collect::<Vec<_>>(),
    ));
    Ok(Snapshot {
        columns,
        rows: Rows {
            schema,
            receiver: Mutex::new(Some(rows_rx)),
        },
        failure,
        bytes,
    })
}

struct Reader {
    place: Place,
    sql: String,
    declared: IndexMap<String, ColumnType>,
    failure: Arc<Mutex<Option<LakeError>>>,
    bytes: Arc<AtomicU64>,
}

impl Reader {
    async fn run(
        self,
        options: PgConnectOptions,
        columns_tx: oneshot::Sender<Result<Vec<SourceColumn>>>,
        rows_tx: mpsc::Sender<BatchResult>,
    ) {
        let mut conn = match PgConnection::connect_with(&options).await {
            Ok(c) => c,
            Err(e) => {
                let _ = columns_tx.send(Err(self.place.connect_failed(&e)));
                return;
            }
        };
        let columns = match self.describe(&mut conn).await {
            Ok(c) => c,
            Err(e) => {
                let _ = columns_tx.send(Err(e));
                let _ = conn.close().await;
                return;
            }
        };
        let sql = reading_query(&self.sql, &columns);
        if columns_tx.send(Ok(columns.clone())).is_err() {
            let _ = conn.close().await;
            return;
        }
        if let Err(e) = self.stream(&mut conn, &sql, &columns, &rows_tx).await {
            *self.failure.lock().expect("the failure slot") = Some(e);
            let _ = rows_tx
                .send(Err(DataFusionError::Execution(
                    "the PostgreSQL query failed".into(),
                )))
                .await;
        }
        // Read only: ending the transaction either way changes nothing.
        let _ = conn.execute("ROLLBACK").await;
        let _ = conn.close().await;
    }

    /// Starts the snapshot and prepares the query: its columns, before any row is read.
    async fn describe(&self, conn: &mut PgConnection) -> Result<Vec<SourceColumn>> {
        conn.execute(BEGIN_SNAPSHOT)
            .await
            .map_err(|e| self.place.query_failed(&e))?;
        let statement = conn
            .prepare(self.sql.trim().trim_end_matches(';'))
            .await
            .map_err(|e| self.place.query_failed(&e))?;
        let columns: Vec<SourceColumn> = statement
            .columns()
            .iter()
            .map(|c| {
                SourceColumn::new(
                    c.name(),
                    c.type_info().name(),
                    self.declared.get(c.name()).copied(),
                )
            })
            .collect();
        if columns.is_empty() {
            return Err(self
                .place
                .query_error("it returns no columns (hint: write a SELECT)".into()));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = columns.iter().find(|c| !seen.insert(c.name.as_str())) {
            return Err(self.place.query_error(format!(
                "it returns two columns named `{}` (hint: give one an alias with AS)",
                dup.name
            )));
        }
        for c in columns.iter().filter(|c| c.kind.read_as_text()) {
            tracing::info!(
                column = %c.name,
                pg_type = %c.pg_type,
                "read as text (cast to text in the query)"
            );
        }
        Ok(columns)
    }

    /// Reads every row, sending a batch every [`BATCH_ROWS`]; stops when the writer is gone.
    async fn stream(
        &self,
        conn: &mut PgConnection,
        sql: &str,
        columns: &[SourceColumn],
        rows_tx: &mpsc::Sender<BatchResult>,
    ) -> Result<()> {
        let schema: SchemaRef = Arc::new(Schema::new(
            columns.iter().map(SourceColumn::field).collect::<Vec<_>>(),
        ));
        let mut builders: Vec<Builder> = columns
            .iter()
            .map(|c| Builder::new(c, BATCH_ROWS))
            .collect();
        let mut rows = sqlx::query(sql).fetch(&mut *conn);
        let mut in_batch = 0;
        let mut row_number: u64 = 0;
        loop {
            let row: Option<PgRow> = rows
                .try_next()
                .await
                .map_err(|e| self.place.query_failed(&e))?;
            let Some(row) = row else { break };
            row_number += 1;
            self.append(&row, row_number, columns, &mut builders)?;
            in_batch += 1;
            if in_batch == BATCH_ROWS {
                in_batch = 0;
                if !send(rows_tx, &schema, &mut builders).await? {
                    return Ok(());
                }
            }
        }
        if in_batch > 0 {
            send(rows_tx, &schema, &mut builders).await?;
        }
        Ok(())
    }

    fn append(
        &self,
        row: &PgRow,
        row_number: u64,
        columns: &[SourceColumn],
        builders: &mut [Builder],
    ) -> Result<()> {
        let mut bytes = 0;
        for (i, builder) in builders.iter_mut().enumerate() {
            if let Ok(raw) = row.try_get_raw(i)
                && !raw.is_null()
            {
                bytes += raw.as_bytes().map_or(0, <[u8]>::len) as u64;
            }
            builder.push(row, i).map_err(|reason| {
                self.place.query_error(format!(
                    "row {row_number}, column `{}` ({}): {reason}",
                    columns[i].name,
                    columns[i].pg_type.to_lowercase()
                ))
            })?;
        }
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        Ok(())
    }
}

/// Sends the built rows as one batch; false if the writer is gone (it failed or finished).
async fn send(
    rows_tx: &mpsc::Sender<BatchResult>,
    schema: &SchemaRef,
    builders: &mut [Builder],
) -> Result<bool> {
    let arrays = builders.iter_mut().map(Builder::finish).collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| LakeError::Engine {
        context: "building a record batch".into(),
        source: Box::new(e),
    })?;
    Ok(rows_tx.send(Ok(batch)).await.is_ok())
}

/// The rows as a DataFusion partition: read once, by the write.
pub struct Rows {
    schema: SchemaRef,
    receiver: Mutex<Option<mpsc::Receiver<BatchResult>>>,
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows").finish_non_exhaustive()
    }
}

impl PartitionStream for Rows {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let schema = self.schema.clone();
        let Some(receiver) = self.receiver.lock().expect("the receiver slot").take() else {
            // A second read has nothing left: fail rather than load an empty table.
            let again = futures::stream::once(async {
                Err(DataFusionError::Internal(
                    "the PostgreSQL rows were already read".into(),
                ))
            });
            return Box::pin(RecordBatchStreamAdapter::new(schema, again));
        };
        let stream = futures::stream::unfold(receiver, |mut receiver| async move {
            let next = receiver.recv().await?;
            Some((next, receiver))
        });
        Box::pin(RecordBatchStreamAdapter::new(schema, stream))
    }
}
