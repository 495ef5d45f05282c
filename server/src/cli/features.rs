//! `weir features get|historical`: one entity's values from the online store, and a training
//! set from the lake's offline store, with the same checks as the API's
//! `POST /features/{view}/historical` ([`crate::api::training_set`]).

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::{Map, Value, json};
use weir_lake::arrow::array::{Array, AsArray};
use weir_lake::arrow::csv::ReaderBuilder;
use weir_lake::arrow::csv::reader::Format as CsvFormat;
use weir_lake::arrow::datatypes::{DataType, Field, Schema};
use weir_lake::{Lake, LakeRoot};

use super::runtime::{block_on, open_store};
use super::{Format, table};
use crate::api::training_set::{
    self, AS_OF_COLUMN, DEFAULT_TIMESTAMP_COLUMN, MAX_ROWS, TrainingSetError, columns_of,
};
use crate::config::Config;

#[derive(Subcommand, Debug)]
pub enum FeaturesCommand {
    /// One entity's latest feature values from the online store, with their as-of time.
    Get {
        view: String,
        /// The entity key; a key of several columns is their values joined by `|`.
        entity: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// A training set without leakage: each row of a CSV or JSON lines file with the view's
    /// features as of the row's own timestamp, read from the lake's offline store.
    Historical {
        view: String,
        /// The entity rows: `.csv` with a header, or `.jsonl` (one JSON object a line). Each
        /// needs the view's key columns and the timestamp; other columns pass through.
        #[arg(long)]
        input: PathBuf,
        /// The column holding each row's time (RFC 3339, or a date; UTC without an offset).
        #[arg(long, default_value = DEFAULT_TIMESTAMP_COLUMN)]
        timestamp_column: String,
        /// Where to write the training set: `.csv` or `.jsonl` (default: standard output, in
        /// the input's format).
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

pub fn run(config: &Config, cmd: FeaturesCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        FeaturesCommand::Get {
            view,
            entity,
            format,
        } => block_on(get(config, &view, &entity, format)),
        FeaturesCommand::Historical {
            view,
            input,
            timestamp_column,
            output,
        } => {
            let read_as = RowsFormat::of(&input, "--input")?;
            let write_as = match &output {
                Some(path) => RowsFormat::of(path, "--output")?,
                None => read_as,
            };
            let rows = EntityRows::read(&input, read_as)?;
            block_on(historical(HistoricalJob {
                config,
                view: &view,
                timestamp: &timestamp_column,
                input: &input,
                rows,
                output: output.as_deref(),
                write_as,
            }))
        }
    }
}

async fn get(
    config: &Config,
    view: &str,
    entity: &str,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let store = open_store(config).await?;
    let Some(found) = store.online_features(view, entity).await? else {
        let info = training_set::find_view(store.list_feature_views().await?, view)
            .map_err(anyhow::Error::msg)?;
        bail!(
            "feature view `{view}` has no values for entity `{entity}` in the online store (a key of several columns, {}, is their values joined by `|`)",
            info.entity.join(", ")
        );
    };
    match format {
        Format::Json => println!(
            "{}",
            json!({"view": view, "entity": found.entity_key, "features": found.features, "as_of": found.as_of})
        ),
        Format::Text => {
            println!(
                "{view} {} as of {}",
                found.entity_key,
                found.as_of.to_rfc3339()
            );
            let rows: Vec<Vec<String>> = found
                .features
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, value)| vec![name.clone(), cell(value)])
                .collect();
            print!("{}", table::render(&["FEATURE", "VALUE"], &rows));
        }
    }
    Ok(ExitCode::SUCCESS)
}

struct HistoricalJob<'a> {
    config: &'a Config,
    view: &'a str,
    timestamp: &'a str,
    input: &'a Path,
    rows: EntityRows,
    output: Option<&'a Path>,
    write_as: RowsFormat,
}

