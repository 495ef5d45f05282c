//! The templated options of data tasks, rendered for one attempt: the ones the parser checks
//! as templates (`source.path`, `source.query`, `window`, `query`, `sql` conditions).

use serde_json::Value;
use weir_core::dag::task_types::{Check, IngestTask, MaterializeTask, ValidateTask};
use weir_core::template::render;

fn rendered(key: &str, text: &str, context: &Value) -> Result<String, String> {
    render(text, context).map_err(|e| format!("template error in `{key}`: {e}"))
}

pub(super) fn ingest(task: &IngestTask, context: &Value) -> Result<IngestTask, String> {
    let mut task = task.clone();
    if let Some(path) = &task.source.path {
        task.source.path = Some(rendered("source.path", path, context)?);
    }
    if let Some(query) = &task.source.query {
        task.source.query = Some(rendered("source.query", query, context)?);
    }
    Ok(task)
}

pub(super) fn validate(task: &ValidateTask, context: &Value) -> Result<ValidateTask, String> {
    let mut task = task.clone();
    for expectation in &mut task.expect {
        if let Check::Sql { condition } = &mut expectation.check {
            *condition = rendered("sql.condition", condition, context)?;
        }
    }
    Ok(task)
}

pub(super) fn materialize(
    task: &MaterializeTask,
    context: &Value,
) -> Result<MaterializeTask, String> {
    let mut task = task.clone();
    if let Some(window) = &task.window {
        task.window = Some(rendered("window", window, context)?);
    }
    if let Some(query) = &task.query {
        task.query = Some(rendered("query", query, context)?);
    }
    Ok(task)
}
