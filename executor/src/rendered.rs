//! A task's templates as they render for one run: what the dashboard's "rendered" tab and the
//! API show, so that a user sees the exact command or path an attempt ran with.

use serde_json::{Map, Value};
use weir_core::dag::Dag;
use weir_core::template::render;
use weir_store::{RunRecord, Store};

use crate::worker::context::{ContextInputs, build_context, upstream_outputs_of};

/// One templated option of a task: where it is (`run`, `env.TARGET`, `source.path`) and what it
/// renders to, or why it does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedField {
    pub key: String,
    pub template: String,
    pub rendered: Result<String, String>,
}

/// Every option of `task_id` that holds a template, rendered with the run's context (its
/// logical date, params and the outputs its upstream tasks have written so far).
pub async fn rendered_fields(
    store: &dyn Store,
    run: &RunRecord,
    dag: &Dag,
    task_id: &str,
    try_number: i32,
) -> anyhow::Result<Vec<RenderedField>> {
    let Some(task) = dag.task(task_id) else {
        anyhow::bail!("DAG `{}` has no task `{task_id}`", dag.dag_id.as_str());
    };
    let outputs = upstream_outputs_of(store, run.id, task_id, dag).await?;
    let context = build_context(&ContextInputs {
        dag,
        task_id,
        run_id: &run.run_id,
        logical_date: run.logical_date,
        interval: (run.data_interval.start, run.data_interval.end),
        try_number: try_number.max(1),
        conf: run.conf.as_object().cloned().unwrap_or_default(),
        outputs,
    });
    let mut templates = Vec::new();
    if let Value::Object(options) = serde_json::to_value(&task.kind)? {
        collect_templates("", &Value::Object(options), &mut templates);
    }
    let env = task
        .env
        .iter()
        .map(|(k, v)| (format!("env.{k}"), Value::String(v.clone())))
        .collect::<Map<_, _>>();
    collect_templates("", &Value::Object(env), &mut templates);
    Ok(templates
        .into_iter()
        .map(|(key, template)| {
            let rendered = render(&template, &context).map_err(|e| e.to_string());
            RenderedField {
                key,
                template,
                rendered,
            }
        })
        .collect())
}

/// Strings that hold a template, with their dotted path.
fn collect_templates(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) if s.contains("{{") || s.contains("{%") => {
            out.push((prefix.to_string(), s.clone()));
        }
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                collect_templates(&key, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect_templates(&format!("{prefix}[{i}]"), v, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_found_by_path() {
        let value = serde_json::json!({
            "run": "echo {{ ds }}",
            "shell": "bash",
            "source": {"path": "data/{{ ds_nodash }}.csv", "format": "csv"},
            "expect": [{"sql": "x > {{ params.min }}"}],
        });
        let mut out = Vec::new();
        collect_templates("", &value, &mut out);
        let keys: Vec<&str> = out.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["expect[0].sql", "run", "source.path"]);
    }
}
