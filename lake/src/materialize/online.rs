//! The rows a materialization hands to the online store: per entity, its key, the feature
//! values as JSON and the as-of time.

use chrono::{DateTime, Utc};
use datafusion::arrow::record_batch::RecordBatch;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::features::AS_OF;
use crate::error::Result;
use crate::values::value_at;

/// One entity's latest feature values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnlineRow {
    /// The entity key as text (see [`entity_key`]).
    pub entity_key: String,
    /// Feature name -> value.
    pub features: Map<String, Value>,
    pub as_of: DateTime<Utc>,
}

/// An entity key as text: the key columns' values joined by `|` (`u42`, or `c7|DE` for a key
/// of two columns). Lookups use the same form.
pub fn entity_key(values: &[Value]) -> String {
    values
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("|")
}

pub(super) fn rows(
    batches: &[RecordBatch],
    entity: &[String],
    as_of: DateTime<Utc>,
) -> Result<Vec<OnlineRow>> {
    let mut out = Vec::new();
    for batch in batches {
        let schema = batch.schema();
        let keys: Vec<usize> = entity
            .iter()
            .filter_map(|k| schema.index_of(k).ok())
            .collect();
        let features: Vec<(usize, &String)> = schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name() != AS_OF && !entity.contains(f.name()))
            .map(|(i, f)| (i, f.name()))
            .collect();
        for r in 0..batch.num_rows() {
            let key: Vec<Value> = keys.iter().map(|&i| value_at(batch.column(i), r)).collect();
            let mut values = Map::with_capacity(features.len());
            for (i, name) in &features {
                values.insert((*name).clone(), value_at(batch.column(*i), r));
            }
            out.push(OnlineRow {
                entity_key: entity_key(&key),
                features: values,
                as_of,
            });
        }
    }
    Ok(out)
}
