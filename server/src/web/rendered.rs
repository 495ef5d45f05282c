//! A task's templated options rendered as its run sees them (the task instance page's
//! "rendered templates"), with the same context a worker builds for an attempt.

use serde_json::{Map, Value};
use weir_core::dag::{Dag, Task};
use weir_core::template::{is_template, render};
use weir_executor::{ContextInputs, build_context};
use weir_store::RunRecord;

pub struct Rendered {
    /// Where the option is: `run`, `source.path`, `env.TOKEN`.
    pub key: String,
    pub template: String,
    /// The rendered text, or why it did not render.
    pub result: Result<String, String>,
}

/// Whether any option of the task reads upstream outputs (then the caller reads them).
pub fn reads_outputs(task: &Task) -> bool {
    serde_json::to_string(task).is_ok_and(|s| s.contains("outputs."))
}

/// Every templated string option of `task`, rendered for `run` and attempt `try_number`.
pub fn render_task(
    dag: &Dag,
    task: &Task,
    run: &RunRecord,
    try_number: i32,
    outputs: Map<String, Value>,
) -> Vec<Rendered> {
    let context = build_context(&ContextInputs {
        dag,
        task_id: task.task_id.as_str(),
        run_id: &run.run_id,
        logical_date: run.logical_date,
        interval: (run.data_interval.start, run.data_interval.end),
        try_number: try_number.max(1),
        conf: run.conf.as_object().cloned().unwrap_or_default(),
        outputs,
    });
    let mut found = Vec::new();
    if let Ok(options) = serde_json::to_value(&task.kind) {
        collect("", &options, &mut found);
    }
    for (name, value) in &task.env {
        if is_template(value) {
            found.push((format!("env.{name}"), value.clone()));
        }
    }
    found
        .into_iter()
        .map(|(key, template)| Rendered {
            result: render(&template, &context).map_err(|e| e.to_string()),
            key,
            template,
        })
        .collect()
}

fn collect(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) if is_template(s) => out.push((prefix.to_string(), s.clone())),
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                collect(&key, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                collect(&format!("{prefix}[{i}]"), v, out);
            }
        }
        _ => {}
    }
}
