//! The fast path: the source files as one DataFusion plan (read in parallel, typed while
//! parsed), with the lineage columns; and the schema that plan reads the files with.

use std::sync::Arc;

use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::prelude::{
    CsvReadOptions, DataFrame, Expr, JsonReadOptions, ParquetReadOptions, SessionContext, cast,
    col, lit,
};
use indexmap::IndexMap;
use weir_core::dag::task_types::{ColumnType, LINEAGE_COLUMNS, SourceFormat};

use super::files::SourceFile;
use super::rows::TextOptions;
use super::schema::{arrow_type, storable};
use crate::error::{Context, LakeError, Result};

/// The lineage values every row of this ingest gets.
#[derive(Debug, Clone)]
pub struct Lineage {
    pub batch_id: String,
    /// Microseconds since the epoch, UTC.
    pub ingested_at_us: i64,
}

fn extension(file: &SourceFile) -> String {
    file.path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default()
}

fn csv_options<'a>(
    options: TextOptions,
    ext: &'a str,
    schema: Option<&'a Schema>,
) -> CsvReadOptions<'a> {
    let mut o = CsvReadOptions::new()
        .has_header(options.header)
        .delimiter(options.delimiter)
        .file_extension(ext)
        .schema_infer_max_records(1000);
    if let Some(s) = schema {
        o = o.schema(s);
    }
    o
}

fn json_options<'a>(ext: &'a str, schema: Option<&'a Schema>) -> JsonReadOptions<'a> {
    let mut o = JsonReadOptions::default()
        .file_extension(ext)
        .schema_infer_max_records(1000);
    if let Some(s) = schema {
        o = o.schema(s);
    }
    o
}

/// The source columns and the types they are loaded as: inferred over the files (all of them
/// for Parquet, the first 1,000 rows of each for text), the declared types overriding, every
/// type made storable.
pub async fn source_schema(
    ctx: &SessionContext,
    files: &[SourceFile],
    options: TextOptions,
    declared: &IndexMap<String, ColumnType>,
) -> Result<SchemaRef> {
    let first = &files[0];
    let ext = extension(first);
    let paths: Vec<String> = files.iter().map(|f| f.display.clone()).collect();
    let inferred = match options.format {
        SourceFormat::Csv => ctx.read_csv(paths, csv_options(options, &ext, None)).await,
        SourceFormat::Jsonl => ctx.read_json(paths, json_options(&ext, None)).await,
        SourceFormat::Parquet => {
            ctx.read_parquet(paths, ParquetReadOptions::default().file_extension(&ext))
                .await
        }
        SourceFormat::Postgres => {
            return Err(LakeError::Invalid("a postgres source has no files".into()));
        }
    }
    .map(|df| df.schema().as_arrow().clone());
    let inferred: Schema = match inferred {
        Ok(schema) => schema,
        // Inference reads the first rows, which may be malformed: then the header names the
        // columns and undeclared ones load as strings (the careful path names the bad rows).
        Err(e) => match header_schema(first, options)? {
            Some(schema) => schema,
            None => {
                return Err(LakeError::SourceIo {
                    path: first.path.clone(),
                    reason: format!("cannot read its columns: {e}"),
                });
            }
        },
    };
    let mut fields: Vec<Field> = Vec::new();
    let renamed_by_position =
        options.format == SourceFormat::Csv && !options.header && !declared.is_empty();
    if renamed_by_position {
        // Without a header the declared schema names the columns, in order.
        if declared.len() != inferred.fields().len() {
            return Err(LakeError::Invalid(format!(
                "{}: the file has {} columns and no header, but `schema` declares {} (without a header, `schema` names every column in order)",
                first.display,
                inferred.fields().len(),
                declared.len()
            )));
        }
        for (name, t) in declared {
            fields.push(Field::new(name, arrow_type(*t), true));
        }
    } else {
        for f in inferred.fields() {
            let t = match declared.get(f.name()) {
                Some(t) => arrow_type(*t),
                None => storable(f.data_type()),
            };
            fields.push(Field::new(f.name(), t, true));
        }
        for (name, t) in declared {
            if inferred.field_with_name(name).is_err() {
                if options.format == SourceFormat::Jsonl {
                    // JSON keys are optional: a declared key no row has yet is all nulls.
                    fields.push(Field::new(name, arrow_type(*t), true));
                } else {
                    return Err(LakeError::UnknownColumn {
                        column: name.clone(),
                        place: format!("{} (declared in `schema`)", first.display),
                        known: inferred.fields().iter().map(|f| f.name().clone()).collect(),
                    });
                }
            }
        }
    }
    if let Some(f) = fields
        .iter()
        .find(|f| LINEAGE_COLUMNS.contains(&f.name().as_str()))
    {
        return Err(LakeError::Invalid(format!(
            "{}: the source has a column `{}`, a name Weir reserves for lineage (hint: rename it in the source)",
            first.display,
            f.name()
        )));
    }
    Ok(Arc::new(Schema::new(fields)))
}

