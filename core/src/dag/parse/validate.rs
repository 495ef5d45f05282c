//! `type: validate` options: the dataset and its expectation suite.

use super::ingest::check_dataset;
use super::reader::{Ctx, MapReader, choice_of, string_list_of};
use super::task::Extras;
use crate::dag::keys::{
    COLUMN_TYPES, EXPECTATION_COMMON_KEYS, EXPECTATION_KINDS, SEVERITIES, VALIDATE_SCOPES,
    expectation_keys,
};
use crate::dag::task_types::{
    Bounds, Check, ColumnType, Expectation, Severity, TaskKind, ValidateScope, ValidateTask,
};
use crate::diag::{Code, Span, one_of};
use crate::yaml::{Node, Value};

pub(super) fn read_validate(
    ctx: &mut Ctx<'_>,
    map: &mut MapReader<'_>,
    extras: &mut Extras,
) -> Option<TaskKind> {
    let dataset = map.required_string(
        ctx,
        "dataset",
        "name the dataset to check, e.g. `dataset: raw.clicks`",
    );
    let dataset = dataset.and_then(|(name, span)| check_dataset(ctx, &name, span).then_some(name));
    let scope = map
        .choice(ctx, "scope", VALIDATE_SCOPES, Code::InvalidValue)
        .map_or(ValidateScope::Latest, |s| {
            if s == "batch" {
                ValidateScope::Batch
            } else {
                ValidateScope::Latest
            }
        });
    let expect = match map.get("expect") {
        Some(node) => read_expectations(ctx, node, dataset.as_deref().unwrap_or(""), extras),
        None => {
            map.missing(
                ctx,
                "expect",
                "list the expectations, e.g. `expect: [{not_null: user_id}]`",
            );
            None
        }
    };
    Some(TaskKind::Validate(ValidateTask {
        dataset: dataset?,
        scope,
        expect: expect?,
    }))
}

fn read_expectations(
    ctx: &mut Ctx<'_>,
    node: &Node,
    dataset: &str,
    extras: &mut Extras,
) -> Option<Vec<Expectation>> {
    let Value::Seq(items) = &node.value else {
        ctx.wrong_type(node, "expect", "a list of expectations");
        return None;
    };
    if items.is_empty() {
        ctx.error(node.span, Code::InvalidValue, "`expect` is empty")
            .hint = Some("add at least one expectation, e.g. `- not_null: user_id`".into());
        return None;
    }
    let before = ctx.diags.len();
    let out: Vec<Expectation> = items
        .iter()
        .filter_map(|item| read_expectation(ctx, item, dataset, extras))
        .collect();
    (ctx.diags.len() == before).then_some(out)
}

fn read_expectation(
    ctx: &mut Ctx<'_>,
    item: &Node,
    dataset: &str,
    extras: &mut Extras,
) -> Option<Expectation> {
    let Value::Map(entries) = &item.value else {
        ctx.wrong_type(item, "expect", "a mapping such as `not_null: user_id`");
        return None;
    };
    let [(key, value)] = entries.as_slice() else {
        ctx.error(
            item.span,
            Code::InvalidValue,
            "each expectation holds exactly one kind",
        )
        .hint = Some(
            "put options inside the kind: `- between: {column: amount, min: 0, severity: warn}`"
                .into(),
        );
        return None;
    };
    let kind_text = key.scalar_text().unwrap_or_default();
    let kind = choice_of(
        ctx,
        &kind_text,
        key.span,
        "expectation",
        EXPECTATION_KINDS,
        Code::UnknownKey,
    )?;
    let mut args = Args::new(ctx, kind, value)?;
    let check = read_check(ctx, kind, &mut args, extras);
    let severity = args
        .map
        .as_mut()
        .and_then(|m| m.choice(ctx, "severity", SEVERITIES, Code::InvalidValue))
        .map_or(Severity::Error, |s| {
            if s == "warn" {
                Severity::Warn
            } else {
                Severity::Error
            }
        });
    let mostly = read_mostly(ctx, &mut args);
    let name = args
        .map
        .as_mut()
        .and_then(|m| m.string(ctx, "name"))
        .map(|(n, _)| n);
    if let Some(map) = args.map {
        let known: Vec<&str> = expectation_keys(kind)
            .iter()
            .chain(EXPECTATION_COMMON_KEYS)
            .copied()
            .collect();
        map.finish(ctx, &known);
    }
    let check = check?;
    for (column, span) in args.columns {
        extras.column(dataset, &column, span);
    }
    Some(Expectation {
        check,
        severity,
        mostly,
        name,
    })
}

