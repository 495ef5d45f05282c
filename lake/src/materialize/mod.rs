//! `materialize`: a feature view computed as of the run's logical date into the offline store
//! `features.<view>` (one row per entity per as-of time; a re-run replaces its as-of time), and
//! the rows for the online store (the executor upserts them into the state database).

mod features;
mod historical;
mod online;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use datafusion::arrow::datatypes::Schema;
use datafusion::catalog::MemTable;
use datafusion::common::ScalarValue;
use datafusion::prelude::{col, lit};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use weir_core::dag::task_types::{MaterializeTask, SchemaDrift};
use weir_core::duration::Duration;

pub use self::features::AS_OF;
use self::features::{ViewSql, rewrite};
pub use self::historical::HistoricalRequest;
pub use self::online::{OnlineRow, entity_key};
use crate::batch::Batch;
use crate::dataset::{DatasetName, Lake, VersionInfo, describe};
use crate::error::{Context, LakeError, Result};
use crate::ingest::schema::reconcile;
use crate::query::register;
use crate::session::{ident, new_session};
use crate::write::{Replace, WriteSpec, write};

/// One materialization, as the task instance asks for it (window and query rendered).
#[derive(Debug, Clone)]
pub struct MaterializeRequest<'a> {
    pub task: &'a MaterializeTask,
    /// The end of the window (exclusive): the run's logical date.
    pub as_of: DateTime<Utc>,
    pub batch: &'a Batch,
}

/// What a materialization wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaterializeOutcome {
    pub view: String,
    pub as_of: DateTime<Utc>,
    /// Rows written: entities with events in the window.
    pub rows: u64,
    pub version: i64,
    pub entity: Vec<String>,
    pub features: Vec<String>,
    pub dataset: VersionInfo,
    /// The datasets read, for lineage.
    pub inputs: Vec<String>,
    /// The computed rows, for the online store (empty unless the task asks for it).
    #[serde(skip)]
    pub online: Vec<OnlineRow>,
}

