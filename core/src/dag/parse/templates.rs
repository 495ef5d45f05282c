//! Templates are checked when the DAG is parsed, so a typo fails in review, not at 2 a.m.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;

use super::reader::Ctx;
use super::task::{TaskDraft, TemplateField};
use crate::dag::keys::TEMPLATE_VARIABLES;
use crate::dag::model::Task;
use crate::diag::{Code, Span, did_you_mean};
use crate::params::ParamSpec;

/// Global functions of the template engine, which look like variables to the analysis.
const TEMPLATE_GLOBALS: &[&str] = &["range", "dict", "namespace"];

pub(super) fn check_templates(
    ctx: &mut Ctx<'_>,
    drafts: &[TaskDraft],
    ordered: &[Task],
    params: &IndexMap<String, ParamSpec>,
) {
    let ancestors = ancestors(ordered);
    for draft in drafts {
        let task_id = draft.task.task_id.as_str();
        for field in &draft.templates {
            let vars = match crate::template::referenced_variables(&field.text) {
                Ok(vars) => vars,
                Err(e) => {
                    let message = format!(
                        "template error in `{}` of task `{task_id}` (line {} of the template): {}",
                        field.key, e.line, e.message
                    );
                    ctx.error(field.span, Code::TemplateSyntax, message).hint = Some(
                        "templates use `{{ variable }}` and `{% if ... %}...{% endif %}`".into(),
                    );
                    continue;
                }
            };
            for var in vars {
                check_variable(ctx, field, task_id, &var, params, &ancestors);
            }
        }
    }
}

fn check_variable(
    ctx: &mut Ctx<'_>,
    field: &TemplateField,
    task_id: &str,
    var: &str,
    params: &IndexMap<String, ParamSpec>,
    ancestors: &HashMap<&str, HashSet<&str>>,
) {
    let mut parts = var.split('.');
    let root = parts.next().unwrap_or_default();
    let second = parts.next();
    let span_of = |ctx: &Ctx<'_>, needle: &str| -> Span {
        ctx.find_after(field.span, needle, field.text.lines().count() + 1)
            .unwrap_or(field.span)
    };
    if TEMPLATE_GLOBALS.contains(&root) {
        return;
    }
    if !TEMPLATE_VARIABLES.contains(&root) {
        let span = span_of(ctx, root);
        let hint = match did_you_mean(root, TEMPLATE_VARIABLES.iter().copied()) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!(
                "templates can read {}",
                crate::diag::one_of(TEMPLATE_VARIABLES)
            ),
        };
        ctx.error(
            span,
            Code::UnknownTemplateVariable,
            format!(
                "unknown template variable `{root}` in `{}` of task `{task_id}`",
                field.key
            ),
        )
        .hint = Some(hint);
        return;
    }
    match (root, second) {
        ("params", Some(name)) if !params.contains_key(name) => {
            let span = span_of(ctx, &format!("params.{name}"));
            let hint = match did_you_mean(name, params.keys().map(String::as_str)) {
                Some(close) => format!("did you mean `params.{close}`?"),
                None => "declare it under `params:` with a type and a default".into(),
            };
            ctx.error(
                span,
                Code::UnknownTemplateVariable,
                format!(
                    "unknown param `{name}` in `{}` of task `{task_id}`",
                    field.key
                ),
            )
            .hint = Some(hint);
        }
        ("outputs", Some(upstream)) => {
            let is_upstream = ancestors.get(task_id).is_some_and(|a| a.contains(upstream));
            if is_upstream {
                return;
            }
            let span = span_of(ctx, &format!("outputs.{upstream}"));
            let is_task = ancestors.contains_key(upstream);
            let (message, hint) = if is_task {
                (
                    format!(
                        "task `{task_id}` reads outputs of `{upstream}`, which is not upstream of it"
                    ),
                    format!(
                        "add `{upstream}` to the `needs` of `{task_id}`, so its outputs exist when `{task_id}` runs"
                    ),
                )
            } else {
                let hint = match did_you_mean(upstream, ancestors.keys().copied()) {
                    Some(close) => format!("did you mean `outputs.{close}`?"),
                    None => "`outputs.TASK.KEY` reads the output of an upstream task".into(),
                };
                (
                    format!(
                        "task `{task_id}` reads outputs of `{upstream}`, which is not a task of this DAG"
                    ),
                    hint,
                )
            };
            ctx.error(span, Code::UnknownOutput, message).hint = Some(hint);
        }
        _ => {}
    }
}

/// Every task's transitive upstreams. Tasks come in topological order, so each task's
/// upstreams are complete before it is reached.
fn ancestors(ordered: &[Task]) -> HashMap<&str, HashSet<&str>> {
    let mut out: HashMap<&str, HashSet<&str>> = HashMap::with_capacity(ordered.len());
    for task in ordered {
        let mut set = HashSet::new();
        for up in &task.needs {
            set.insert(up.as_str());
            if let Some(theirs) = out.get(up.as_str()) {
                set.extend(theirs.iter().copied());
            }
        }
        out.insert(task.task_id.as_str(), set);
    }
    out
}
