//! `type: ingest` options: where rows come from and which dataset they go to.

use indexmap::IndexMap;

use super::reader::{Ctx, MapReader, choice_of};
use super::task::Extras;
use crate::dag::keys::{
    BAD_ROW_POLICIES, COLUMN_TYPES, INGEST_FORMATS, INGEST_MODES, INGEST_SOURCE_KEYS,
    SCHEMA_DRIFT_POLICIES,
};
use crate::dag::task_types::{
    BadRows, ColumnType, IngestMode, IngestSource, IngestTask, SchemaDrift, SourceFormat, TaskKind,
};
use crate::diag::{Code, Span};
use crate::yaml::Node;

pub(super) fn read_ingest(
    ctx: &mut Ctx<'_>,
    map: &mut MapReader<'_>,
    extras: &mut Extras,
) -> Option<TaskKind> {
    let source = match map.get("source") {
        Some(node) => read_source(ctx, node, extras),
        None => {
            map.missing(
                ctx,
                "source",
                "e.g. `source: {format: csv, path: \"data/{{ ds }}.csv\"}`",
            );
            None
        }
    };
    let into = map.required_string(
        ctx,
        "into",
        "name the target dataset, e.g. `into: raw.clicks`",
    );
    let into = into.and_then(|(name, span)| check_dataset(ctx, &name, span).then_some(name));
    let schema = map
        .get("schema")
        .map(|n| read_schema(ctx, n))
        .unwrap_or_default();
    let mode = map
        .choice(ctx, "mode", INGEST_MODES, Code::InvalidValue)
        .map_or(IngestMode::Append, |m| {
            if m == "replace" {
                IngestMode::Replace
            } else {
                IngestMode::Append
            }
        });
    let on_schema_drift = map
        .choice(
            ctx,
            "on_schema_drift",
            SCHEMA_DRIFT_POLICIES,
            Code::InvalidValue,
        )
        .map_or(SchemaDrift::Fail, |p| match p {
            "evolve" => SchemaDrift::Evolve,
            "ignore" => SchemaDrift::Ignore,
            _ => SchemaDrift::Fail,
        });
    let on_bad_rows = map
        .choice(ctx, "on_bad_rows", BAD_ROW_POLICIES, Code::InvalidValue)
        .map_or(BadRows::Fail, |p| {
            if p == "quarantine" {
                BadRows::Quarantine
            } else {
                BadRows::Fail
            }
        });
    let into = into?;
    if !schema.is_empty() {
        extras.produces = Some((into.clone(), schema.keys().cloned().collect()));
    }
    Some(TaskKind::Ingest(IngestTask {
        source: source?,
        into,
        schema,
        mode,
        on_schema_drift,
        on_bad_rows,
    }))
}

