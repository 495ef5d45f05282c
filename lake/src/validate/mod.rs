//! `validate`: an expectation suite over a dataset (its latest version, or this run's batch).
//!
//! Every column expectation is one column of a single aggregate query, so the data is read
//! once (`not_null` on the whole table is answered by the files' statistics instead, so its
//! column is not read at all); unique over several columns and referential checks need a
//! query each; samples of failing rows are read only for expectations that failed.

mod plan;
mod stats;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use weir_core::dag::task_types::{
    Bounds, Check, Expectation, LINEAGE_COLUMNS, Severity, ValidateScope, ValidateTask,
};

use self::plan::{Measure, default_name, failing_rows, kind, measure};
use self::stats::FileStats;
use crate::batch::Batch;
use crate::dataset::{DatasetName, Lake, table_version};
use crate::error::{LakeError, Result};
use crate::ingest::schema::column_type_of;
use crate::query::register;
use crate::session::{ident, new_session, string_lit};
use crate::values::{rows_as_json, timestamp_micros, value_at};

/// Failing rows kept per expectation.
pub const SAMPLE_ROWS: usize = 20;

/// One validation, as the task instance asks for it (templates rendered).
#[derive(Debug, Clone)]
pub struct ValidateRequest<'a> {
    pub task: &'a ValidateTask,
    /// The run: `scope: batch` reads the rows whose `_batch_id` starts with its prefix.
    pub batch: &'a Batch,
    /// `freshness` measures age against it.
    pub logical_date: DateTime<Utc>,
}

/// The result of one expectation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectationResult {
    pub name: String,
    pub kind: String,
    pub severity: Severity,
    pub passed: bool,
    /// The statistic checked (a count, min, max, mean, newest timestamp, type), or the
    /// unexpected count for row checks.
    pub observed: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unexpected_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unexpected_percent: Option<f64>,
    /// Up to [`SAMPLE_ROWS`] failing rows, each a JSON object.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<serde_json::Map<String, Value>>,
    /// Why it failed, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The result of a suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateOutcome {
    pub dataset: String,
    pub version: i64,
    pub scope: ValidateScope,
    pub rows: u64,
    pub results: Vec<ExpectationResult>,
    pub passed: u32,
    pub failed: u32,
    pub warned: u32,
}

impl ValidateOutcome {
    /// Whether the task succeeds: no error-severity expectation failed.
    pub fn success(&self) -> bool {
        self.failed == 0
    }