/// The expectation's value: a short form (a column, a list, a condition) or a mapping.
struct Args<'n> {
    node: &'n Node,
    map: Option<MapReader<'n>>,
    columns: Vec<(String, Span)>,
}

impl<'n> Args<'n> {
    fn new(ctx: &mut Ctx<'_>, kind: &str, node: &'n Node) -> Option<Self> {
        let map = match &node.value {
            Value::Map(_) => Some(MapReader::new(ctx, node, kind, format!("`{kind}`"))?),
            Value::Str(_) | Value::Seq(_) if matches!(kind, "not_null" | "unique" | "sql") => None,
            _ => {
                let keys = one_of(expectation_keys(kind));
                ctx.wrong_type(node, kind, "a mapping");
                if let Some(d) = ctx.diags.last_mut() {
                    d.hint = Some(format!("write `{kind}: {{...}}` with {keys}"));
                }
                return None;
            }
        };
        Some(Args {
            node,
            map,
            columns: Vec::new(),
        })
    }

    fn column(&mut self, ctx: &mut Ctx<'_>, kind: &str) -> Option<String> {
        let found = match &mut self.map {
            None => self.node.as_str().map(|s| (s.to_string(), self.node.span)),
            Some(map) => {
                map.required_string(ctx, "column", &format!("name the column `{kind}` checks"))
            }
        };
        let (column, span) = found?;
        self.columns.push((column.clone(), span));
        Some(column)
    }

    fn bounds(&mut self, ctx: &mut Ctx<'_>, kind: &str) -> Option<Bounds> {
        let map = self.map.as_mut()?;
        let bounds = Bounds {
            min: map.number(ctx, "min"),
            max: map.number(ctx, "max"),
        };
        if !map.has("min") && !map.has("max") {
            map.missing(
                ctx,
                "min` or `max",
                &format!("`{kind}` needs at least one bound"),
            );
            return None;
        }
        if let (Some(min), Some(max)) = (bounds.min, bounds.max)
            && min > max
        {
            ctx.error(
                map.node.span,
                Code::InvalidValue,
                format!("`{kind}`: min {min} is greater than max {max}"),
            );
            return None;
        }
        Some(bounds)
    }

    fn string(&mut self, ctx: &mut Ctx<'_>, key: &str, hint: &str) -> Option<(String, Span)> {
        match &mut self.map {
            Some(map) => map.required_string(ctx, key, hint),
            None => self.node.as_str().map(|s| (s.to_string(), self.node.span)),
        }
    }
}