fn read_source(ctx: &mut Ctx<'_>, node: &Node, extras: &mut Extras) -> Option<IngestSource> {
    let mut map = MapReader::new(ctx, node, "source", "`source`")?;
    let format = match map.string(ctx, "format") {
        Some((f, span)) => choice_of(ctx, &f, span, "format", INGEST_FORMATS, Code::InvalidValue),
        None => {
            map.missing(
                ctx,
                "format",
                "one of `csv`, `jsonl`, `parquet` or `postgres`",
            );
            None
        }
    };
    let path = map.string(ctx, "path");
    let delimiter = map.string(ctx, "delimiter").and_then(|(d, span)| {
        let mut chars = d.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Some(c),
            _ => {
                ctx.error(
                    span,
                    Code::InvalidValue,
                    format!("`delimiter` must be one character, found `{d}`"),
                )
                .hint = Some("write e.g. `delimiter: \";\"` or `delimiter: \"\\t\"`".into());
                None
            }
        }
    });
    let header = map.bool(ctx, "header");
    let connection = map.string(ctx, "connection");
    let query = map.string(ctx, "query");
    let format = match format? {
        "csv" => SourceFormat::Csv,
        "jsonl" => SourceFormat::Jsonl,
        "parquet" => SourceFormat::Parquet,
        _ => SourceFormat::Postgres,
    };
    let misplaced: &[(&str, bool)] = if format == SourceFormat::Postgres {
        &[("path", true), ("delimiter", true), ("header", true)]
    } else {
        &[
            ("connection", true),
            ("query", true),
            ("delimiter", format != SourceFormat::Csv),
            ("header", format != SourceFormat::Csv),
        ]
    };
    for (key, wrong) in misplaced {
        if let (true, Some(span)) = (*wrong, map.key_span(key)) {
            ctx.error(
                span,
                Code::InvalidValue,
                format!("`{key}` does not apply to format `{}`", format_name(format)),
            )
            .hint = Some(match *key {
                "delimiter" | "header" => {
                    "only csv sources take `delimiter` and `header`".to_string()
                }
                "path" => "a postgres source reads `query` through `connection`".to_string(),
                _ => "file sources read `path`; `connection` and `query` are for postgres"
                    .to_string(),
            });
        }
    }
    map.finish(ctx, INGEST_SOURCE_KEYS);
    if format == SourceFormat::Postgres {
        if connection.is_none() {
            map_missing(
                ctx,
                node.span,
                "connection",
                "name a connection, set by WEIR_CONN_<NAME>",
            );
        }
        if query.is_none() {
            map_missing(ctx, node.span, "query", "give the SQL select to snapshot");
        }
    } else if path.is_none() {
        map_missing(
            ctx,
            node.span,
            "path",
            "give a file path or glob, e.g. `data/clicks/{{ ds }}.csv`",
        );
    }
    if let Some((p, span)) = &path {
        extras.template("source.path", p, *span);
    }
    if let Some((q, span)) = &query {
        extras.template("source.query", q, *span);
    }
    Some(IngestSource {
        format,
        path: path.map(|(p, _)| p),
        delimiter: delimiter.unwrap_or(','),
        header: header.unwrap_or(true),
        connection: connection.map(|(c, _)| c),
        query: query.map(|(q, _)| q),
    })
}

fn format_name(format: SourceFormat) -> &'static str {
    match format {
        SourceFormat::Csv => "csv",
        SourceFormat::Jsonl => "jsonl",
        SourceFormat::Parquet => "parquet",
        SourceFormat::Postgres => "postgres",
    }
}

fn map_missing(ctx: &mut Ctx<'_>, span: Span, key: &str, hint: &str) {
    ctx.error(
        span,
        Code::MissingKey,
        format!("`source` is missing the required key `{key}`"),
    )
    .hint = Some(hint.to_string());
}

fn read_schema(ctx: &mut Ctx<'_>, node: &Node) -> IndexMap<String, ColumnType> {
    let mut out = IndexMap::new();
    let Some(map) = MapReader::new(ctx, node, "schema", "`schema`") else {
        return out;
    };
    for (key, value) in map.entries() {
        let column = key.scalar_text().unwrap_or_default();
        let Some(type_name) = value.as_str() else {
            ctx.wrong_type(value, &column, "a column type");
            continue;
        };
        if let Some(t) = choice_of(
            ctx,
            type_name,
            value.span,
            "column type",
            COLUMN_TYPES,
            Code::InvalidValue,
        ) {
            out.insert(column, ColumnType::parse(t).expect("listed type"));
        }
    }
    out
}

/// Dataset names are `zone.name`: they become folder names and SQL identifiers.
pub(super) fn check_dataset(ctx: &mut Ctx<'_>, name: &str, span: Span) -> bool {
    let part_ok =
        |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let ok = matches!(name.split_once('.'), Some((zone, table)) if part_ok(zone) && part_ok(table));
    if !ok {
        ctx.error(
            span,
            Code::InvalidValue,
            format!("`{name}` is no dataset name"),
        )
        .hint = Some(
            "datasets are named `zone.name` with letters, digits and `_`, e.g. `raw.clicks`".into(),
        );
    }
    ok
}
