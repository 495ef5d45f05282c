//! Arrow values as JSON, for results, samples and the online store.

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use serde_json::{Map, Value};

use crate::error::{Context, Result};

/// Each row of the batches as a JSON object.
pub fn rows_as_json(batches: &[RecordBatch]) -> Result<Vec<Map<String, Value>>> {
    let mut buffer = Vec::new();
    {
        let mut writer = arrow_json::ArrayWriter::new(&mut buffer);
        for b in batches {
            writer.write(b).context("converting rows to JSON")?;
        }
        writer.finish().context("converting rows to JSON")?;
    }
    if buffer.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Map<String, Value>> =
        serde_json::from_slice(&buffer).context("converting rows to JSON")?;
    Ok(rows)
}

/// One value of an array as JSON: numbers stay numbers, timestamps become RFC 3339 text.
pub fn value_at(array: &ArrayRef, i: usize) -> Value {
    if array.is_null(i) {
        return Value::Null;
    }
    macro_rules! num {
        ($t:ty) => {
            serde_json::json!(array.as_primitive::<$t>().value(i))
        };
    }
    use datafusion::arrow::datatypes as t;
    match array.data_type() {
        DataType::Int8 => num!(t::Int8Type),
        DataType::Int16 => num!(t::Int16Type),
        DataType::Int32 => num!(t::Int32Type),
        DataType::Int64 => num!(t::Int64Type),
        DataType::UInt8 => num!(t::UInt8Type),
        DataType::UInt16 => num!(t::UInt16Type),
        DataType::UInt32 => num!(t::UInt32Type),
        DataType::UInt64 => num!(t::UInt64Type),
        DataType::Float32 => num!(t::Float32Type),
        DataType::Float64 => {
            let v = array.as_primitive::<t::Float64Type>().value(i);
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
        }
        DataType::Boolean => Value::Bool(array.as_boolean().value(i)),
        DataType::Timestamp(_, _) => timestamp_micros(array, i)
            .and_then(chrono::DateTime::from_timestamp_micros)
            .map_or(Value::Null, |t| {
                Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            }),
        _ => Value::String(
            datafusion::arrow::util::display::array_value_to_string(array, i).unwrap_or_default(),
        ),
    }
}

/// A timestamp or date value in microseconds since the epoch (UTC).
pub fn timestamp_micros(array: &ArrayRef, i: usize) -> Option<i64> {
    use datafusion::arrow::datatypes as t;
    if array.is_null(i) {
        return None;
    }
    Some(match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            array.as_primitive::<t::TimestampSecondType>().value(i) * 1_000_000
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            array.as_primitive::<t::TimestampMillisecondType>().value(i) * 1_000
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            array.as_primitive::<t::TimestampMicrosecondType>().value(i)
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            array.as_primitive::<t::TimestampNanosecondType>().value(i) / 1_000
        }
        DataType::Date32 => array.as_primitive::<t::Date32Type>().value(i) as i64 * 86_400_000_000,
        _ => return None,
    })
}