fn read_check(
    ctx: &mut Ctx<'_>,
    kind: &str,
    args: &mut Args<'_>,
    extras: &mut Extras,
) -> Option<Check> {
    let check = match kind {
        "not_null" => Check::NotNull {
            column: args.column(ctx, kind)?,
        },
        "unique" => Check::Unique {
            columns: unique_columns(ctx, args)?,
        },
        "between" | "min_between" | "max_between" | "mean_between" => {
            let column = args.column(ctx, kind);
            let bounds = args.bounds(ctx, kind)?;
            let column = column?;
            match kind {
                "between" => Check::Between { column, bounds },
                "min_between" => Check::MinBetween { column, bounds },
                "max_between" => Check::MaxBetween { column, bounds },
                _ => Check::MeanBetween { column, bounds },
            }
        }
        "in_set" => {
            let column = args.column(ctx, kind);
            let map = args.map.as_mut()?;
            let values = match map.get("values") {
                Some(Node {
                    value: Value::Seq(items),
                    ..
                }) if !items.is_empty() => Some(items.iter().map(Node::to_json).collect()),
                Some(other) => {
                    ctx.wrong_type(other, "values", "a non-empty list");
                    None
                }
                None => {
                    map.missing(
                        ctx,
                        "values",
                        "list the allowed values, e.g. `values: [view, click]`",
                    );
                    None
                }
            };
            Check::InSet {
                column: column?,
                values: values?,
            }
        }
        "matches" => {
            let column = args.column(ctx, kind);
            let (pattern, span) = args.string(ctx, "pattern", "give a regular expression")?;
            if let Err(e) = regex::Regex::new(&pattern) {
                ctx.error(span, Code::InvalidValue, format!("invalid `pattern`: {e}"));
                return None;
            }
            Check::Matches {
                column: column?,
                pattern,
            }
        }
        "column_type" => {
            let column = args.column(ctx, kind);
            let (t, span) = args.string(ctx, "type", "one of the column types, e.g. `float64`")?;
            let t = choice_of(ctx, &t, span, "type", COLUMN_TYPES, Code::InvalidValue)?;
            Check::ColumnType {
                column: column?,
                column_type: ColumnType::parse(t).expect("listed type"),
            }
        }
        "row_count" => {
            let bounds = args.bounds(ctx, kind)?;
            if bounds.min.is_some_and(|m| m < 0.0) || bounds.max.is_some_and(|m| m < 0.0) {
                let span = args.map.as_ref().map_or(args.node.span, |m| m.node.span);
                ctx.error(
                    span,
                    Code::InvalidValue,
                    "`row_count` bounds cannot be negative",
                );
                return None;
            }
            Check::RowCount { bounds }
        }
        "freshness" => {
            let column = args.column(ctx, kind);
            let map = args.map.as_mut()?;
            let max_age = if map.has("max_age") {
                map.duration(ctx, "max_age")
            } else {
                map.missing(
                    ctx,
                    "max_age",
                    "how old the newest row may be, e.g. `max_age: 1d`",
                );
                None
            };
            Check::Freshness {
                column: column?,
                max_age: max_age?,
            }
        }
        "sql" => {
            let (condition, span) =
                args.string(ctx, "condition", "a SQL condition every row must satisfy")?;
            extras.template("sql.condition", &condition, span);
            Check::Sql { condition }
        }
        "referential" => {
            let column = args.column(ctx, kind);
            let (dataset, span) = args.string(
                ctx,
                "dataset",
                "the dataset whose column holds the valid values",
            )?;
            if !check_dataset(ctx, &dataset, span) {
                return None;
            }
            let ref_column = args
                .map
                .as_mut()
                .and_then(|m| m.string(ctx, "ref_column"))
                .map(|(c, _)| c);
            let column = column?;
            Check::Referential {
                ref_column: ref_column.unwrap_or_else(|| column.clone()),
                column,
                dataset,
            }
        }
        _ => return None,
    };
    Some(check)
}

fn unique_columns(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> Option<Vec<String>> {
    let list = match &mut args.map {
        None => string_list_of(ctx, args.node, "unique")?,
        Some(map) => match (map.get("column"), map.get("columns")) {
            (Some(node), None) | (None, Some(node)) => string_list_of(ctx, node, "columns")?,
            (Some(_), Some(_)) => {
                ctx.error(
                    map.node.span,
                    Code::InvalidValue,
                    "`unique` takes `column` or `columns`, not both",
                );
                return None;
            }
            (None, None) => {
                map.missing(
                    ctx,
                    "columns",
                    "name the column, or the columns that are unique together",
                );
                return None;
            }
        },
    };
    let columns = list.iter().map(|(c, _)| c.clone()).collect();
    args.columns.extend(list);
    Some(columns)
}

fn read_mostly(ctx: &mut Ctx<'_>, args: &mut Args<'_>) -> f64 {
    let Some(map) = args.map.as_mut() else {
        return 1.0;
    };
    match map.number(ctx, "mostly") {
        Some(m) if m > 0.0 && m <= 1.0 => m,
        Some(m) => {
            let span = map.key_span("mostly").unwrap_or(map.node.span);
            ctx.error(
                span,
                Code::InvalidValue,
                format!("`mostly` is {m}, but it must be in (0, 1]"),
            )
            .hint = Some("`mostly: 0.99` means 99% of rows must pass".into());
            1.0
        }
        None => 1.0,
    }
}
