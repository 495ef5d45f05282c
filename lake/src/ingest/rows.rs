//! The careful path: files read one row at a time, in order, so that every malformed row is
//! known by file, row number, column and value. Used when the fast path fails on the data:
//! to name the bad row, or to set bad rows aside (`on_bad_rows: quarantine`).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, StringArray, StringBuilder};
use datafusion::arrow::compute::{CastOptions, cast_with_options, filter_record_batch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use weir_core::dag::task_types::SourceFormat;

use super::files::SourceFile;
use crate::error::{LakeError, Result, RowError};

const CHUNK_ROWS: usize = 8192;

/// A row that could not be loaded, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    pub file: String,
    /// 1-based line number in a text file (a CSV header is line 1); row number in Parquet.
    pub row: u64,
    pub column: Option<String>,
    pub value: Option<String>,
    pub reason: String,
    /// The row as it was read.
    pub record: String,
}

impl Reject {
    pub(crate) fn into_error(self) -> LakeError {
        let hint = match &self.column {
            Some(_) => Some(
                "fix the value, declare another type in `schema`, or set `on_bad_rows: quarantine`"
                    .to_string(),
            ),
            None => Some("set `on_bad_rows: quarantine` to load the other rows".to_string()),
        };
        LakeError::BadRow(Box::new(RowError {
            file: self.file,
            row: self.row,
            column: self.column,
            value: self.value,
            reason: self.reason,
            hint,
        }))
    }
}

/// The rows of one file that loaded, typed to the schema, and those that did not.
#[derive(Debug, Default)]
pub struct Checked {
    pub batches: Vec<RecordBatch>,
    pub rejects: Vec<Reject>,
}

/// How to read a text source.
#[derive(Debug, Clone, Copy)]
pub struct TextOptions {
    pub format: SourceFormat,
    pub delimiter: u8,
    pub header: bool,
}