    /// The failed expectations, for the task's failure reason.
    pub fn failure_summary(&self) -> String {
        self.results
            .iter()
            .filter(|r| !r.passed && r.severity == Severity::Error)
            .map(|r| format!("{}: {}", r.name, r.message.clone().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl Lake {
    /// Runs the task's expectations; see the module docs.
    pub async fn validate(&self, request: &ValidateRequest<'_>) -> Result<ValidateOutcome> {
        let task = request.task;
        let name = DatasetName::parse(&task.dataset)?;
        let table = self.table(&name).await?;
        let version = table_version(&table);
        let ctx = new_session();
        register(&ctx, &name, &table).await?;
        let schema: Schema = table
            .snapshot()
            .map(|s| s.snapshot().arrow_schema().as_ref().clone())
            .map_err(|e| LakeError::Invalid(e.to_string()))?;
        check_columns(&name, &schema, &task.expect)?;
        // Referenced datasets are registered under their names too.
        let mut referenced = Vec::new();
        for e in &task.expect {
            if let Check::Referential {
                dataset,
                ref_column,
                ..
            } = &e.check
            {
                let other = DatasetName::parse(dataset)?;
                let t = self.table(&other).await?;
                let s = t
                    .snapshot()
                    .map_err(|e| LakeError::Invalid(e.to_string()))?;
                let s = s.snapshot().arrow_schema();
                if s.field_with_name(ref_column).is_err() {
                    return Err(LakeError::UnknownColumn {
                        column: ref_column.clone(),
                        place: format!("dataset `{other}`"),
                        known: s.fields().iter().map(|f| f.name().clone()).collect(),
                    });
                }
                register(&ctx, &other, &t).await?;
                referenced.push(other);
            }
        }
        let relation = match task.scope {
            ValidateScope::Latest => format!("{}.{}", ident(name.zone()), ident(name.name())),
            ValidateScope::Batch => format!(
                "(SELECT * FROM {}.{} WHERE starts_with(_batch_id, {}))",
                ident(name.zone()),
                ident(name.name()),
                string_lit(&request.batch.run_prefix())
            ),
        };
        let with_t = format!("WITH t AS (SELECT * FROM {relation}) ");
        let referenced_name = |d: &str| {
            DatasetName::parse(d)
                .map(|n| format!("{}.{}", ident(n.zone()), ident(n.name())))
                .unwrap_or_default()
        };
        // The whole table's file statistics answer `not_null` exactly: its column is not read.
        let stats = match task.scope {
            ValidateScope::Latest => FileStats::of(&table),
            ValidateScope::Batch => FileStats::default(),
        };
        let measures: Vec<Measure> = task
            .expect
            .iter()
            .enumerate()
            .map(|(i, e)| match &e.check {
                Check::NotNull { column } => match stats.nulls(column) {
                    Some((unexpected, base)) => Measure::Known { unexpected, base },
                    None => measure(i, &e.check, &referenced_name),
                },
                _ => measure(i, &e.check, &referenced_name),
            })
            .collect();

        // The one aggregate query.
        let mut columns = vec!["count(*) AS n".to_string()];
        for m in &measures {
            if let Measure::Aggregate {
                unexpected,
                base,
                value,
                ..
            } = m
            {
                columns.extend([unexpected, base, value].into_iter().flatten().cloned());
            }
        }
        let sql = format!("{with_t}SELECT {} FROM t", columns.join(", "));
        let aggregate = run(&ctx, &sql, "the expectations").await?;
        let row = OneRow::new(&aggregate);
        let rows = row.u64("n").unwrap_or(0);

        let mut results = Vec::with_capacity(task.expect.len());
        for (i, (e, m)) in task.expect.iter().zip(&measures).enumerate() {
            let name = e.name.clone().unwrap_or_else(|| default_name(&e.check));
            let what = format!("expectation `{name}`");
            let (unexpected, base) = match m {
                Measure::Aggregate {
                    unexpected,
                    base,
                    exact,
                    ..
                } => {
                    let mut unexpected =
                        unexpected.as_ref().and_then(|_| row.u64(&format!("u{i}")));
                    if let Some(exact) = exact
                        && unexpected.is_some_and(|u| u > 0)
                    {
                        let own = run(&ctx, &format!("{with_t}{exact}"), &what).await?;
                        unexpected = OneRow::new(&own).u64("u");
                    }
                    (
                        unexpected,
                        base.as_ref().and_then(|_| row.u64(&format!("b{i}"))),
                    )
                }
                Measure::Own { sql } => {
                    let own = run(&ctx, &format!("{with_t}{sql}"), &what).await?;
                    let r = OneRow::new(&own);
                    (r.u64("u"), r.u64("b"))
                }
                Measure::Known { unexpected, base } => (Some(*unexpected), Some(*base)),
                Measure::Schema => (None, None),
            };
            let mut result = judge(
                e,
                &name,
                &row,
                i,
                unexpected,
                base,
                &schema,
                request.logical_date,
            );
            if !result.passed
                && let Some(failing) = failing_rows(&e.check)
            {
                result.samples = samples(&ctx, &with_t, &e.check, &failing, &what).await?;
            }
            results.push(result);
        }
        let count =
            |f: &dyn Fn(&ExpectationResult) -> bool| results.iter().filter(|r| f(r)).count() as u32;
        Ok(ValidateOutcome {
            dataset: name.to_string(),
            version,
            scope: task.scope,
            rows,
            passed: count(&|r| r.passed),
            failed: count(&|r| !r.passed && r.severity == Severity::Error),
            warned: count(&|r| !r.passed && r.severity == Severity::Warn),
            results,
        })
    }
}

/// Every column an expectation names exists, or the error names it and the known ones.
fn check_columns(name: &DatasetName, schema: &Schema, expect: &[Expectation]) -> Result<()> {
    for e in expect {
        for c in e.check.columns() {
            if schema.field_with_name(c).is_err() {
                return Err(LakeError::UnknownColumn {
                    column: c.to_string(),
                    place: format!("dataset `{name}`"),
                    known: schema.fields().iter().map(|f| f.name().clone()).collect(),
                });
            }
        }
    }
    Ok(())
}

async fn run(ctx: &SessionContext, sql: &str, what: &str) -> Result<Vec<RecordBatch>> {
    let sql_error = |e: datafusion::error::DataFusionError| LakeError::Sql {
        what: what.to_string(),
        reason: e.to_string(),
    };
    ctx.sql(sql)
        .await
        .map_err(sql_error)?
        .collect()
        .await
        .map_err(sql_error)
}

async fn samples(
    ctx: &SessionContext,
    with_t: &str,
    check: &Check,
    failing: &str,
    what: &str,
) -> Result<Vec<serde_json::Map<String, Value>>> {
    let sql = match check {
        Check::Unique { .. } => format!("{with_t}SELECT t.* FROM t {failing} LIMIT {SAMPLE_ROWS}"),
        _ => format!("{with_t}SELECT * FROM t WHERE {failing} LIMIT {SAMPLE_ROWS}"),
    };
    let batches = run(ctx, &sql, what).await?;
    let mut rows = rows_as_json(&batches)?;
    for r in &mut rows {
        // Lineage is the same for a batch's rows; the values are what a reader needs.
        for c in LINEAGE_COLUMNS {
            r.remove(*c);
        }
    }
    Ok(rows)
}

/// The single row of the aggregate query, by column name.
struct OneRow<'a> {
    batches: &'a [RecordBatch],
}

impl<'a> OneRow<'a> {
    fn new(batches: &'a [RecordBatch]) -> Self {
        OneRow { batches }
    }

    fn column(&self, name: &str) -> Option<&'a ArrayRef> {
        let b = self.batches.iter().find(|b| b.num_rows() > 0)?;
        b.column_by_name(name)
    }

    fn u64(&self, name: &str) -> Option<u64> {
        let c = self.column(name)?;
        if c.is_null(0) {
            return Some(0);
        }
        let c = datafusion::arrow::compute::cast(c, &DataType::Int64).ok()?;
        Some(
            c.as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                .value(0)
                .max(0) as u64,
        )
    }

    fn value(&self, name: &str) -> Value {
        self.column(name).map_or(Value::Null, |c| value_at(c, 0))
    }

    fn f64(&self, name: &str) -> Option<f64> {
        let c = self.column(name)?;
        if c.is_null(0) {
            return None;
        }
        let c = datafusion::arrow::compute::cast(c, &DataType::Float64).ok()?;
        Some(
            c.as_primitive::<datafusion::arrow::datatypes::Float64Type>()
                .value(0),
        )
    }
}

fn within(v: f64, b: &Bounds) -> bool {
    b.min.is_none_or(|lo| v >= lo) && b.max.is_none_or(|hi| v <= hi)
}

fn bounds_text(b: &Bounds) -> String {
    match (b.min, b.max) {
        (Some(lo), Some(hi)) => format!("[{lo}, {hi}]"),
        (Some(lo), None) => format!(">= {lo}"),
        (None, Some(hi)) => format!("<= {hi}"),
        (None, None) => "any".into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn judge(
    e: &Expectation,
    name: &str,
    row: &OneRow<'_>,
    i: usize,
    unexpected: Option<u64>,
    base: Option<u64>,
    schema: &Schema,
    logical_date: DateTime<Utc>,
) -> ExpectationResult {
    let mut r = ExpectationResult {
        name: name.to_string(),
        kind: kind(&e.check).to_string(),
        severity: e.severity,
        passed: true,
        observed: Value::Null,
        unexpected_count: None,
        unexpected_percent: None,
        samples: Vec::new(),
        message: None,
    };
    let v = format!("v{i}");
    match &e.check {
        Check::RowCount { bounds }
        | Check::MinBetween { bounds, .. }
        | Check::MaxBetween { bounds, .. }
        | Check::MeanBetween { bounds, .. } => {
            r.observed = row.value(&v);
            let what = match &e.check {
                Check::RowCount { .. } => "row count",
                Check::MinBetween { .. } => "minimum",
                Check::MaxBetween { .. } => "maximum",
                _ => "mean",
            };
            match row.f64(&v) {
                Some(x) if within(x, bounds) => {}
                Some(x) => {
                    r.passed = false;
                    r.message = Some(format!("{what} {x} is not {}", bounds_text(bounds)));
                }
                None => {
                    r.passed = false;
                    r.message = Some(format!("no {what}: the column has no values"));
                }
            }
        }
        Check::Freshness { max_age, .. } => {
            let newest = row.column(&v).and_then(|c| timestamp_micros(c, 0));
            r.observed = row.value(&v);
            let limit =
                logical_date - chrono::Duration::from_std(max_age.as_std()).unwrap_or_default();
            match newest.and_then(DateTime::from_timestamp_micros) {
                Some(t) if t >= limit => {}
                Some(t) => {
                    r.passed = false;
                    r.message = Some(format!(
                        "the newest value {} is older than {max_age} before the logical date {}",
                        t.to_rfc3339(),
                        logical_date.to_rfc3339()
                    ));
                }
                None => {
                    r.passed = false;
                    r.message = Some("no timestamp: the column has no values".into());
                }
            }
        }
        Check::ColumnType {
            column,
            column_type,
        } => {
            let actual = schema
                .field_with_name(column)
                .ok()
                .map(|f| f.data_type().clone());
            let actual_type = actual.as_ref().and_then(column_type_of);
            r.observed = json!(actual_type.map_or_else(
                || actual.map(|a| a.to_string()).unwrap_or_default(),
                |t| {
                    serde_json::to_value(t)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                }
            ));
            if actual_type != Some(*column_type) {
                r.passed = false;
                r.message = Some(format!(
                    "column `{column}` is {}, not {}",
                    r.observed,
                    serde_json::to_value(column_type).unwrap_or_default()
                ));
            }
        }
        _ => {
            let unexpected = unexpected.unwrap_or(0);
            let base = base.unwrap_or(0);
            let fraction = if base == 0 {
                0.0
            } else {
                unexpected as f64 / base as f64
            };
            r.observed = json!(unexpected);
            r.unexpected_count = Some(unexpected);
            r.unexpected_percent = Some((fraction * 100.0 * 1e6).round() / 1e6);
            // `mostly`: the fraction of rows that must pass. A tiny tolerance keeps 1.0 exact.
            r.passed = 1.0 - fraction >= e.mostly - 1e-12;
            if !r.passed {
                r.message = Some(if e.mostly < 1.0 {
                    format!(
                        "{unexpected} of {base} rows fail ({:.4}%), more than the {:.4}% `mostly: {}` allows",
                        fraction * 100.0,
                        (1.0 - e.mostly) * 100.0,
                        e.mostly
                    )
                } else {
                    format!("{unexpected} of {base} rows fail")
                });
            }
        }
    }
    r
}