async fn historical(job: HistoricalJob<'_>) -> anyhow::Result<ExitCode> {
    let store = open_store(job.config).await?;
    let info = training_set::find_view(store.list_feature_views().await?, job.view)
        .map_err(anyhow::Error::msg)?;
    let lake = open_lake(job.config)?;
    let EntityRows {
        columns,
        rows: mut rest,
        lines,
    } = job.rows;
    // The API joins at most MAX_ROWS at once; a file may hold more, joined in parts.
    let mut rows = Vec::with_capacity(rest.len());
    let features = loop {
        let tail = rest.split_off(rest.len().min(MAX_ROWS));
        let part = std::mem::replace(&mut rest, tail);
        let offset = rows.len();
        let set = training_set::build(&lake, &info, job.timestamp, part)
            .await
            .map_err(|e| explain(e, job.input, &lines[offset..]))?;
        rows.extend(set.rows);
        if rest.is_empty() {
            break set.features;
        }
    };
    let set = training_set::TrainingSet { features, rows };
    let mut first = columns;
    first.extend(set.features.iter().cloned());
    first.push(AS_OF_COLUMN.to_string());
    let columns = columns_of(&first, &set.rows);
    match job.output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = BufWriter::new(file);
            write_rows(&mut out, job.write_as, &columns, &set.rows)
                .and_then(|()| out.flush())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            write_rows(&mut out, job.write_as, &columns, &set.rows)
                .context("cannot write the training set")?;
        }
    }
    eprintln!(
        "{} rows with {} features of `{}` as of each row's `{}`{}{}",
        set.rows.len(),
        set.features.len(),
        job.view,
        job.timestamp,
        match set.rows_without_snapshot() {
            0 => String::new(),
            n => format!("; {n} rows are older than every snapshot (their features are null)"),
        },
        job.output
            .map(|p| format!("; written to {}", p.display()))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

/// The lake at `lake_url` (`WEIR_LAKE_URL`; default: the folder `lake` in the state directory).
fn open_lake(config: &Config) -> anyhow::Result<Lake> {
    let root = LakeRoot::from_setting(config.lake_url.as_deref(), &config.home)
        .context("cannot open the lake (lake_url, WEIR_LAKE_URL)")?;
    Ok(Lake::new(root))
}

/// A join's error, with rows named by their file and line.
fn explain(e: TrainingSetError, input: &Path, lines: &[usize]) -> anyhow::Error {
    let TrainingSetError::BadRows { problems, total } = &e else {
        return e.into();
    };
    let mut text = format!(
        "the entity rows in {} cannot be joined ({total} problem{}):",
        input.display(),
        if *total == 1 { "" } else { "s" }
    );
    for p in problems {
        let line = lines.get(p.row).copied().unwrap_or(p.row + 1);
        text.push_str(&format!(
            "\n  {}:{line}: column `{}`: {}",
            input.display(),
            p.column,
            p.message
        ));
    }
    if *total > problems.len() {
        text.push_str(&format!("\n  ... and {} more", total - problems.len()));
    }
    anyhow::Error::msg(text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowsFormat {
    Csv,
    JsonLines,
}

impl RowsFormat {
    fn of(path: &Path, flag: &str) -> anyhow::Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Ok(RowsFormat::Csv),
            Some("jsonl" | "ndjson" | "json") => Ok(RowsFormat::JsonLines),
            _ => bail!(
                "{flag} {}: name a `.csv` or a `.jsonl` file",
                path.display()
            ),
        }
    }
}

/// Entity rows read from a file, each with the line it starts on (for error messages).
struct EntityRows {
    /// The columns in the file's order (a CSV header; JSON lines in the order first seen).
    columns: Vec<String>,
    rows: Vec<Map<String, Value>>,
    lines: Vec<usize>,
}

impl EntityRows {
    fn read(path: &Path, format: RowsFormat) -> anyhow::Result<Self> {
        let what = || format!("cannot read {}", path.display());
        let file = File::open(path).with_context(what)?;
        let rows = match format {
            RowsFormat::Csv => read_csv(file),
            RowsFormat::JsonLines => read_json_lines(file),
        };
        rows.with_context(what)
    }
}

/// Every cell as text, an empty one as null: a CSV has no types, and the keys are read in the
/// view's types by the join, while passed-through columns come back as they were written.
fn read_csv(mut file: File) -> anyhow::Result<EntityRows> {
    let (header, _) = CsvFormat::default()
        .with_header(true)
        .infer_schema(&mut file, Some(0))?;
    let columns: Vec<String> = header.fields().iter().map(|f| f.name().clone()).collect();
    let schema = Schema::new(
        columns
            .iter()
            .map(|c| Field::new(c, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    );
    file.rewind()?;
    let reader = ReaderBuilder::new(Arc::new(schema))
        .with_header(true)
        .build(file)?;
    let (mut rows, mut lines) = (Vec::new(), Vec::new());
    for batch in reader {
        let batch = batch?;
        let cells: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| c.as_string::<i32>())
            .collect();
        for r in 0..batch.num_rows() {
            let mut row = Map::new();
            for (name, cells) in columns.iter().zip(&cells) {
                let value = match cells.is_null(r) || cells.value(r).is_empty() {
                    true => Value::Null,
                    false => Value::String(cells.value(r).to_string()),
                };
                row.insert(name.clone(), value);
            }
            rows.push(row);
            // The header is line 1 (a quoted cell spanning lines shifts this).
            lines.push(rows.len() + 1);
        }
    }
    Ok(EntityRows {
        columns,
        rows,
        lines,
    })
}

fn read_json_lines(file: File) -> anyhow::Result<EntityRows> {
    let (mut rows, mut lines) = (Vec::new(), Vec::new());
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&line) {
            Ok(Value::Object(row)) => {
                rows.push(row);
                lines.push(i + 1);
            }
            Ok(_) => bail!("line {}: not a JSON object", i + 1),
            Err(e) => bail!("line {}: {e}", i + 1),
        }
    }
    Ok(EntityRows {
        columns: columns_of(&[], &rows),
        rows,
        lines,
    })
}

fn write_rows(
    out: &mut impl Write,
    format: RowsFormat,
    columns: &[String],
    rows: &[Map<String, Value>],
) -> std::io::Result<()> {
    match format {
        RowsFormat::JsonLines => {
            for row in rows {
                serde_json::to_writer(&mut *out, row)?;
                out.write_all(b"\n")?;
            }
        }
        RowsFormat::Csv => {
            let line = |cells: Vec<String>| {
                let quoted: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
                format!("{}\n", quoted.join(","))
            };
            out.write_all(line(columns.to_vec()).as_bytes())?;
            for row in rows {
                let cells = columns
                    .iter()
                    .map(|c| row.get(c).map(cell).unwrap_or_default())
                    .collect();
                out.write_all(line(cells).as_bytes())?;
            }
        }
    }
    Ok(())
}

/// A value as a table or CSV cell: text unquoted, null empty, anything else as JSON.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A CSV field, quoted when it holds a separator, a quote or a line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("u1"), "u1");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(
            RowsFormat::of(Path::new("a.CSV"), "--input").unwrap(),
            RowsFormat::Csv
        );
        assert_eq!(
            RowsFormat::of(Path::new("a.jsonl"), "--input").unwrap(),
            RowsFormat::JsonLines
        );
        let err = RowsFormat::of(Path::new("a.parquet"), "--input").unwrap_err();
        assert!(err.to_string().contains(".csv"), "{err}");
    }
}
