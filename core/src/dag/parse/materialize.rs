//! `type: materialize` options: a feature view over a source dataset.

use indexmap::IndexMap;

use super::ingest::check_dataset;
use super::reader::{Ctx, MapReader};
use super::task::Extras;
use crate::dag::keys::FEATURE_KEYS;
use crate::dag::task_types::{Feature, MaterializeTask, TaskKind};
use crate::diag::Code;
use crate::yaml::{Node, Value};

pub(super) fn read_materialize(
    ctx: &mut Ctx<'_>,
    map: &mut MapReader<'_>,
    extras: &mut Extras,
    task_id: &str,
) -> Option<TaskKind> {
    let source = map.required_string(
        ctx,
        "source",
        "name the source dataset, e.g. `source: raw.clicks`",
    );
    let source = source.and_then(|(name, span)| check_dataset(ctx, &name, span).then_some(name));
    let view = match map.string(ctx, "view") {
        Some((v, span)) => {
            match crate::ids::check_id(&v) {
                Ok(()) if !v.contains(['.', '-']) => Some(v),
                _ => {
                    ctx.error(span, Code::InvalidId, format!("`{v}` is no valid feature view name")).hint =
                    Some("use letters, digits and `_`: the view becomes the dataset `features.<view>`".into());
                    None
                }
            }
        }
        None => Some(task_id.replace(['.', '-'], "_")),
    };
    let entity = if map.has("entity") {
        map.string_list(ctx, "entity")
    } else {
        map.missing(
            ctx,
            "entity",
            "name the entity key column(s), e.g. `entity: user_id`",
        );
        None
    };
    let timestamp = map.required_string(
        ctx,
        "timestamp",
        "name the event-time column, e.g. `timestamp: ts`",
    );
    let window = map.string(ctx, "window");
    let features = map.get("features").map(|n| read_features(ctx, n));
    let query = map.string(ctx, "query");
    let online = map.bool(ctx, "online").unwrap_or(true);

    match (&features, &query) {
        (Some(_), Some((_, span))) => {
            ctx.error(
                *span,
                Code::InvalidValue,
                "give `features` or `query`, not both",
            )
            .hint =
                Some("`features` aggregates over `window`; `query` is a full SQL select".into());
        }
        (None, None) => map.missing(
            ctx,
            "features",
            "list features, e.g. `features: {events: count(*)}`, or give a `query`",
        ),
        (Some(_), None) if window.is_none() => map.missing(
            ctx,
            "window",
            "features aggregate over a window ending at the logical date, e.g. `window: 7d`",
        ),
        _ => {}
    }
    if let Some((w, span)) = &window {
        extras.template("window", w, *span);
        if !crate::template::is_template(w)
            && let Err(e) = crate::duration::Duration::parse(w)
        {
            ctx.error(*span, Code::BadDuration, format!("`window`: {}", e.message))
                .hint = Some(e.hint.into());
        }
    }
    if let Some((q, span)) = &query {
        extras.template("query", q, *span);
    }
    let source = source?;
    let entity = entity?;
    let (timestamp, ts_span) = timestamp?;
    for (column, span) in &entity {
        extras.column(&source, column, *span);
    }
    extras.column(&source, &timestamp, ts_span);
    Some(TaskKind::Materialize(MaterializeTask {
        source,
        view: view?,
        entity: entity.into_iter().map(|(e, _)| e).collect(),
        timestamp,
        window: window.map(|(w, _)| w),
        features: features.flatten().unwrap_or_default(),
        query: query.map(|(q, _)| q),
        online,
    }))
}

fn read_features(ctx: &mut Ctx<'_>, node: &Node) -> Option<IndexMap<String, Feature>> {
    let map = MapReader::new(ctx, node, "features", "`features`")?;
    let mut out = IndexMap::new();
    for (key, value) in map.entries() {
        let name = key.scalar_text().unwrap_or_default();
        let name_ok = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name_ok {
            ctx.error(
                key.span,
                Code::InvalidId,
                format!("`{name}` is no valid feature name"),
            )
            .hint = Some("feature names become columns: letters, digits and `_`".into());
            continue;
        }
        let feature = match &value.value {
            Value::Str(expr) => Some(Feature {
                expr: expr.clone(),
                filter: None,
            }),
            Value::Map(_) => {
                let Some(mut fmap) = MapReader::new(ctx, value, &name, format!("feature `{name}`"))
                else {
                    continue;
                };
                let expr = fmap.required_string(ctx, "expr", "a SQL aggregate, e.g. `sum(amount)`");
                let filter = fmap.string(ctx, "filter").map(|(f, _)| f);
                fmap.finish(ctx, FEATURE_KEYS);
                expr.map(|(expr, _)| Feature { expr, filter })
            }
            _ => {
                ctx.wrong_type(
                    value,
                    &name,
                    "a SQL aggregate or a mapping with `expr` and `filter`",
                );
                None
            }
        };
        if let Some(f) = feature {
            out.insert(name, f);
        }
    }
    if out.is_empty() && map.entries().is_empty() {
        ctx.error(node.span, Code::InvalidValue, "`features` is empty")
            .hint = Some("add at least one feature, e.g. `events: count(*)`".into());
    }
    Some(out)
}
