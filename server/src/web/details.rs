//! A DAG's details: schedule, timezone, the next five runs, params and tasks, and the trigger
//! form, generated from the params' schema. The form posts to the API, which checks the conf;
//! its 422 field errors are shown next to the fields.

use askama::Template;
use axum::extract::{Path, State};
use chrono::Utc;
use weir_core::params::{ParamSpec, ParamType};

use super::dag_header::{self, DagHeader};
use super::format;
use super::page::{Chrome, Nav, PageResult, render};
use crate::app::AppState;
use crate::auth::WebUser;

/// One param's input in the trigger form.
struct ParamField {
    name: String,
    /// text, number, select or json.
    widget: &'static str,
    /// How the page's script reads the value: string, integer, number, boolean or json.
    value_type: &'static str,
    type_name: &'static str,
    value: String,
    options: Vec<String>,
    description: String,
    required: bool,
    /// min, max, length and pattern, as a hint.
    constraints: String,
}

impl ParamField {
    fn new(name: &str, spec: &ParamSpec) -> Self {
        let json_text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let (widget, value_type) = match spec.ty {
            ParamType::String => ("text", "string"),
            ParamType::Integer => ("number", "integer"),
            ParamType::Number => ("number", "number"),
            ParamType::Boolean => ("select", "boolean"),
            ParamType::Array | ParamType::Object => ("json", "json"),
        };
        let mut options: Vec<String> = spec
            .allowed
            .as_ref()
            .map(|a| a.iter().map(json_text).collect())
            .unwrap_or_default();
        if spec.ty == ParamType::Boolean && options.is_empty() {
            options = vec!["true".into(), "false".into()];
        }
        let widget = if options.is_empty() { widget } else { "select" };
        let value_type = if spec.allowed.is_some()
            && !matches!(spec.ty, ParamType::String | ParamType::Boolean)
        {
            "json"
        } else {
            value_type
        };
        let mut constraints = Vec::new();
        if let Some(m) = spec.minimum {
            constraints.push(format!("minimum {m}"));
        }
        if let Some(m) = spec.maximum {
            constraints.push(format!("maximum {m}"));
        }
        if let Some(m) = spec.min_length {
            constraints.push(format!("min length {m}"));
        }
        if let Some(m) = spec.max_length {
            constraints.push(format!("max length {m}"));
        }
        if let Some(p) = &spec.pattern {
            constraints.push(format!("pattern {p}"));
        }
        ParamField {
            name: name.to_string(),
            widget,
            value_type,
            type_name: spec.ty.as_str(),
            value: spec.default.as_ref().map(json_text).unwrap_or_default(),
            options,
            description: spec.description.clone().unwrap_or_default(),
            required: spec.default.is_none(),
            constraints: constraints.join(", "),
        }
    }
}

struct TaskLine {
    task_id: String,
    kind: &'static str,
    needs: String,
    trigger_rule: &'static str,
    retries: u32,
    pool: String,
    line: usize,
}

#[derive(Template)]
#[template(path = "details.html")]
struct DetailsPage {
    chrome: Chrome,
    head: DagHeader,
    loadable: bool,
    file: String,
    timezone: String,
    start_date: String,
    catchup: bool,
    max_active_runs: u32,
    max_active_tasks: u32,
    owner: String,
    latest_version: String,
    next_runs: Vec<String>,
    params: Vec<ParamField>,
    tasks: Vec<TaskLine>,
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(dag_id): Path<String>,
) -> PageResult {
    let (record, dag) = dag_header::load(&state, &dag_id).await?;
    let mut page = DetailsPage {
        chrome: Chrome::new(&user, Nav::Dags, format!("{dag_id} details")),
        head: DagHeader::new(&record, "details"),
        loadable: dag.is_some(),
        file: record.file.clone(),
        timezone: record.summary.timezone.clone(),
        start_date: String::new(),
        catchup: false,
        max_active_runs: 0,
        max_active_tasks: 0,
        owner: record.summary.owner.clone().unwrap_or_default(),
        latest_version: record
            .latest_version
            .map(|v| v.to_string())
            .unwrap_or_else(|| "–".into()),
        next_runs: Vec::new(),
        params: Vec::new(),
        tasks: Vec::new(),
    };
    if let Some(dag) = &dag {
        page.start_date = format::opt_time(dag.start_date);
        page.catchup = dag.catchup;
        page.max_active_runs = dag.max_active_runs;
        page.max_active_tasks = dag.max_active_tasks;
        let tz = dag.timezone;
        page.next_runs = dag
            .timetable()
            .upcoming(Utc::now(), 5)
            .into_iter()
            .map(|r| {
                format!(
                    "{}  ({} {})",
                    format::time(r.logical_date),
                    r.logical_date.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
                    tz
                )
            })
            .collect();
        page.params = dag
            .params
            .iter()
            .map(|(name, spec)| ParamField::new(name, spec))
            .collect();
        page.tasks = dag
            .tasks
            .iter()
            .map(|t| TaskLine {
                task_id: t.task_id.to_string(),
                kind: t.kind.type_name(),
                needs: t
                    .needs
                    .iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                trigger_rule: t.trigger_rule.as_str(),
                retries: t.retry.retries,
                pool: t.pool.clone(),
                line: t.line,
            })
            .collect();
    }
    render(&page)
}
