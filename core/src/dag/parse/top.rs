//! The DAG's own keys, and the order in which the parts of a file are checked.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use indexmap::IndexMap;

use super::reader::{Ctx, MapReader, report_duplicate_keys};
use super::{columns, graph, params, task, templates};
use crate::dag::keys::{DAG_KEYS, FORMAT_VERSION};
use crate::dag::model::{DEFAULT_MAX_ACTIVE_RUNS, DEFAULT_MAX_ACTIVE_TASKS, Dag};
use crate::diag::{Code, Span, did_you_mean};
use crate::ids::ID_HINT;
use crate::ids::{DagId, check_id};
use crate::timetable::{Schedule, parse_date_in_tz};
use crate::yaml::{Node, Value};

pub(super) fn read_dag(ctx: &mut Ctx<'_>, root: &Node) -> Option<Dag> {
    if root.value == Value::Null {
        ctx.error(root.span, Code::EmptyDag, "the file holds no DAG")
            .hint = Some("a DAG file needs at least a `tasks:` mapping with one task".into());
        return None;
    }
    let mut map = MapReader::new(ctx, root, "file", "the DAG")?;
    let format_version = read_version(ctx, &mut map);
    let dag_id = read_dag_id(ctx, &mut map);
    let description = map.string(ctx, "description").map(|(s, _)| s);
    let owner = map.string(ctx, "owner").map(|(s, _)| s);
    let tags = map
        .string_list(ctx, "tags")
        .map(|tags| tags.into_iter().map(|(t, _)| t).collect())
        .unwrap_or_default();
    let timezone = read_timezone(ctx, &mut map);
    let schedule = read_schedule(ctx, &mut map);
    let start_date = read_date(ctx, &mut map, "start_date", timezone);
    let end_date = read_date(ctx, &mut map, "end_date", timezone);
    if let (Some(start), Some(end)) = (start_date, end_date)
        && end <= start
    {
        let span = map.key_span("end_date").unwrap_or(root.span);
        ctx.error(
            span,
            Code::InvalidValue,
            "`end_date` is not after `start_date`",
        )
        .hint = Some("no run could be scheduled; move end_date later or remove it".into());
    }
    let catchup = map.bool(ctx, "catchup").unwrap_or(false);
    if catchup && start_date.is_none() && matches!(schedule, Some(Schedule::Cron(_))) {
        map.missing(
            ctx,
            "start_date",
            "catchup creates the runs since start_date, so it needs one",
        );
    }
    if matches!(schedule, Some(Schedule::Once)) && start_date.is_none() {
        map.missing(ctx, "start_date", "`@once` runs once at start_date");
    }
    let max_active_runs = map
        .int(ctx, "max_active_runs", 1, u32::MAX.into())
        .map_or(DEFAULT_MAX_ACTIVE_RUNS, |n| n as u32);
    let max_active_tasks = map
        .int(ctx, "max_active_tasks", 1, u32::MAX.into())
        .map_or(DEFAULT_MAX_ACTIVE_TASKS, |n| n as u32);
    let params = map
        .get("params")
        .map(|node| params::read_params(ctx, node))
        .unwrap_or_default();
    let defaults = match map.get("defaults") {
        Some(node) => task::read_defaults(ctx, node),
        None => task::TaskDefaults::default(),
    };
    let drafts = read_tasks(ctx, &mut map, &defaults);
    map.allow_prefixed("x-");
    map.finish(ctx, DAG_KEYS);

    let tasks = graph::order_tasks(ctx, drafts.as_deref().unwrap_or_default())?;
    let drafts = drafts?;
    templates::check_templates(ctx, &drafts, &tasks, &params);
    columns::check_columns(ctx, &drafts);

    Some(Dag {
        dag_id: dag_id?,
        file: ctx.file.to_string(),
        format_version,
        description,
        owner,
        tags,
        schedule: schedule.unwrap_or(Schedule::Manual),
        timezone,
        start_date,
        end_date,
        catchup,
        max_active_runs,
        max_active_tasks,
        params,
        tasks,
        content_hash: String::new(),
        graph: Default::default(),
        by_id: Vec::new(),
    })
}

fn read_version(ctx: &mut Ctx<'_>, map: &mut MapReader<'_>) -> u64 {
    let Some(node) = map.get("version") else {
        return FORMAT_VERSION;
    };
    match node.value {
        Value::Int(v) if v >= 1 && (v as u64) <= FORMAT_VERSION => v as u64,
        Value::Int(v) if v > 0 => {
            ctx.error(
                node.span,
                Code::UnsupportedVersion,
                format!("this file is written for DAG format version {v}; this Weir reads up to version {FORMAT_VERSION}"),
            )
            .hint = Some("upgrade Weir, or write the file for version 1".into());
            FORMAT_VERSION
        }
        _ => {
            ctx.error(
                node.span,
                Code::UnsupportedVersion,
                "`version` must be a positive integer",
            )
            .hint = Some(format!("write `version: {FORMAT_VERSION}`"));
            FORMAT_VERSION
        }
    }
}

