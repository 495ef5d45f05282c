//! The keys every task has, the DAG's `defaults` for them, and dispatch to the task types.

use indexmap::IndexMap;

use super::reader::{Ctx, MapReader};
use super::{ingest, materialize, shell, validate};
use crate::dag::keys::{self, DEFAULTS_KEYS, TASK_COMMON_KEYS, TASK_TYPES, TRIGGER_RULES};
use crate::dag::model::{
    Backoff, DEFAULT_POOL, DEFAULT_PRIORITY, DEFAULT_QUEUE, RetryPolicy, Task, TriggerRule,
};
use crate::dag::task_types::TaskKind;
use crate::diag::{Code, Span};
use crate::duration::Duration;
use crate::ids::ID_HINT;
use crate::ids::TaskId;
use crate::yaml::{Node, Value};

/// A string option that is rendered per task instance, kept with its position for checks.
pub(crate) struct TemplateField {
    pub key: String,
    pub text: String,
    pub span: Span,
}

/// A column a task reads from a dataset, to check against a schema declared upstream.
pub(crate) struct ColumnRef {
    pub dataset: String,
    pub column: String,
    pub span: Span,
}

/// A task as read, with what later checks need to know about where things were written.
pub(crate) struct TaskDraft {
    pub task: Task,
    pub id_span: Span,
    pub needs: Vec<(String, Span)>,
    pub templates: Vec<TemplateField>,
    pub columns: Vec<ColumnRef>,
    /// For ingest tasks with a declared schema: the dataset and its columns.
    pub produces: Option<(String, Vec<String>)>,
}

/// What the type-specific readers add to a draft.
#[derive(Default)]
pub(crate) struct Extras {
    pub templates: Vec<TemplateField>,
    pub columns: Vec<ColumnRef>,
    pub produces: Option<(String, Vec<String>)>,
}

impl Extras {
    pub fn template(&mut self, key: &str, text: &str, span: Span) {
        if crate::template::is_template(text) {
            self.templates.push(TemplateField {
                key: key.to_string(),
                text: text.to_string(),
                span,
            });
        }
    }

    pub fn column(&mut self, dataset: &str, column: &str, span: Span) {
        self.columns.push(ColumnRef {
            dataset: dataset.to_string(),
            column: column.to_string(),
            span,
        });
    }
}

/// The common keys as written: in `defaults` or in a task, each optional.
#[derive(Default, Clone)]
pub(crate) struct TaskDefaults {
    trigger_rule: Option<TriggerRule>,
    retries: Option<u32>,
    retry_delay: Option<Duration>,
    retry_backoff: Option<Backoff>,
    max_retry_delay: Option<Duration>,
    timeout: Option<Duration>,
    pool: Option<String>,
    priority: Option<i32>,
    queue: Option<String>,
    env: Vec<(String, String, Span)>,
}

pub(super) fn read_defaults(ctx: &mut Ctx<'_>, node: &Node) -> TaskDefaults {
    let Some(mut map) = MapReader::new(ctx, node, "defaults", "`defaults`") else {
        return TaskDefaults::default();
    };
    let defaults = read_common(ctx, &mut map);
    map.finish(ctx, DEFAULTS_KEYS);
    defaults
}

fn read_common(ctx: &mut Ctx<'_>, map: &mut MapReader<'_>) -> TaskDefaults {
    let trigger_rule = map
        .choice(ctx, "trigger_rule", TRIGGER_RULES, Code::UnknownTriggerRule)
        .and_then(TriggerRule::parse);
    let retry_backoff = map
        .choice(
            ctx,
            "retry_backoff",
            keys::RETRY_BACKOFFS,
            Code::InvalidValue,
        )
        .map(|b| {
            if b == "exponential" {
                Backoff::Exponential
            } else {
                Backoff::Constant
            }
        });
    let env = match map.get("env") {
        Some(node) => read_env(ctx, node),
        None => Vec::new(),
    };
    TaskDefaults {
        trigger_rule,
        retries: map.int(ctx, "retries", 0, 100).map(|n| n as u32),
        retry_delay: map.duration(ctx, "retry_delay"),
        retry_backoff,
        max_retry_delay: map.duration(ctx, "max_retry_delay"),
        timeout: map.duration(ctx, "timeout"),
        pool: read_name(ctx, map, "pool"),
        priority: map
            .int(ctx, "priority", i32::MIN.into(), i32::MAX.into())
            .map(|n| n as i32),
        queue: read_name(ctx, map, "queue"),
        env,
    }
}

fn read_name(ctx: &mut Ctx<'_>, map: &mut MapReader<'_>, key: &str) -> Option<String> {
    let (name, span) = map.string(ctx, key)?;
    match crate::ids::check_id(&name) {
        Ok(()) => Some(name),
        Err(message) => {
            ctx.error(span, Code::InvalidId, format!("invalid `{key}`: {message}"))
                .hint = Some(ID_HINT.into());
            None
        }
    }
}

