//! A feature view's SQL: per entity, each feature's aggregate over the window of events that
//! ends at the as-of time (exclusive), so that no value is ever computed from a later event.

use std::collections::HashSet;
use std::ops::ControlFlow;

use chrono::{DateTime, Utc};
use datafusion::arrow::datatypes::DataType;
use datafusion::sql::sqlparser::ast::{
    BinaryOperator, DuplicateTreatment, Expr, FunctionArg, FunctionArgExpr, FunctionArgumentClause,
    FunctionArguments, Ident, ObjectName, OrderByExpr, OrderByOptions, visit_expressions_mut,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use indexmap::IndexMap;
use weir_core::dag::task_types::Feature;

use crate::error::{LakeError, Result};
use crate::functions::{COUNT_DISTINCT, FIRST_VALUE, LAST_VALUE, orders_by};
use crate::session::{ident, string_lit};

/// The as-of column of `features.<view>`.
pub const AS_OF: &str = "_as_of";

fn parse(text: &str, what: &str) -> Result<Expr> {
    Parser::new(&GenericDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| LakeError::Sql {
            what: what.to_string(),
            reason: e.to_string(),
        })
}

/// A feature's expression with its filter on every aggregate it calls, `first_value` and
/// `last_value` ordered by event time unless they say otherwise (as `weir_first_value(x, t)`
/// and `weir_last_value(x, t)` where `t` is a time or an integer: the same values, faster),
/// and `count(DISTINCT x)` as `weir_count_distinct(x)` (the same count, with a grouped
/// accumulator for every type).
pub fn rewrite(
    name: &str,
    feature: &Feature,
    timestamp: &str,
    timestamp_type: &DataType,
    aggregates: &HashSet<String>,
) -> Result<String> {
    let what = format!("feature `{name}`");
    let mut expr = parse(&feature.expr, &what)?;
    let filter = feature
        .filter
        .as_deref()
        .map(|f| parse(f, &format!("the filter of feature `{name}`")))
        .transpose()?;
    let mut calls = 0;
    let _ = visit_expressions_mut(&mut expr, |e| {
        if let Expr::Function(f) = e {
            let fname = f.name.to_string().to_lowercase();
            if f.over.is_none() && aggregates.contains(&fname) {
                calls += 1;
                if let Some(cond) = &filter {
                    f.filter = Some(Box::new(match f.filter.take() {
                        None => cond.clone(),
                        Some(old) => Expr::BinaryOp {
                            left: old,
                            op: BinaryOperator::And,
                            right: Box::new(Expr::Nested(Box::new(cond.clone()))),
                        },
                    }));
                }
                if fname == "count"
                    && let FunctionArguments::List(list) = &mut f.args
                    && list.duplicate_treatment == Some(DuplicateTreatment::Distinct)
                    && list.args.len() == 1
                    && list.clauses.is_empty()
                {
                    list.duplicate_treatment = None;
                    f.name = ObjectName::from(vec![Ident::new(COUNT_DISTINCT)]);
                }
                let first_or_last = fname == "last_value" || fname == "first_value";
                if first_or_last
                    && orders_by(timestamp_type)
                    && f.null_treatment.is_none()
                    && let FunctionArguments::List(list) = &mut f.args
                    && list.args.len() == 1
                    && list.clauses.is_empty()
                {
                    f.name = ObjectName::from(vec![Ident::new(if fname == "last_value" {
                        LAST_VALUE
                    } else {
                        FIRST_VALUE
                    })]);
                    list.args.push(FunctionArg::Unnamed(FunctionArgExpr::Expr(
                        Expr::Identifier(Ident::with_quote('"', timestamp)),
                    )));
                } else if first_or_last
                    && let FunctionArguments::List(list) = &mut f.args
                    && !list
                        .clauses
                        .iter()
                        .any(|c| matches!(c, FunctionArgumentClause::OrderBy(_)))
                {
                    list.clauses
                        .push(FunctionArgumentClause::OrderBy(vec![OrderByExpr {
                            expr: Expr::Identifier(Ident::with_quote('"', timestamp)),
                            options: OrderByOptions {
                                asc: None,
                                nulls_first: None,
                            },
                            with_fill: None,
                        }]));
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
    if calls == 0 {
        return Err(LakeError::Sql {
            what,
            reason: format!(
                "`{}` calls no aggregate function (hint: a feature is an aggregate over the window, e.g. `count(*)`, `sum(amount)`, `last_value(amount)`)",
                feature.expr
            ),
        });
    }
    Ok(expr.to_string())
}

/// A timestamp literal in the type of the column it is compared with.
pub fn timestamp_in(at: DateTime<Utc>, column_type: &DataType) -> String {
    let text = string_lit(&at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string());
    match column_type {
        DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64 => {
            format!(
                "arrow_cast({text}, {})",
                string_lit(&column_type.to_string())
            )
        }
        _ => format!("arrow_cast({text}, 'Timestamp(µs, \"UTC\")')"),
    }
}

/// The view's query: one row per entity with events in `[as_of - window, as_of)`.
pub struct ViewSql<'a> {
    pub source: &'a str,
    pub entity: &'a [String],
    pub timestamp: &'a str,
    pub timestamp_type: &'a DataType,
    /// Rewritten feature expressions, by name.
    pub features: &'a IndexMap<String, String>,
    pub start: DateTime<Utc>,
    pub as_of: DateTime<Utc>,
}

impl ViewSql<'_> {
    pub fn sql(&self) -> String {
        let keys: Vec<String> = self.entity.iter().map(|c| ident(c)).collect();
        let mut select = keys.clone();
        for (name, expr) in self.features {
            select.push(format!("{expr} AS {}", ident(name)));
        }
        select.push(format!(
            "arrow_cast({}, 'Timestamp(µs, \"UTC\")') AS {}",
            string_lit(&self.as_of.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
            ident(AS_OF)
        ));
        let ts = ident(self.timestamp);
        let mut conditions = vec![
            format!("{ts} >= {}", timestamp_in(self.start, self.timestamp_type)),
            format!("{ts} < {}", timestamp_in(self.as_of, self.timestamp_type)),
        ];
        conditions.extend(keys.iter().map(|k| format!("{k} IS NOT NULL")));
        format!(
            "SELECT {} FROM {} WHERE {} GROUP BY {}",
            select.join(", "),
            self.source,
            conditions.join(" AND "),
            keys.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::datatypes::TimeUnit;

    use super::*;

    fn aggs() -> HashSet<String> {
        ["count", "sum", "last_value", "first_value", "max"]
            .into_iter()
            .map(String::from)
            .collect()
    }

    #[test]
    fn filters_and_event_order_are_added() {
        let ts = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        let f = |expr: &str, filter: Option<&str>| Feature {
            expr: expr.into(),
            filter: filter.map(String::from),
        };
        assert_eq!(
            rewrite(
                "p",
                &f("count(*)", Some("event_type = 'purchase'")),
                "ts",
                &ts,
                &aggs()
            )
            .unwrap(),
            "count(*) FILTER (WHERE event_type = 'purchase')"
        );
        assert_eq!(
            rewrite("l", &f("last_value(amount)", None), "ts", &ts, &aggs()).unwrap(),
            "weir_last_value(amount, \"ts\")"
        );
        assert_eq!(
            rewrite(
                "l",
                &f("first_value(amount)", Some("amount > 0")),
                "ts",
                &ts,
                &aggs()
            )
            .unwrap(),
            "weir_first_value(amount, \"ts\") FILTER (WHERE amount > 0)"
        );
        // Ordered by a text column, or by the user: DataFusion's own.
        assert_eq!(
            rewrite(
                "l",
                &f("last_value(amount)", None),
                "ts",
                &DataType::Utf8,
                &aggs()
            )
            .unwrap(),
            "last_value(amount ORDER BY \"ts\")"
        );
        assert_eq!(
            rewrite(
                "l",
                &f("last_value(amount ORDER BY seq)", None),
                "ts",
                &ts,
                &aggs()
            )
            .unwrap(),
            "last_value(amount ORDER BY seq)"
        );
        assert_eq!(
            rewrite(
                "r",
                &f("sum(a) / count(*)", Some("a > 0")),
                "ts",
                &ts,
                &aggs()
            )
            .unwrap(),
            "sum(a) FILTER (WHERE a > 0) / count(*) FILTER (WHERE a > 0)"
        );
        assert_eq!(
            rewrite(
                "d",
                &f("count(DISTINCT item_id)", Some("amount > 0")),
                "ts",
                &ts,
                &aggs()
            )
            .unwrap(),
            "weir_count_distinct(item_id) FILTER (WHERE amount > 0)"
        );
        assert_eq!(
            rewrite("d2", &f("count(distinct a, b)", None), "ts", &ts, &aggs()).unwrap(),
            "count(DISTINCT a, b)"
        );
        let err = rewrite("x", &f("amount + 1", None), "ts", &ts, &aggs())
            .unwrap_err()
            .to_string();
        assert!(err.contains("calls no aggregate"), "{err}");
        let err = rewrite("x", &f("sum(", None), "ts", &ts, &aggs())
            .unwrap_err()
            .to_string();
        assert!(err.contains("feature `x`"), "{err}");
    }
}
