//! The point-in-time join: entity rows with timestamps in, each row's features as of its own
//! timestamp out. A row at time T gets the view's newest snapshot with `_as_of <= T`, and that
//! snapshot was computed from events before its `_as_of`: no value comes from T's future, so a
//! training set built this way does not leak.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::MemTable;
use datafusion::prelude::CsvReadOptions;
use serde_json::{Map, Value};

use super::features::AS_OF;
use crate::dataset::{DatasetName, Lake};
use crate::error::{Context, LakeError, Result};
use crate::query::register;
use crate::session::{ident, new_session};
use crate::values::rows_as_json;

/// The entity rows of a point-in-time join.
#[derive(Debug, Clone)]
pub struct HistoricalRequest {
    pub view: String,
    /// The column of the entity rows holding each row's time; every other column is a key
    /// column of the view.
    pub timestamp: String,
    pub rows: Vec<RecordBatch>,
}

impl HistoricalRequest {
    /// Entity rows given as JSON objects (the API's body).
    pub fn from_json(view: &str, timestamp: &str, rows: &[Map<String, Value>]) -> Result<Self> {
        let mut text = Vec::new();
        for r in rows {
            serde_json::to_writer(&mut text, r).context("reading the entity rows")?;
            text.push(b'\n');
        }
        let (schema, _) = arrow_json::reader::infer_json_schema(Cursor::new(&text), None)
            .context("reading the entity rows")?;
        let reader = arrow_json::ReaderBuilder::new(Arc::new(schema))
            .build(Cursor::new(&text))
            .context("reading the entity rows")?;
        let rows = reader
            .collect::<std::result::Result<Vec<_>, _>>()
            .context("reading the entity rows")?;
        Ok(HistoricalRequest {
            view: view.to_string(),
            timestamp: timestamp.to_string(),
            rows,
        })
    }

    /// Entity rows from a CSV file with a header (the command line's file).
    pub async fn from_csv(view: &str, timestamp: &str, path: &Path) -> Result<Self> {
        if !path.is_file() {
            return Err(LakeError::NoSourceFiles {
                path: path.display().to_string(),
                hint: None,
            });
        }
        let ctx = new_session();
        let ext = path
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        let df = ctx
            .read_csv(
                path.to_string_lossy().as_ref(),
                CsvReadOptions::new().file_extension(&ext),
            )
            .await
            .context(format!("reading {}", path.display()))?;
        let rows = df
            .collect()
            .await
            .context(format!("reading {}", path.display()))?;
        Ok(HistoricalRequest {
            view: view.to_string(),
            timestamp: timestamp.to_string(),
            rows,
        })
    }
}

impl Lake {
    /// Each entity row with the view's features as of the row's timestamp, in input order;
    /// features are null where no snapshot is old enough. `_as_of` tells which snapshot.
    pub async fn historical_features(
        &self,
        request: &HistoricalRequest,
    ) -> Result<Vec<RecordBatch>> {
        let name = DatasetName::features(&request.view)?;
        let table = self.table(&name).await?;
        let ctx = new_session();
        register(&ctx, &name, &table).await?;
        let features: Schema = table
            .snapshot()
            .map(|s| s.snapshot().arrow_schema().as_ref().clone())
            .map_err(|e| LakeError::Invalid(e.to_string()))?;
        let input: Arc<Schema> = match request.rows.first() {
            Some(b) => b.schema(),
            None => return Ok(Vec::new()),
        };
        if input.field_with_name(&request.timestamp).is_err() {
            return Err(LakeError::UnknownColumn {
                column: request.timestamp.clone(),
                place: "the entity rows".into(),
                known: input.fields().iter().map(|f| f.name().clone()).collect(),
            });
        }
        let keys: Vec<String> = input
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|n| *n != request.timestamp)
            .collect();
        if keys.is_empty() {
            return Err(LakeError::Invalid(format!(
                "the entity rows have only the timestamp column `{}`: add the view's key columns",
                request.timestamp
            )));
        }
        for k in &keys {
            if features.field_with_name(k).is_err() {
                return Err(LakeError::UnknownColumn {
                    column: k.clone(),
                    place: format!(
                        "feature view `{}` (the entity rows' key columns must be the view's)",
                        request.view
                    ),
                    known: features.fields().iter().map(|f| f.name().clone()).collect(),
                });
            }
        }
        let values: Vec<String> = features
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|n| n != AS_OF && !keys.contains(n))
            .collect();
        let mem = MemTable::try_new(input.clone(), vec![request.rows.clone()])
            .context("reading the entity rows")?;
        ctx.register_table("__entities", Arc::new(mem))
            .context("reading the entity rows")?;

        let ts = ident(&request.timestamp);
        let at = match input
            .field_with_name(&request.timestamp)
            .map(|f| f.data_type().clone())
        {
            Ok(DataType::Timestamp(_, _)) => format!("e.{ts}"),
            _ => format!("arrow_cast(e.{ts}, 'Timestamp(µs, \"UTC\")')"),
        };
        let on: Vec<String> = keys
            .iter()
            .map(|k| format!("e.{0} = f.{0}", ident(k)))
            .collect();
        let input_cols: Vec<String> = input.fields().iter().map(|f| ident(f.name())).collect();
        let value_cols: Vec<String> = values.iter().map(|v| ident(v)).collect();
        let table = format!("{}.{}", ident(name.zone()), ident(name.name()));
        let sql = format!(
            "WITH e AS (SELECT *, row_number() OVER () AS __row FROM __entities), \
             j AS (SELECT e.*, {fv}, f.{asof} AS __as_of, \
                   row_number() OVER (PARTITION BY e.__row ORDER BY f.{asof} DESC NULLS LAST) AS __rank \
                   FROM e LEFT JOIN {table} f ON {on} AND f.{asof} <= {at}) \
             SELECT {cols}, {vals}, __as_of AS {asof} FROM j WHERE __rank = 1 ORDER BY __row",
            fv = value_cols
                .iter()
                .map(|v| format!("f.{v}"))
                .collect::<Vec<_>>()
                .join(", "),
            asof = ident(AS_OF),
            on = on.join(" AND "),
            cols = input_cols.join(", "),
            vals = value_cols.join(", "),
        );
        let what = format!("the point-in-time join on `{}`", request.view);
        let df = ctx.sql(&sql).await.map_err(|e| LakeError::Sql {
            what: what.clone(),
            reason: e.to_string(),
        })?;
        df.collect().await.map_err(|e| LakeError::Sql {
            what,
            reason: e.to_string(),
        })
    }

    /// [`Lake::historical_features`] with rows as JSON objects.
    pub async fn historical_features_json(
        &self,
        request: &HistoricalRequest,
    ) -> Result<Vec<Map<String, Value>>> {
        rows_as_json(&self.historical_features(request).await?)
    }
}
