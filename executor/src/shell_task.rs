//! A shell task's options rendered into the command to run: the same for a worker's attempt
//! and for `weir tasks test`.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use weir_core::dag::Task;
use weir_core::dag::task_types::ShellTask;
use weir_core::template::render;

use crate::process::ShellCommand;

/// An option whose template did not render.
#[derive(Debug)]
pub(crate) struct RenderError {
    key: String,
    message: String,
    /// Whether the template reads upstream outputs, which a local test has to be given.
    pub reads_outputs: bool,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "template error in `{}`: {}", self.key, self.message)
    }
}

/// Renders `run`, `workdir` and the task's `env` against `context`; `env` holds the WEIR_*
/// variables already, and the task's own come after them.
pub(crate) fn shell_command(
    task: &Task,
    shell: &ShellTask,
    context: &Value,
    mut env: Vec<(String, String)>,
    kill_grace: Duration,
    output_dir: PathBuf,
) -> Result<ShellCommand, RenderError> {
    let rendered = |key: &str, text: &str| {
        render(text, context).map_err(|e| RenderError {
            key: key.to_string(),
            message: e.to_string(),
            reads_outputs: text.contains("outputs."),
        })
    };
    let script = rendered("run", &shell.run)?;
    let workdir = shell
        .workdir
        .as_deref()
        .map(|w| rendered("workdir", w))
        .transpose()?
        .map(PathBuf::from);
    for (name, value) in &task.env {
        env.push((name.clone(), rendered(&format!("env.{name}"), value)?));
    }
    Ok(ShellCommand {
        shell: shell.shell.clone(),
        script,
        workdir,
        env,
        timeout: task.timeout.map(|t| t.as_std()),
        kill_grace,
        output_dir,
    })
}
