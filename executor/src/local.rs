//! `weir tasks test`: one task, run here and now with its templates rendered and its log on the
//! terminal, touching no state. How users debug a task before it runs for real.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;
use weir_core::dag::Dag;
use weir_core::dag::task_types::TaskKind;

use crate::process::{Exit, LogLimits, LogLine, ShellCommand, run_shell};
use crate::shell_task::shell_command;
use crate::worker::context::{ContextInputs, build_context, env_for};

pub struct LocalRun {
    pub dag: Dag,
    pub task_id: String,
    pub logical_date: DateTime<Utc>,
    pub conf: Map<String, Value>,
    /// Outputs of upstream tasks, given by the user since nothing ran before.
    pub outputs: Map<String, Value>,
}

pub struct LocalOutcome {
    /// None for tasks that run no process (noop).
    pub exit: Option<Exit>,
    pub output: Option<Value>,
    pub output_error: Option<String>,
}

/// Renders and runs the task; each log line goes to `print` as it arrives.
pub async fn run_task_locally(
    run: LocalRun,
    mut print: impl FnMut(&LogLine) + Send,
    cancel: CancellationToken,
) -> anyhow::Result<LocalOutcome> {
    let dag = &run.dag;
    let Some(task) = dag.task(&run.task_id) else {
        anyhow::bail!("DAG `{}` has no task `{}`", dag.dag_id, run.task_id);
    };
    let interval = dag.timetable().manual_data_interval(run.logical_date);
    let run_id = format!("test__{}", run.logical_date.to_rfc3339());
    let context = build_context(&ContextInputs {
        dag,
        task_id: &run.task_id,
        run_id: &run_id,
        logical_date: run.logical_date,
        interval: (interval.start, interval.end),
        try_number: 1,
        conf: run.conf.clone(),
        outputs: run.outputs.clone(),
    });
    let shell = match &task.kind {
        TaskKind::Noop => {
            return Ok(LocalOutcome {
                exit: None,
                output: None,
                output_error: None,
            });
        }
        TaskKind::Shell(shell) => shell,
        other => anyhow::bail!(
            "task type `{}` cannot run in this build of Weir yet",
            other.type_name()
        ),
    };
    let env = env_for(
        dag.dag_id.as_str(),
        &run_id,
        &run.task_id,
        1,
        run.logical_date,
        dag.timezone,
    );
    let command = shell_command(
        task,
        shell,
        &context,
        env,
        ShellCommand::DEFAULT_KILL_GRACE,
        std::env::temp_dir(),
    )
    .map_err(|e| {
        let hint = if e.reads_outputs {
            " (upstream outputs do not exist in a test: give them with --upstream-output TASK='{...}')"
        } else {
            ""
        };
        anyhow::anyhow!("{e}{hint}")
    })?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<LogLine>(256);
    let runner = tokio::spawn(run_shell(command, tx, LogLimits::default(), cancel));
    while let Some(line) = rx.recv().await {
        print(&line);
    }
    let outcome = runner.await??;
    Ok(LocalOutcome {
        exit: Some(outcome.exit),
        output: outcome.output,
        output_error: outcome.output_error,
    })
}
