//! `ingest`: files, or a PostgreSQL query ([`postgres`]), into a dataset, in one Delta commit.
//!
//! The fast path reads every file in one DataFusion plan, typed while parsed, and streams it
//! into the Delta writer. If that fails on the data, the careful path ([`rows`]) reads the files
//! row by row: it names the first bad row (file, row, column, value), or with
//! `on_bad_rows: quarantine` writes the bad rows to `<zone>.<name>_rejects` with the reason and
//! loads the others. Either way a failure commits nothing.

pub mod files;
mod postgres;
mod rejects;
pub mod rows;
mod scan;
pub mod schema;

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::catalog::MemTable;
use datafusion::common::ScalarValue;
use datafusion::prelude::{DataFrame, Expr, SessionContext, cast, col, lit};
use deltalake::DeltaTable;
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use weir_core::connection::ConnectionUrl;
use weir_core::dag::task_types::{BadRows, IngestMode, IngestTask, SourceFormat};

use self::files::SourceFile;
use self::rows::{Reject, TextOptions};
use self::scan::Lineage;
use self::schema::{Output, Reconciled, reconcile};
use crate::batch::Batch;
use crate::dataset::{DatasetName, Lake, VersionInfo, describe};
use crate::error::{Context, LakeError, Result};
use crate::session::new_session;
use crate::write::{Replace, WriteSpec, write};

/// One ingest, as the task instance asks for it (templates already rendered).
#[derive(Debug, Clone)]
pub struct IngestRequest<'a> {
    pub task: &'a IngestTask,
    pub batch: &'a Batch,
    /// Where relative source paths start (the worker's working directory).
    pub base_dir: &'a Path,
    /// The URL of the source's connection (`format: postgres`), resolved by the caller with
    /// `weir_store::resolve_connection`; `None` reports the connection as not configured.
    pub connection_url: Option<&'a ConnectionUrl>,
}

/// What an ingest did: the task's outputs and the registry's rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestOutcome {
    /// Rows loaded into the dataset.
    pub rows: u64,
    /// Bytes read from the source files.
    pub bytes: u64,
    /// The dataset version written.
    pub version: i64,
    /// Rows written to the rejects dataset.
    pub rejected: u64,
    pub files: Vec<String>,
    pub dataset: VersionInfo,
    /// The rejects dataset's new version, if it was written.
    pub rejects: Option<VersionInfo>,
}

impl Lake {
    /// Loads the task's source into its dataset; see the module docs.
    pub async fn ingest(&self, request: &IngestRequest<'_>) -> Result<IngestOutcome> {
        let task = request.task;
        let target = DatasetName::parse(&task.into)?;
        if task.source.format == SourceFormat::Postgres {
            return postgres::ingest(self, request, &target).await;
        }
        let Some(path) = task.source.path.as_deref() else {
            return Err(LakeError::Invalid("the source has no `path`".into()));
        };
        let files = files::resolve(path, request.base_dir)?;
        let bytes = files.iter().map(|f| f.size).sum();
        let options = TextOptions {
            format: task.source.format,
            delimiter: u8::try_from(task.source.delimiter).map_err(|_| {
                LakeError::Invalid(format!(
                    "the delimiter `{}` is not a single-byte character",
                    task.source.delimiter
                ))
            })?,
            header: task.source.header,
        };
        let ctx = new_session();
        let schema = scan::source_schema(&ctx, &files, options, &task.schema).await?;
        let lineage = Lineage {
            batch_id: request.batch.id(),
            ingested_at_us: chrono::Utc::now().timestamp_micros(),
        };
        let job = Job {
            lake: self,
            ctx: &ctx,
            target: &target,
            task,
            batch: request.batch,
        };

        let fast = scan::scan(&ctx, &files, options, &schema, &lineage).await;
        let fast = match fast {
            Ok(df) => job.write_main(df).await,
            Err(e) => Err(e),
        };
        let (table, rejects) = match fast {
            Ok(table) => {
                let rejects = if task.on_bad_rows == BadRows::Quarantine {
                    job.clear_rejects().await?
                } else {
                    None
                };
                (table, rejects)
            }
            Err(fast_error) => {
                tracing::info!(error = %fast_error, "the fast path failed; reading the files row by row");
                match job.careful(&files, options, &schema, &lineage).await? {
                    Some(done) => done,
                    None => return Err(fast_error),
                }
            }
        };
        let rows = added_rows(&table).await;
        let info = describe(&target, &table)?;
        Ok(IngestOutcome {
            rows,
            bytes,
            version: info.version,
            rejected: rejects.as_ref().map_or(0, |(n, _)| *n),
            files: files.iter().map(|f| f.display.clone()).collect(),
            dataset: info,
            rejects: rejects.map(|(_, v)| v),
        })
    }
}

/// One ingest's shared parts.
struct Job<'a> {
    lake: &'a Lake,
    ctx: &'a SessionContext,
    target: &'a DatasetName,
    task: &'a IngestTask,
    batch: &'a Batch,
}

type Written = (DeltaTable, Option<(u64, VersionInfo)>);