impl Lake {
    /// Computes the view as of `as_of`; see the module docs.
    pub async fn materialize(
        &self,
        request: &MaterializeRequest<'_>,
    ) -> Result<MaterializeOutcome> {
        let task = request.task;
        let target = DatasetName::features(&task.view)?;
        let ctx = new_session();
        let (sql, inputs) = match &task.query {
            Some(query) => {
                // A SQL select over any datasets: all of them are tables of the session.
                let mut inputs = Vec::new();
                for name in self.list_datasets().await? {
                    if name != target && query.contains(&name.to_string()) {
                        inputs.push(name.to_string());
                    }
                    let table = self.table(&name).await?;
                    register(&ctx, &name, &table).await?;
                }
                let sql = format!(
                    "SELECT q.*, arrow_cast('{}', 'Timestamp(µs, \"UTC\")') AS {} FROM ({query}) q",
                    request.as_of.format("%Y-%m-%dT%H:%M:%S%.6fZ"),
                    ident(AS_OF)
                );
                (sql, inputs)
            }
            None => {
                let source = DatasetName::parse(&task.source)?;
                let table = self.table(&source).await?;
                register(&ctx, &source, &table).await?;
                let schema: Schema = table
                    .snapshot()
                    .map(|s| s.snapshot().arrow_schema().as_ref().clone())
                    .map_err(|e| LakeError::Invalid(e.to_string()))?;
                for c in task.entity.iter().chain([&task.timestamp]) {
                    if schema.field_with_name(c).is_err() {
                        return Err(LakeError::UnknownColumn {
                            column: c.clone(),
                            place: format!("dataset `{source}`"),
                            known: schema.fields().iter().map(|f| f.name().clone()).collect(),
                        });
                    }
                }
                let window = task.window.as_deref().ok_or_else(|| {
                    LakeError::Invalid("a feature view with `features` needs a `window`".into())
                })?;
                let window = Duration::parse(window.trim()).map_err(|e| {
                    LakeError::Invalid(format!("window `{window}` is not a duration: {e}"))
                })?;
                if task.features.is_empty() {
                    return Err(LakeError::Invalid(
                        "the feature view has no features".into(),
                    ));
                }
                let aggregates: HashSet<String> = ctx
                    .state()
                    .aggregate_functions()
                    .keys()
                    .map(|k| k.to_lowercase())
                    .collect();
                let ts_type = schema
                    .field_with_name(&task.timestamp)
                    .map(|f| f.data_type().clone())
                    .unwrap_or(datafusion::arrow::datatypes::DataType::Null);
                let mut exprs = IndexMap::new();
                for (name, feature) in &task.features {
                    exprs.insert(
                        name.clone(),
                        rewrite(name, feature, &task.timestamp, &ts_type, &aggregates)?,
                    );
                }
                let view = ViewSql {
                    source: &format!("{}.{}", ident(source.zone()), ident(source.name())),
                    entity: &task.entity,
                    timestamp: &task.timestamp,
                    timestamp_type: &ts_type,
                    features: &exprs,
                    start: request.as_of
                        - chrono::Duration::from_std(window.as_std()).unwrap_or_default(),
                    as_of: request.as_of,
                };
                (view.sql(), vec![source.to_string()])
            }
        };
        let what = format!("feature view `{}`", task.view);
        let df = ctx.sql(&sql).await.map_err(|e| LakeError::Sql {
            what: what.clone(),
            reason: e.to_string(),
        })?;
        let computed = df.collect().await.map_err(|e| LakeError::Sql {
            what: what.clone(),
            reason: e.to_string(),
        })?;
        let schema = match computed.first() {
            Some(b) => b.schema(),
            None => Arc::new(
                ctx.sql(&sql)
                    .await
                    .context("planning")?
                    .schema()
                    .as_arrow()
                    .clone(),
            ),
        };
        for key in &task.entity {
            if schema.field_with_name(key).is_err() {
                return Err(LakeError::UnknownColumn {
                    column: key.clone(),
                    place: format!("the result of the query of {what}"),
                    known: schema.fields().iter().map(|f| f.name().clone()).collect(),
                });
            }
        }
        let rows: usize = computed.iter().map(|b| b.num_rows()).sum();
        let online = if task.online {
            online::rows(&computed, &task.entity, request.as_of)?
        } else {
            Vec::new()
        };
        let feature_names: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|n| n != AS_OF && !task.entity.contains(n))
            .collect();

        // The offline store: this as-of time's rows replace any earlier ones, in one commit.
        let mem =
            MemTable::try_new(schema.clone(), vec![computed]).context("collecting features")?;
        let df = ctx
            .read_table(Arc::new(mem))
            .context("collecting features")?;
        let table = self.handle(&target).await?;
        let existing: Option<Schema> = table
            .snapshot()
            .ok()
            .map(|s| s.snapshot().arrow_schema().as_ref().clone());
        let reconciled = reconcile(
            &target.to_string(),
            &schema,
            existing.as_ref(),
            SchemaDrift::Evolve,
        )?;
        let df = crate::ingest::project_for_write(df, &reconciled)?;
        let mut info = serde_json::Map::new();
        info.insert("weir.batch_id".into(), request.batch.id().into());
        info.insert("weir.task".into(), "materialize".into());
        info.insert("weir.as_of".into(), request.as_of.to_rfc3339().into());
        let as_of = lit(ScalarValue::TimestampMicrosecond(
            Some(request.as_of.timestamp_micros()),
            Some("UTC".into()),
        ));
        let spec = WriteSpec {
            replace: Replace::Where(col(AS_OF).eq(as_of)),
            merge_schema: reconciled.merge,
            overwrite_schema: false,
            commit_info: info,
        };
        let table = write(table, &ctx, df, spec, &format!("dataset `{target}`")).await?;
        let dataset = describe(&target, &table)?;
        Ok(MaterializeOutcome {
            view: task.view.clone(),
            as_of: request.as_of,
            rows: rows as u64,
            version: dataset.version,
            entity: task.entity.clone(),
            features: feature_names,
            dataset,
            inputs,
            online,
        })
    }
}
