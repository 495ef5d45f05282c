//! Each expectation as SQL: the aggregate columns it adds to the one query over the dataset,
//! and the predicate that selects its failing rows for samples.

use weir_core::dag::task_types::{Bounds, Check};

use crate::functions::DISTINCT_HASHES;
use crate::session::{ident, string_lit};

/// What an expectation needs from the data.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// Columns of the aggregate query: `(alias, expression)`. `unexpected` counts the failing
    /// rows and `base` the rows it is a fraction of; `value` is an observed statistic.
    Aggregate {
        unexpected: Option<String>,
        base: Option<String>,
        value: Option<String>,
        /// A query (returning `u`) for the exact unexpected count, when the aggregate's may be
        /// too high: it is run only if the aggregate's is not 0.
        exact: Option<String>,
    },
    /// Needs a query of its own (several-column unique, referential): it returns one row with
    /// the unexpected count and the base.
    Own { sql: String },
    /// Decided from the schema alone (column_type).
    Schema,
    /// Known without reading the data (`not_null` from the files' statistics).
    Known { unexpected: u64, base: u64 },
}

/// The SQL pieces of expectation `i`. `t` is the checked relation.
pub fn measure(i: usize, check: &Check, referenced: &dyn Fn(&str) -> String) -> Measure {
    let agg = |unexpected: Option<String>, base: Option<String>, value: Option<String>| {
        Measure::Aggregate {
            unexpected: unexpected.map(|e| format!("{e} AS u{i}")),
            base: base.map(|e| format!("{e} AS b{i}")),
            value: value.map(|e| format!("{e} AS v{i}")),
            exact: None,
        }
    };
    let count_if = |cond: String| format!("sum(CASE WHEN {cond} THEN 1 ELSE 0 END)");
    match check {
        Check::NotNull { column } => agg(
            Some(format!("count(*) - count({})", ident(column))),
            Some("count(*)".into()),
            None,
        ),
        Check::Unique { columns } if columns.len() == 1 => {
            // Distinct hashes (`weir_hash64`'s), not values: eight bytes a row instead of every
            // value kept, sorted per partition and merged, in the one pass. Equal values hash
            // equal, so 0 is exact; a hash shared by two values makes it too high, hence the
            // exact count by GROUP BY when it is not 0.
            let c = ident(&columns[0]);
            Measure::Aggregate {
                unexpected: Some(format!("count({c}) - {DISTINCT_HASHES}({c}) AS u{i}")),
                base: Some(format!("count({c}) AS b{i}")),
                value: None,
                exact: Some(format!(
                    "SELECT coalesce(sum(n) - count(*), 0) AS u FROM (SELECT count(*) AS n FROM t \
                     WHERE {c} IS NOT NULL GROUP BY {c} HAVING count(*) > 1) d"
                )),
            }
        }
        Check::Unique { columns } => {
            let cols: Vec<String> = columns.iter().map(|c| ident(c)).collect();
            let list = cols.join(", ");
            Measure::Own {
                sql: format!(
                    "SELECT coalesce(sum(n) - count(*), 0) AS u, (SELECT count(*) FROM t) AS b \
                     FROM (SELECT count(*) AS n FROM t GROUP BY {list} HAVING count(*) > 1) d"
                ),
            }
        }
        Check::Referential {
            column,
            dataset,
            ref_column,
        } => {
            let c = ident(column);
            Measure::Own {
                sql: format!(
                    "SELECT count(*) AS u, (SELECT count({c}) FROM t) AS b FROM t \
                     WHERE {c} IS NOT NULL AND {c} NOT IN (SELECT {rc} FROM {rt} WHERE {rc} IS NOT NULL)",
                    rc = ident(ref_column),
                    rt = referenced(dataset),
                ),
            }
        }
        Check::ColumnType { .. } => Measure::Schema,
        Check::RowCount { .. } => agg(None, None, Some("count(*)".into())),
        Check::MinBetween { column, .. } => {
            agg(None, None, Some(format!("min({})", ident(column))))
        }
        Check::MaxBetween { column, .. } => {
            agg(None, None, Some(format!("max({})", ident(column))))
        }
        Check::MeanBetween { column, .. } => agg(
            None,
            None,
            Some(format!("avg(CAST({} AS DOUBLE))", ident(column))),
        ),
        Check::Freshness { column, .. } => agg(None, None, Some(format!("max({})", ident(column)))),
        other => {
            let Some(failing) = failing_rows(other) else {
                return agg(None, None, None);
            };
            let base = match other {
                Check::Sql { .. } => "count(*)".to_string(),
                _ => format!("count({})", ident(other.columns()[0])),
            };
            agg(Some(count_if(failing)), Some(base), None)
        }
    }
}

/// The predicate of the rows an expectation fails on, where there is one.
pub fn failing_rows(check: &Check) -> Option<String> {
    Some(match check {
        Check::NotNull { column } => format!("{} IS NULL", ident(column)),
        Check::Between { column, bounds } => {
            let c = ident(column);
            out_of_bounds(&c, bounds)
        }
        Check::InSet { column, values } => {
            let list: Vec<String> = values.iter().map(json_literal).collect();
            format!("{} NOT IN ({})", ident(column), list.join(", "))
        }
        Check::Matches { column, pattern } => format!(
            "NOT regexp_like(CAST({} AS VARCHAR), {})",
            ident(column),
            string_lit(pattern)
        ),
        Check::Sql { condition } => format!("NOT coalesce(({condition}), false)"),
        Check::Unique { columns } => {
            let list: Vec<String> = columns.iter().map(|c| ident(c)).collect();
            let on: Vec<String> = columns
                .iter()
                .map(|c| format!("t.{0} = d.{0}", ident(c)))
                .collect();
            // Used as a join by `samples`, not as a WHERE predicate.
            format!(
                "JOIN (SELECT {l} FROM t GROUP BY {l} HAVING count(*) > 1) d ON {on}",
                l = list.join(", "),
                on = on.join(" AND ")
            )
        }
        _ => return None,
    })
}

fn out_of_bounds(c: &str, bounds: &Bounds) -> String {
    match (bounds.min, bounds.max) {
        (Some(lo), Some(hi)) => format!("({c} < {lo:?} OR {c} > {hi:?})"),
        (Some(lo), None) => format!("{c} < {lo:?}"),
        (None, Some(hi)) => format!("{c} > {hi:?}"),
        (None, None) => "false".into(),
    }
}

/// A value of an `in_set` list as a SQL literal.
fn json_literal(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => string_lit(s),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Null => "NULL".into(),
        other => string_lit(&other.to_string()),
    }
}

/// A short default name: `not_null(user_id)`, `between(amount)`, ...
pub fn default_name(check: &Check) -> String {
    let kind = kind(check);
    match check {
        Check::RowCount { .. } => kind.to_string(),
        Check::Sql { condition } => format!("sql({condition})"),
        other => format!("{kind}({})", other.columns().join(", ")),
    }
}

pub fn kind(check: &Check) -> &'static str {
    match check {
        Check::NotNull { .. } => "not_null",
        Check::Unique { .. } => "unique",
        Check::Between { .. } => "between",
        Check::InSet { .. } => "in_set",
        Check::Matches { .. } => "matches",
        Check::ColumnType { .. } => "column_type",
        Check::RowCount { .. } => "row_count",
        Check::MinBetween { .. } => "min_between",
        Check::MaxBetween { .. } => "max_between",
        Check::MeanBetween { .. } => "mean_between",
        Check::Freshness { .. } => "freshness",
        Check::Sql { .. } => "sql",
        Check::Referential { .. } => "referential",
    }
}