impl Job<'_> {
    fn commit_info(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut info = serde_json::Map::new();
        info.insert("weir.batch_id".into(), self.batch.id().into());
        info.insert("weir.task".into(), "ingest".into());
        info
    }

    fn batch_predicate(&self) -> Expr {
        col("_batch_id").eq(lit(self.batch.id()))
    }

    /// Writes the rows into the target in one commit, replacing this batch's earlier rows (or
    /// the whole table in `mode: replace`), under the drift policy.
    async fn write_main(&self, df: DataFrame) -> Result<DeltaTable> {
        let table = self.lake.handle(self.target).await?;
        let existing: Option<Schema> = table
            .snapshot()
            .ok()
            .map(|s| s.snapshot().arrow_schema().as_ref().clone());
        let incoming = df.schema().as_arrow().clone();
        let reconciled = reconcile(
            &self.target.to_string(),
            &incoming,
            existing.as_ref(),
            self.task.on_schema_drift,
        )?;
        let df = project(df, &reconciled)?;
        let replace_all = self.task.mode == IngestMode::Replace;
        let spec = WriteSpec {
            replace: if replace_all {
                Replace::All
            } else {
                Replace::Where(self.batch_predicate())
            },
            merge_schema: reconciled.merge && !replace_all,
            overwrite_schema: reconciled.merge && replace_all,
            commit_info: self.commit_info(),
        };
        write(
            table,
            self.ctx,
            df,
            spec,
            &format!("dataset `{}`", self.target),
        )
        .await
    }

    /// The careful path. `None` if it found nothing wrong with the rows either (the fast
    /// path's error stands).
    async fn careful(
        &self,
        files: &[SourceFile],
        options: TextOptions,
        schema: &SchemaRef,
        lineage: &Lineage,
    ) -> Result<Option<Written>> {
        let quarantine = self.task.on_bad_rows == BadRows::Quarantine;
        let mut parts: Option<DataFrame> = None;
        let mut rejects: Vec<Reject> = Vec::new();
        for file in files {
            let (f, s) = (file.clone(), schema.clone());
            let checked =
                tokio::task::spawn_blocking(move || rows::check_file(&f, options, &s, !quarantine))
                    .await
                    .context("reading a source file")??;
            let mut checked = checked;
            if !quarantine && !checked.rejects.is_empty() {
                return Err(checked.rejects.swap_remove(0).into_error());
            }
            rejects.append(&mut checked.rejects);
            let mem = MemTable::try_new(schema.clone(), vec![checked.batches])
                .context("collecting rows")?;
            let df = self
                .ctx
                .read_table(Arc::new(mem))
                .context("collecting rows")?;
            let df = scan::typed_with_lineage(df, schema, lineage, &file.display)?;
            parts = Some(match parts {
                None => df,
                Some(p) => p.union(df).context("combining the source files")?,
            });
        }
        if rejects.is_empty() {
            return Ok(None);
        }
        let df = parts.ok_or_else(|| LakeError::Invalid("no source files".into()))?;
        // Rejects first: if the main write fails, they are taken back out.
        let rejected = rejects.len() as u64;
        let rejects_table = rejects::write(self, rejects, lineage).await?;
        match self.write_main(df).await {
            Ok(table) => Ok(Some((table, Some((rejected, rejects_table))))),
            Err(e) => {
                if let Err(undo) = self.delete_rejects().await {
                    tracing::warn!(error = %undo, "could not take back the rejected rows of a failed ingest");
                }
                Err(e)
            }
        }
    }

    /// A clean run of a quarantining ingest: the rejects of this batch's earlier runs go.
    async fn clear_rejects(&self) -> Result<Option<(u64, VersionInfo)>> {
        let name = self.target.rejects();
        if self.lake.try_table(&name).await?.is_none() {
            return Ok(None);
        }
        let table = self.delete_rejects().await?;
        Ok(Some((0, describe(&name, &table)?)))
    }

    async fn delete_rejects(&self) -> Result<DeltaTable> {
        let name = self.target.rejects();
        let table = self.lake.table(&name).await?;
        let (table, _) = table
            .delete()
            .with_predicate(self.batch_predicate())
            .await
            .context(format!("removing this batch's rows from `{name}`"))?;
        Ok(table)
    }
}

/// The rows as the reconciled schema wants them (also for the feature tables).
pub(crate) fn project_for_write(df: DataFrame, reconciled: &Reconciled) -> Result<DataFrame> {
    project(df, reconciled)
}

/// The rows as the reconciled schema wants them: the table's columns in its order and types,
/// nulls for those the data lacks, then any new columns.
fn project(df: DataFrame, reconciled: &Reconciled) -> Result<DataFrame> {
    let have = df.schema().as_arrow().clone();
    let exprs: Vec<Expr> = reconciled
        .columns
        .iter()
        .map(|out| match out {
            Output::Column { name, to } => {
                let c = col(datafusion::common::Column::from_name(name));
                match have.field_with_name(name) {
                    Ok(f) if f.data_type() == to => c,
                    _ => cast(c, to.clone()).alias(name),
                }
            }
            Output::Null { name, to } => {
                lit(ScalarValue::try_from(to).unwrap_or(ScalarValue::Null)).alias(name)
            }
        })
        .collect();
    df.select(exprs)
        .context("arranging the columns for the table")
}

/// The rows the table's latest commit added, from its commit metrics.
async fn added_rows(table: &DeltaTable) -> u64 {
    let commits: Vec<_> = table
        .history(Some(1))
        .try_collect()
        .await
        .unwrap_or_default();
    commits
        .first()
        .and_then(|c| c.info.get("operationMetrics"))
        .and_then(|m| m.get("num_added_rows"))
        .and_then(|n| n.as_u64())
        .unwrap_or(0)
}
