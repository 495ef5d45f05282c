//! Column types: the declared schema in Arrow terms, types a Delta table can hold, and the
//! schema drift policy between incoming columns and the table's.

use deltalake::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use weir_core::dag::task_types::{ColumnType, SchemaDrift};

use crate::error::{LakeError, Result};

/// The Arrow type of a declared column type. Timestamps are UTC microseconds, Delta's
/// `timestamp`.
pub fn arrow_type(t: ColumnType) -> DataType {
    match t {
        ColumnType::String => DataType::Utf8,
        ColumnType::Int32 => DataType::Int32,
        ColumnType::Int64 => DataType::Int64,
        ColumnType::Float32 => DataType::Float32,
        ColumnType::Float64 => DataType::Float64,
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::Date => DataType::Date32,
        ColumnType::Timestamp => utc_micros(),
    }
}

pub(crate) fn utc_micros() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// The column type an Arrow type reads as, for the `column_type` expectation.
pub fn column_type_of(t: &DataType) -> Option<ColumnType> {
    Some(match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => ColumnType::String,
        DataType::Int8 | DataType::Int16 | DataType::Int32 => ColumnType::Int32,
        DataType::Int64 => ColumnType::Int64,
        DataType::Float32 => ColumnType::Float32,
        DataType::Float64 => ColumnType::Float64,
        DataType::Boolean => ColumnType::Boolean,
        DataType::Date32 | DataType::Date64 => ColumnType::Date,
        DataType::Timestamp(_, _) => ColumnType::Timestamp,
        _ => return None,
    })
}

/// The type a column is stored as: what a Delta table holds and every reader knows (no view
/// or large strings, no unsigned integers, timestamps in microseconds).
pub fn storable(t: &DataType) -> DataType {
    match t {
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        DataType::BinaryView | DataType::LargeBinary => DataType::Binary,
        DataType::UInt8 => DataType::Int16,
        DataType::UInt16 => DataType::Int32,
        DataType::UInt32 | DataType::UInt64 => DataType::Int64,
        DataType::Float16 => DataType::Float32,
        DataType::Date64 => DataType::Date32,
        DataType::Null => DataType::Utf8,
        DataType::Timestamp(_, None) => DataType::Timestamp(TimeUnit::Microsecond, None),
        DataType::Timestamp(_, Some(_)) => utc_micros(),
        other => other.clone(),
    }
}

/// One column of what is written.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// An incoming column, cast to `to` if its type differs.
    Column { name: String, to: DataType },
    /// A column of the table the data lacks: nulls.
    Null { name: String, to: DataType },
}

/// How incoming columns are written into an existing table under a drift policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconciled {
    pub columns: Vec<Output>,
    /// The table gains columns (`evolve`): the write merges schemas.
    pub merge: bool,
}

/// Reconciles `incoming` (already storable types, lineage included) with the table's schema.
pub fn reconcile(
    dataset: &str,
    incoming: &Schema,
    table: Option<&Schema>,
    policy: SchemaDrift,
) -> Result<Reconciled> {
    let Some(table) = table else {
        return Ok(Reconciled {
            columns: incoming
                .fields()
                .iter()
                .map(|f| Output::Column {
                    name: f.name().clone(),
                    to: f.data_type().clone(),
                })
                .collect(),
            merge: false,
        });
    };
    let added: Vec<&Field> = incoming
        .fields()
        .iter()
        .filter(|f| table.field_with_name(f.name()).is_err())
        .map(|f| f.as_ref())
        .collect();
    let missing: Vec<&Field> = table
        .fields()
        .iter()
        .filter(|f| incoming.field_with_name(f.name()).is_err())
        .map(|f| f.as_ref())
        .collect();
    let retyped: Vec<(&Field, &Field)> = incoming
        .fields()
        .iter()
        .filter_map(|f| {
            let t = table.field_with_name(f.name()).ok()?;
            (storable(t.data_type()) != *f.data_type()).then_some((f.as_ref(), t))
        })
        .collect();
    if policy == SchemaDrift::Fail
        && !(added.is_empty() && missing.is_empty() && retyped.is_empty())
    {
        let mut changes = Vec::new();
        for f in &added {
            changes.push(format!("new column `{}` ({})", f.name(), f.data_type()));
        }
        for f in &missing {
            changes.push(format!("column `{}` is missing", f.name()));
        }
        for (f, t) in &retyped {
            changes.push(format!(
                "column `{}` is {} but the table has {}",
                f.name(),
                f.data_type(),
                t.data_type()
            ));
        }
        return Err(LakeError::SchemaDrift {
            dataset: dataset.to_string(),
            changes,
        });
    }
    // The table's columns first, in its order, cast to its types; then what evolve adds.
    let mut columns: Vec<Output> = table
        .fields()
        .iter()
        .map(|t| {
            let to = storable(t.data_type());
            if incoming.field_with_name(t.name()).is_ok() {
                Output::Column {
                    name: t.name().clone(),
                    to,
                }
            } else {
                Output::Null {
                    name: t.name().clone(),
                    to,
                }
            }
        })
        .collect();
    let merge = policy == SchemaDrift::Evolve && !added.is_empty();
    if merge {
        columns.extend(added.iter().map(|f| Output::Column {
            name: f.name().clone(),
            to: f.data_type().clone(),
        }));
    }
    Ok(Reconciled { columns, merge })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(cols: &[(&str, DataType)]) -> Schema {
        Schema::new(
            cols.iter()
                .map(|(n, t)| Field::new(*n, t.clone(), true))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn drift_policies() {
        let table = schema(&[("a", DataType::Int64), ("b", DataType::Utf8)]);
        let incoming = schema(&[("a", DataType::Int64), ("c", DataType::Float64)]);
        let err = reconcile("raw.x", &incoming, Some(&table), SchemaDrift::Fail)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("new column `c`") && err.contains("column `b` is missing"),
            "{err}"
        );
        let evolved = reconcile("raw.x", &incoming, Some(&table), SchemaDrift::Evolve).unwrap();
        assert!(evolved.merge);
        assert_eq!(evolved.columns.len(), 3);
        assert!(matches!(&evolved.columns[1], Output::Null { name, .. } if name == "b"));
        let ignored = reconcile("raw.x", &incoming, Some(&table), SchemaDrift::Ignore).unwrap();
        assert!(!ignored.merge);
        assert_eq!(ignored.columns.len(), 2);
        let same = reconcile("raw.x", &table, Some(&table), SchemaDrift::Fail).unwrap();
        assert_eq!(same.columns.len(), 2);
    }
}