/// Reads `file` against `schema` (the source columns with their target types). With
/// `first_only`, stops at the first bad row.
pub fn check_file(
    file: &SourceFile,
    options: TextOptions,
    schema: &SchemaRef,
    first_only: bool,
) -> Result<Checked> {
    let io = |e: std::io::Error| LakeError::SourceIo {
        path: file.path.clone(),
        reason: e.to_string(),
    };
    let mut chunk = Chunk::new(file, schema.clone());
    let mut out = Checked::default();
    match options.format {
        SourceFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(options.delimiter)
                .has_headers(false)
                .flexible(true)
                .from_reader(BufReader::new(File::open(&file.path).map_err(io)?));
            let mut record = csv::StringRecord::new();
            let mut first = true;
            loop {
                let read = reader.read_record(&mut record);
                let line = record.position().map_or(0, |p| p.line());
                match read {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => {
                        let line = e.position().map_or(line, |p| p.line());
                        out.rejects.push(chunk.reject(
                            line,
                            None,
                            None,
                            csv_reason(&e),
                            String::new(),
                        ));
                        if first_only {
                            return Ok(out);
                        }
                        continue;
                    }
                }
                if std::mem::take(&mut first) && options.header {
                    continue;
                }
                let raw = record
                    .iter()
                    .collect::<Vec<_>>()
                    .join(&(options.delimiter as char).to_string());
                if record.len() != schema.fields().len() {
                    out.rejects.push(chunk.reject(
                        line,
                        None,
                        None,
                        format!(
                            "expected {} fields, found {}",
                            schema.fields().len(),
                            record.len()
                        ),
                        raw,
                    ));
                } else {
                    chunk.push(line, record.iter().map(Some), raw);
                }
                if chunk.full() && chunk.flush(&mut out, first_only)? {
                    return Ok(out);
                }
            }
        }
        SourceFormat::Jsonl => {
            let reader = BufReader::new(File::open(&file.path).map_err(io)?);
            for (index, line) in reader.lines().enumerate() {
                let line = line.map_err(io)?;
                let number = index as u64 + 1;
                if line.trim().is_empty() {
                    continue;
                }
                let object = match serde_json::from_str::<serde_json::Value>(&line) {
                    Ok(serde_json::Value::Object(map)) => map,
                    Ok(_) => {
                        out.rejects.push(chunk.reject(
                            number,
                            None,
                            None,
                            "not a JSON object".into(),
                            line,
                        ));
                        if first_only {
                            return Ok(out);
                        }
                        continue;
                    }
                    Err(e) => {
                        out.rejects.push(chunk.reject(
                            number,
                            None,
                            None,
                            format!("invalid JSON: {e}"),
                            line,
                        ));
                        if first_only {
                            return Ok(out);
                        }
                        continue;
                    }
                };
                let values: Vec<Option<String>> = schema
                    .fields()
                    .iter()
                    .map(|f| match object.get(f.name()) {
                        None | Some(serde_json::Value::Null) => None,
                        Some(serde_json::Value::String(s)) => Some(s.clone()),
                        Some(other) => Some(other.to_string()),
                    })
                    .collect();
                chunk.push(number, values.iter().map(|v| v.as_deref()), line.clone());
                if chunk.full() && chunk.flush(&mut out, first_only)? {
                    return Ok(out);
                }
            }
        }
        SourceFormat::Parquet => {
            let reader =
                ParquetRecordBatchReaderBuilder::try_new(File::open(&file.path).map_err(io)?)
                    .and_then(|b| b.with_batch_size(CHUNK_ROWS).build())
                    .map_err(|e| LakeError::SourceIo {
                        path: file.path.clone(),
                        reason: e.to_string(),
                    })?;
            let mut offset = 0u64;
            for batch in reader {
                let batch = batch.map_err(|e| LakeError::SourceIo {
                    path: file.path.clone(),
                    reason: e.to_string(),
                })?;
                let typed = check_batch(file, &batch, schema, offset, &mut out.rejects)?;
                offset += batch.num_rows() as u64;
                if first_only && !out.rejects.is_empty() {
                    return Ok(out);
                }
                out.batches.push(typed);
            }
            return Ok(out);
        }
        SourceFormat::Postgres => {
            return Err(LakeError::Invalid("a postgres source has no files".into()));
        }
    }
    chunk.flush(&mut out, first_only)?;
    Ok(out)
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".into(),
        _ => e.to_string(),
    }
}

/// Rows collected as text until there are enough to cast as columns.
struct Chunk<'a> {
    file: &'a SourceFile,
    schema: SchemaRef,
    columns: Vec<StringBuilder>,
    rows: Vec<u64>,
    records: Vec<String>,
}

impl<'a> Chunk<'a> {
    fn new(file: &'a SourceFile, schema: SchemaRef) -> Self {
        let columns = schema
            .fields()
            .iter()
            .map(|_| StringBuilder::new())
            .collect();
        Chunk {
            file,
            schema,
            columns,
            rows: Vec::new(),
            records: Vec::new(),
        }
    }

    fn reject(
        &self,
        row: u64,
        column: Option<String>,
        value: Option<String>,
        reason: String,
        record: String,
    ) -> Reject {
        Reject {
            file: self.file.display.clone(),
            row,
            column,
            value,
            reason,
            record,
        }
    }

    fn push<'v>(
        &mut self,
        row: u64,
        values: impl Iterator<Item = Option<&'v str>>,
        record: String,
    ) {
        for (builder, value) in self.columns.iter_mut().zip(values) {
            // An empty field is null, as the fast path reads it.
            builder.append_option(value.filter(|v| !v.is_empty()));
        }
        self.rows.push(row);
        self.records.push(record);
    }

    fn full(&self) -> bool {
        self.rows.len() >= CHUNK_ROWS
    }

    /// Casts the collected rows; returns whether to stop (a bad row with `first_only`).
    fn flush(&mut self, out: &mut Checked, first_only: bool) -> Result<bool> {
        if self.rows.is_empty() {
            return Ok(false);
        }
        let columns: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        let text = RecordBatch::try_new(
            Arc::new(datafusion::arrow::datatypes::Schema::new(
                self.schema
                    .fields()
                    .iter()
                    .map(|f| {
                        f.as_ref()
                            .clone()
                            .with_data_type(DataType::Utf8)
                            .with_nullable(true)
                    })
                    .collect::<Vec<_>>(),
            )),
            columns,
        )
        .map_err(|e| LakeError::Invalid(e.to_string()))?;
        let mut rejects = Vec::new();
        let (rows, records) = (&self.rows, &self.records);
        let typed = check_rows(
            self.file,
            &text,
            &self.schema,
            |i| (rows[i], records[i].clone()),
            &mut rejects,
        )?;
        let stop = first_only && !rejects.is_empty();
        out.rejects.extend(rejects);
        out.batches.push(typed);
        self.rows.clear();
        self.records.clear();
        Ok(stop)
    }
}