fn read_env(ctx: &mut Ctx<'_>, node: &Node) -> Vec<(String, String, Span)> {
    let Some(map) = MapReader::new(ctx, node, "env", "`env`") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in map.entries() {
        let name = key.scalar_text().unwrap_or_default();
        let valid_name = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_name {
            ctx.error(
                key.span,
                Code::InvalidValue,
                format!("`{name}` is no valid environment variable name"),
            )
            .hint = Some("use letters, digits and `_`, not starting with a digit".into());
            continue;
        }
        // Numbers and booleans are fine in env: they become their text, as in a shell.
        match (&value.value, value.scalar_text()) {
            (Value::Seq(_) | Value::Map(_) | Value::Null, _) | (_, None) => {
                ctx.wrong_type(value, &name, "a string");
            }
            (_, Some(text)) => out.push((name, text, value.span)),
        }
    }
    out
}

pub(super) fn read_task(
    ctx: &mut Ctx<'_>,
    id: &str,
    id_span: Span,
    node: &Node,
    defaults: &TaskDefaults,
) -> Option<TaskDraft> {
    let task_id = match TaskId::new(id) {
        Ok(t) => Some(t),
        Err(message) => {
            ctx.error(
                id_span,
                Code::InvalidId,
                format!("invalid task id: {message}"),
            )
            .hint = Some(ID_HINT.into());
            None
        }
    };
    let what = format!("task `{id}`");
    if node.value == Value::Null {
        ctx.error(id_span, Code::MissingKey, format!("{what} is empty"))
            .hint = Some("give it at least a `type`, e.g. `type: noop`".into());
        return None;
    }
    let mut map = MapReader::new(ctx, node, id, what.clone())?.with_owner(id_span);
    let type_name = match map.string(ctx, "type") {
        Some((t, span)) => {
            super::reader::choice_of(ctx, &t, span, "type", TASK_TYPES, Code::InvalidValue)
        }
        None => {
            if !map.has("type") {
                map.missing(
                    ctx,
                    "type",
                    "one of `shell`, `noop`, `ingest`, `validate` or `materialize`",
                );
            }
            None
        }
    };
    let description = map.string(ctx, "description").map(|(s, _)| s);
    let needs = map.string_list(ctx, "needs").unwrap_or_default();
    let own = read_common(ctx, &mut map);
    let mut extras = Extras::default();
    let kind = match type_name {
        Some("shell") => shell::read_shell(ctx, &mut map, &mut extras),
        Some("noop") => Some(TaskKind::Noop),
        Some("ingest") => ingest::read_ingest(ctx, &mut map, &mut extras),
        Some("validate") => validate::read_validate(ctx, &mut map, &mut extras),
        Some("materialize") => materialize::read_materialize(ctx, &mut map, &mut extras, id),
        _ => None,
    };
    let known: Vec<&str> = TASK_COMMON_KEYS
        .iter()
        .chain(type_keys(type_name))
        .copied()
        .collect();
    map.finish(ctx, &known);

    let mut env: IndexMap<String, String> = IndexMap::new();
    for (name, value, span) in defaults.env.iter().chain(own.env.iter()) {
        extras.template(&format!("env.{name}"), value, *span);
        env.insert(name.clone(), value.clone());
    }
    let base = RetryPolicy::default();
    let task = Task {
        task_id: task_id?,
        description,
        needs: needs
            .iter()
            .filter_map(|(n, _)| TaskId::new(n.clone()).ok())
            .collect(),
        trigger_rule: own
            .trigger_rule
            .or(defaults.trigger_rule)
            .unwrap_or_default(),
        retry: RetryPolicy {
            retries: own.retries.or(defaults.retries).unwrap_or(base.retries),
            delay: own
                .retry_delay
                .or(defaults.retry_delay)
                .unwrap_or(base.delay),
            backoff: own
                .retry_backoff
                .or(defaults.retry_backoff)
                .unwrap_or(base.backoff),
            max_delay: own
                .max_retry_delay
                .or(defaults.max_retry_delay)
                .unwrap_or(base.max_delay),
        },
        timeout: own.timeout.or(defaults.timeout),
        pool: own
            .pool
            .or_else(|| defaults.pool.clone())
            .unwrap_or_else(|| DEFAULT_POOL.into()),
        priority: own
            .priority
            .or(defaults.priority)
            .unwrap_or(DEFAULT_PRIORITY),
        queue: own
            .queue
            .or_else(|| defaults.queue.clone())
            .unwrap_or_else(|| DEFAULT_QUEUE.into()),
        env,
        kind: kind?,
        line: id_span.start.line,
    };
    Some(TaskDraft {
        task,
        id_span,
        needs,
        templates: extras.templates,
        columns: extras.columns,
        produces: extras.produces,
    })
}

fn type_keys(type_name: Option<&str>) -> &'static [&'static str] {
    match type_name {
        Some("shell") => keys::SHELL_KEYS,
        Some("noop") => keys::NOOP_KEYS,
        Some("ingest") => keys::INGEST_KEYS,
        Some("validate") => keys::VALIDATE_KEYS,
        Some("materialize") => keys::MATERIALIZE_KEYS,
        // With no valid type, option keys of every type are accepted so that one mistake is
        // not reported as ten unknown keys.
        _ => ALL_OPTION_KEYS,
    }
}

const ALL_OPTION_KEYS: &[&str] = &[
    "run",
    "shell",
    "workdir",
    "source",
    "into",
    "schema",
    "mode",
    "on_schema_drift",
    "on_bad_rows",
    "dataset",
    "scope",
    "expect",
    "view",
    "entity",
    "timestamp",
    "window",
    "features",
    "query",
    "online",
];