/// The lineage columns of one file's rows.
pub fn lineage_exprs(lineage: &Lineage, source: &str) -> Vec<Expr> {
    vec![
        lit(lineage.batch_id.clone()).alias("_batch_id"),
        lit(ScalarValue::TimestampMicrosecond(
            Some(lineage.ingested_at_us),
            Some("UTC".into()),
        ))
        .alias("_ingested_at"),
        lit(source.to_string()).alias("_source"),
    ]
}

/// All files as one plan: the source columns typed to `schema`, then the lineage columns.
pub async fn scan(
    ctx: &SessionContext,
    files: &[SourceFile],
    options: TextOptions,
    schema: &SchemaRef,
    lineage: &Lineage,
) -> Result<DataFrame> {
    let mut union: Option<DataFrame> = None;
    for file in files {
        let ext = extension(file);
        let read = match options.format {
            SourceFormat::Csv => {
                ctx.read_csv(
                    file.display.as_str(),
                    csv_options(options, &ext, Some(schema)),
                )
                .await
            }
            SourceFormat::Jsonl => {
                ctx.read_json(file.display.as_str(), json_options(&ext, Some(schema)))
                    .await
            }
            SourceFormat::Parquet => {
                ctx.read_parquet(
                    file.display.as_str(),
                    ParquetReadOptions::default().file_extension(&ext),
                )
                .await
            }
            SourceFormat::Postgres => unreachable!("checked by source_schema"),
        }
        .context(format!("reading {}", file.display))?;
        let df = typed_with_lineage(read, schema, lineage, &file.display)?;
        union = Some(match union {
            None => df,
            Some(u) => u.union(df).context("combining the source files")?,
        });
    }
    union.ok_or_else(|| LakeError::Invalid("no source files".into()))
}

/// `df`'s columns cast to `schema` (by name), then the lineage columns.
pub fn typed_with_lineage(
    df: DataFrame,
    schema: &SchemaRef,
    lineage: &Lineage,
    source: &str,
) -> Result<DataFrame> {
    let have = df.schema().as_arrow().clone();
    let mut exprs: Vec<Expr> = schema
        .fields()
        .iter()
        .map(|f| match have.field_with_name(f.name()) {
            Ok(h) if h.data_type() == f.data_type() => {
                col(datafusion::common::Column::from_name(f.name()))
            }
            Ok(_) => cast(
                col(datafusion::common::Column::from_name(f.name())),
                f.data_type().clone(),
            )
            .alias(f.name()),
            Err(_) => lit(ScalarValue::try_from(f.data_type()).unwrap_or(ScalarValue::Null))
                .alias(f.name()),
        })
        .collect();
    exprs.extend(lineage_exprs(lineage, source));
    df.select(exprs).context("typing the source columns")
}

/// A CSV file's columns as its header names them, all strings.
fn header_schema(file: &SourceFile, options: TextOptions) -> Result<Option<Schema>> {
    if options.format != SourceFormat::Csv {
        return Ok(None);
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_path(&file.path)
        .map_err(|e| LakeError::SourceIo {
            path: file.path.clone(),
            reason: e.to_string(),
        })?;
    let mut record = csv::StringRecord::new();
    if !reader.read_record(&mut record).unwrap_or(false) {
        return Ok(None);
    }
    let names: Vec<String> = if options.header {
        record.iter().map(str::to_string).collect()
    } else {
        (1..=record.len()).map(|i| format!("column_{i}")).collect()
    };
    Ok(Some(Schema::new(
        names
            .into_iter()
            .map(|n| Field::new(n, datafusion::arrow::datatypes::DataType::Utf8, true))
            .collect::<Vec<_>>(),
    )))
}