/// Casts a batch read from Parquet; rows are numbered from `offset + 1`.
fn check_batch(
    file: &SourceFile,
    batch: &RecordBatch,
    schema: &SchemaRef,
    offset: u64,
    rejects: &mut Vec<Reject>,
) -> Result<RecordBatch> {
    check_rows(
        file,
        batch,
        schema,
        |i| (offset + i as u64 + 1, String::new()),
        rejects,
    )
}

/// Casts each column of `batch` to the schema's type (by name); a value that does not cast
/// makes its row a reject (the first such column names the reason). Returns the good rows.
fn check_rows(
    file: &SourceFile,
    batch: &RecordBatch,
    schema: &SchemaRef,
    row_of: impl Fn(usize) -> (u64, String),
    rejects: &mut Vec<Reject>,
) -> Result<RecordBatch> {
    let n = batch.num_rows();
    let mut bad: Vec<Option<Reject>> = vec![None; n];
    let mut typed = Vec::with_capacity(schema.fields().len());
    let safe = CastOptions {
        safe: true,
        ..Default::default()
    };
    for field in schema.fields() {
        let Ok(index) = batch.schema().index_of(field.name()) else {
            typed.push(datafusion::arrow::array::new_null_array(
                field.data_type(),
                n,
            ));
            continue;
        };
        let input = batch.column(index);
        let output = cast_with_options(input, field.data_type(), &safe).map_err(|e| {
            LakeError::BadRow(Box::new(RowError {
                file: file.display.clone(),
                row: row_of(0).0,
                column: Some(field.name().clone()),
                value: None,
                reason: format!(
                    "cannot cast {} to {}: {e}",
                    input.data_type(),
                    field.data_type()
                ),
                hint: Some("declare a type the column can be cast to in `schema`".into()),
            }))
        })?;
        for (i, slot) in bad.iter_mut().enumerate() {
            if slot.is_none() && input.is_valid(i) && output.is_null(i) {
                let value = display_value(input, i);
                let (row, record) = row_of(i);
                *slot = Some(Reject {
                    file: file.display.clone(),
                    row,
                    column: Some(field.name().clone()),
                    reason: format!("cannot cast `{value}` to {}", type_name(field.data_type())),
                    value: Some(value),
                    record,
                });
            }
        }
        typed.push(output);
    }
    let keep = BooleanArray::from(bad.iter().map(|b| b.is_none()).collect::<Vec<_>>());
    rejects.extend(bad.into_iter().flatten());
    let batch = RecordBatch::try_new(schema.clone(), typed)
        .map_err(|e| LakeError::Invalid(e.to_string()))?;
    filter_record_batch(&batch, &keep).map_err(|e| LakeError::Invalid(e.to_string()))
}

fn display_value(array: &ArrayRef, i: usize) -> String {
    if let Some(s) = array.as_any().downcast_ref::<StringArray>() {
        return s.value(i).to_string();
    }
    datafusion::arrow::util::display::array_value_to_string(array, i).unwrap_or_default()
}

/// The declared type's name, as written in DAG files.
fn type_name(t: &DataType) -> String {
    super::schema::column_type_of(t)
        .map(|c| {
            serde_json::to_value(c)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        })
        .unwrap_or_else(|| t.to_string())
}