fn read_dag_id(ctx: &mut Ctx<'_>, map: &mut MapReader<'_>) -> Option<DagId> {
    if let Some((id, span)) = map.string(ctx, "dag_id") {
        return match DagId::new(id) {
            Ok(id) => Some(id),
            Err(message) => {
                ctx.error(span, Code::InvalidId, format!("invalid dag_id: {message}"))
                    .hint = Some(ID_HINT.into());
                None
            }
        };
    }
    let stem = std::path::Path::new(ctx.file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match check_id(&stem) {
        Ok(()) => DagId::new(stem).ok(),
        Err(message) => {
            ctx.error(
                Span::at(1, 1, 1),
                Code::InvalidId,
                format!("the file name is no valid dag_id: {message}"),
            )
            .hint = Some("rename the file, or set `dag_id:` in it".into());
            None
        }
    }
}

fn read_timezone(ctx: &mut Ctx<'_>, map: &mut MapReader<'_>) -> Tz {
    let Some((name, span)) = map.string(ctx, "timezone") else {
        return Tz::UTC;
    };
    match Tz::from_str(&name) {
        Ok(tz) => tz,
        Err(_) => {
            let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
            let hint = match did_you_mean(&name, names) {
                Some(close) => format!("did you mean `{close}`?"),
                None => {
                    "use an IANA name such as `UTC`, `Europe/Berlin` or `America/New_York`".into()
                }
            };
            ctx.error(
                span,
                Code::UnknownTimezone,
                format!("unknown timezone `{name}`"),
            )
            .hint = Some(hint);
            Tz::UTC
        }
    }
}

/// `None` when the schedule is invalid; Manual when it is absent.
fn read_schedule(ctx: &mut Ctx<'_>, map: &mut MapReader<'_>) -> Option<Schedule> {
    if !map.has("schedule") {
        map.get("schedule");
        return Some(Schedule::Manual);
    }
    let (text, span) = map.string(ctx, "schedule")?;
    match Schedule::parse(&text) {
        Ok(schedule) => Some(schedule),
        Err(e) => {
            ctx.error(
                span,
                Code::InvalidCron,
                format!("invalid schedule `{text}`: {}", e.message),
            )
            .hint = e.hint;
            None
        }
    }
}

fn read_date(
    ctx: &mut Ctx<'_>,
    map: &mut MapReader<'_>,
    key: &str,
    tz: Tz,
) -> Option<DateTime<Utc>> {
    let node = map.get(key)?;
    let Some(text) = node.as_str() else {
        ctx.wrong_type(node, key, "a date such as 2026-01-01");
        return None;
    };
    match parse_date_in_tz(text, tz) {
        Ok(date) => Some(date),
        Err(message) => {
            ctx.error(node.span, Code::InvalidValue, format!("invalid `{key}`: {message}")).hint =
                Some("write a date `2026-01-01`, a local time `2026-01-01T06:00:00`, or RFC 3339 with an offset".into());
            None
        }
    }
}

fn read_tasks(
    ctx: &mut Ctx<'_>,
    map: &mut MapReader<'_>,
    defaults: &task::TaskDefaults,
) -> Option<Vec<task::TaskDraft>> {
    let Some(node) = map.get("tasks") else {
        let span = map.key_span("tasks").unwrap_or(map.node.span);
        ctx.error(span, Code::EmptyDag, "the DAG has no tasks").hint =
            Some("add a `tasks:` mapping from task id to task, e.g. `hello: {type: shell, run: echo hi}`".into());
        return None;
    };
    let Value::Map(entries) = &node.value else {
        ctx.wrong_type(node, "tasks", "a mapping from task id to task");
        return None;
    };
    if entries.is_empty() {
        ctx.error(node.span, Code::EmptyDag, "the DAG has no tasks")
            .hint = Some("add at least one task under `tasks:`".into());
        return None;
    }
    report_duplicate_keys(ctx, entries, "tasks", Code::DuplicateTask);
    let mut seen = IndexMap::new();
    let mut drafts = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let id = key.scalar_text().unwrap_or_default();
        if seen.insert(id.clone(), ()).is_some() {
            continue;
        }
        if let Some(draft) = task::read_task(ctx, &id, key.span, value, defaults) {
            drafts.push(draft);
        }
    }
    Some(drafts)
}
