//! PostgreSQL column types to Arrow: which types load natively, which are read as text (a cast
//! in the query), and the builders that turn rows into arrays.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float32Builder, Float64Builder, Int16Builder,
    Int32Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, TimeUnit};
use sqlx::Row;
use sqlx::postgres::PgRow;
use weir_core::dag::task_types::ColumnType;

use crate::ingest::schema::utc_micros;

/// How a result column is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Bool,
    Text,
    Date,
    Timestamp,
    TimestampTz,
    /// `numeric`, read as text: parsed into float64, or kept exact when declared `string`.
    Numeric,
    /// `json` and `jsonb`, read as their text.
    Json,
    /// Any other type (uuid, arrays, intervals, enums, ...), read as its text form.
    Other,
}

impl Kind {
    /// The kind of a column of the PostgreSQL type `type_name` (as sqlx names it: `INT4`, ...).
    pub fn of(type_name: &str) -> Kind {
        match type_name {
            "INT2" => Kind::Int16,
            "INT4" => Kind::Int32,
            "INT8" => Kind::Int64,
            "FLOAT4" => Kind::Float32,
            "FLOAT8" => Kind::Float64,
            "BOOL" => Kind::Bool,
            // `CHAR` is char(n) (bpchar); the one-byte `"CHAR"` is read as text.
            "TEXT" | "VARCHAR" | "CHAR" | "NAME" => Kind::Text,
            "DATE" => Kind::Date,
            "TIMESTAMP" => Kind::Timestamp,
            "TIMESTAMPTZ" => Kind::TimestampTz,
            "NUMERIC" => Kind::Numeric,
            "JSON" | "JSONB" => Kind::Json,
            _ => Kind::Other,
        }
    }

    /// Whether the query must cast the column to `text` for it to be read.
    pub fn read_as_text(self) -> bool {
        matches!(self, Kind::Numeric | Kind::Json | Kind::Other)
    }
}

/// One result column: its name, PostgreSQL type, how it is read, and the Arrow type it loads as
/// before the declared schema applies.
#[derive(Debug, Clone)]
pub struct SourceColumn {
    pub name: String,
    pub pg_type: String,
    pub kind: Kind,
    pub arrow: DataType,
}

impl SourceColumn {
    /// `declared` is the type the task's `schema` gives the column, if any: a `numeric`
    /// declared `string` keeps its exact text instead of becoming a float.
    pub fn new(name: &str, pg_type: &str, declared: Option<ColumnType>) -> SourceColumn {
        let kind = Kind::of(pg_type);
        let arrow = match kind {
            Kind::Int16 => DataType::Int16,
            Kind::Int32 => DataType::Int32,
            Kind::Int64 => DataType::Int64,
            Kind::Float32 => DataType::Float32,
            Kind::Float64 => DataType::Float64,
            Kind::Numeric if declared != Some(ColumnType::String) => DataType::Float64,
            Kind::Bool => DataType::Boolean,
            Kind::Date => DataType::Date32,
            Kind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            Kind::TimestampTz => utc_micros(),
            Kind::Text | Kind::Numeric | Kind::Json | Kind::Other => DataType::Utf8,
        };
        SourceColumn {
            name: name.to_string(),
            pg_type: pg_type.to_string(),
            kind,
            arrow,
        }
    }

    pub fn field(&self) -> Field {
        Field::new(&self.name, self.arrow.clone(), true)
    }
}

/// The arrays of one column, filled a row at a time.
pub enum Builder {
    Int16(Int16Builder),
    Int32(Int32Builder),
    Int64(Int64Builder),
    Float32(Float32Builder),
    Float64(Float64Builder),
    /// Text parsed as a float (`numeric`).
    Parsed(Float64Builder),
    Bool(BooleanBuilder),
    Text(StringBuilder),
    Date(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
    TimestampTz(TimestampMicrosecondBuilder),
}

/// A value that did not convert; the caller names the column and row.
pub type ValueError = String;

impl Builder {
    pub fn new(column: &SourceColumn, capacity: usize) -> Builder {
        match (column.kind, &column.arrow) {
            (Kind::Int16, _) => Builder::Int16(Int16Builder::with_capacity(capacity)),
            (Kind::Int32, _) => Builder::Int32(Int32Builder::with_capacity(capacity)),
            (Kind::Int64, _) => Builder::Int64(Int64Builder::with_capacity(capacity)),
            (Kind::Float32, _) => Builder::Float32(Float32Builder::with_capacity(capacity)),
            (Kind::Float64, _) => Builder::Float64(Float64Builder::with_capacity(capacity)),
            (Kind::Numeric, DataType::Float64) => {
                Builder::Parsed(Float64Builder::with_capacity(capacity))
            }
            (Kind::Bool, _) => Builder::Bool(BooleanBuilder::with_capacity(capacity)),
            (Kind::Date, _) => Builder::Date(Date32Builder::with_capacity(capacity)),
            (Kind::Timestamp, _) => {
                Builder::Timestamp(TimestampMicrosecondBuilder::with_capacity(capacity))
            }
            (Kind::TimestampTz, _) => Builder::TimestampTz(
                TimestampMicrosecondBuilder::with_capacity(capacity).with_timezone("UTC"),
            ),
            _ => Builder::Text(StringBuilder::with_capacity(capacity, capacity * 16)),
        }
    }

    /// Appends column `i` of `row`.
    pub fn push(&mut self, row: &PgRow, i: usize) -> Result<(), ValueError> {
        let e = |e: sqlx::Error| e.to_string();
        match self {
            Builder::Int16(b) => b.append_option(row.try_get::<Option<i16>, _>(i).map_err(e)?),
            Builder::Int32(b) => b.append_option(row.try_get::<Option<i32>, _>(i).map_err(e)?),
            Builder::Int64(b) => b.append_option(row.try_get::<Option<i64>, _>(i).map_err(e)?),
            Builder::Float32(b) => b.append_option(row.try_get::<Option<f32>, _>(i).map_err(e)?),
            Builder::Float64(b) => b.append_option(row.try_get::<Option<f64>, _>(i).map_err(e)?),
            Builder::Parsed(b) => match row.try_get::<Option<&str>, _>(i).map_err(e)? {
                None => b.append_null(),
                Some(text) => b.append_value(
                    text.parse::<f64>()
                        .map_err(|_| format!("`{text}` is not a number"))?,
                ),
            },
            Builder::Bool(b) => b.append_option(row.try_get::<Option<bool>, _>(i).map_err(e)?),
            Builder::Text(b) => b.append_option(row.try_get::<Option<&str>, _>(i).map_err(e)?),
            Builder::Date(b) => {
                let date = row.try_get::<Option<NaiveDate>, _>(i).map_err(e)?;
                b.append_option(date.map(days_since_epoch))
            }
            Builder::Timestamp(b) => {
                let t = row.try_get::<Option<NaiveDateTime>, _>(i).map_err(e)?;
                b.append_option(t.map(|t| t.and_utc().timestamp_micros()))
            }
            Builder::TimestampTz(b) => {
                let t = row.try_get::<Option<DateTime<Utc>>, _>(i).map_err(e)?;
                b.append_option(t.map(|t| t.timestamp_micros()))
            }
        }
        Ok(())
    }

    /// The values appended since the last call, as an array.
    pub fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Int16(b) => Arc::new(b.finish()),
            Builder::Int32(b) => Arc::new(b.finish()),
            Builder::Int64(b) => Arc::new(b.finish()),
            Builder::Float32(b) => Arc::new(b.finish()),
            Builder::Float64(b) | Builder::Parsed(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::Timestamp(b) | Builder::TimestampTz(b) => Arc::new(b.finish()),
        }
    }
}

fn days_since_epoch(date: NaiveDate) -> i32 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date")).num_days() as i32
}

/// The query the rows are read with: the user's as written when every column loads natively,
/// else wrapped to cast the other columns to `text`.
pub fn reading_query(sql: &str, columns: &[SourceColumn]) -> String {
    let sql = sql.trim().trim_end_matches(';').trim_end();
    if !columns.iter().any(|c| c.kind.read_as_text()) {
        return sql.to_string();
    }
    let list: Vec<String> = columns
        .iter()
        .map(|c| {
            let quoted = format!("\"{}\"", c.name.replace('"', "\"\""));
            if c.kind.read_as_text() {
                format!("q.{quoted}::text AS {quoted}")
            } else {
                format!("q.{quoted}")
            }
        })
        .collect();
    format!("SELECT {} FROM (\n{sql}\n) AS q", list.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_map_to_arrow_and_others_are_read_as_text() {
        let col = |t: &str, d| SourceColumn::new("c", t, d);
        assert_eq!(col("INT8", None).arrow, DataType::Int64);
        assert_eq!(col("NUMERIC", None).arrow, DataType::Float64);
        assert_eq!(
            col("NUMERIC", Some(ColumnType::String)).arrow,
            DataType::Utf8
        );
        assert_eq!(col("TIMESTAMPTZ", None).arrow, utc_micros());
        assert_eq!(col("UUID", None).kind, Kind::Other);
        assert_eq!(col("CHAR", None).kind, Kind::Text);
        assert_eq!(col("\"CHAR\"", None).kind, Kind::Other);
        assert_eq!(col("TEXT[]", None).kind, Kind::Other);
        assert_eq!(col("JSONB", None).arrow, DataType::Utf8);
    }

    #[test]
    fn the_query_is_wrapped_only_when_a_column_needs_a_cast() {
        let native = [SourceColumn::new("id", "INT4", None)];
        assert_eq!(reading_query("select 1 as id;", &native), "select 1 as id");
        let mixed = [
            SourceColumn::new("id", "INT4", None),
            SourceColumn::new("we\"ird", "UUID", None),
        ];
        assert_eq!(
            reading_query("select *\nfrom t", &mixed),
            "SELECT q.\"id\", q.\"we\"\"ird\"::text AS \"we\"\"ird\" FROM (\nselect *\nfrom t\n) AS q"
        );
    }
}
