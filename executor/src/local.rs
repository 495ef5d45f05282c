//! `weir tasks test`: one task, run here and now with its templates rendered and its log on the
//! terminal, touching no state. How users debug a task before it runs for real.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;
use weir_core::dag::Dag;
use weir_core::dag::task_types::TaskKind;
use weir_lake::{Batch, Lake};

use crate::data::{DataAttempt, DataLog, connection_for, run_data_task};
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
    /// The lake data tasks read and write: a test of a data task writes to it for real (but
    /// records nothing in the state store).
    pub lake: Option<Lake>,
    /// Where relative paths of data task sources start.
    pub data_dir: PathBuf,
    /// Given to shell tasks as `$WEIR_BIN`.
    pub weir_bin: Option<PathBuf>,
}

pub struct LocalOutcome {
    /// None for tasks that run no process (noop and data tasks).
    pub exit: Option<Exit>,
    /// Why a data task failed.
    pub failure: Option<String>,
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
                failure: None,
                output: None,
                output_error: None,
            });
        }
        TaskKind::Shell(shell) => shell,
        TaskKind::Ingest(_) | TaskKind::Validate(_) | TaskKind::Materialize(_) => {
            let Some(lake) = run.lake.as_ref() else {
                anyhow::bail!("no lake is configured (hint: set WEIR_LAKE_URL)");
            };
            let connection_url = connection_for(task, None)
                .await
                .map_err(anyhow::Error::msg)?;
            let attempt = DataAttempt {
                lake,
                task,
                batch: Batch {
                    dag_id: dag.dag_id.to_string(),
                    run_id: run_id.clone(),
                    task_id: run.task_id.clone(),
                },
                logical_date: run.logical_date,
                interval_end: interval.end,
                context: &context,
                base_dir: &run.data_dir,
                connection_url,
            };
            let (tx, mut rx) = tokio::sync::mpsc::channel::<LogLine>(256);
            let log = DataLog::new(tx);
            let work = async {
                let result = run_data_task(&attempt, &log).await;
                drop(log);
                result
            };
            let printer = async {
                while let Some(line) = rx.recv().await {
                    print(&line);
                }
            };
            let (result, ()) = tokio::join!(work, printer);
            return Ok(match result {
                Ok(done) => LocalOutcome {
                    exit: None,
                    failure: done.failure,
                    output: Some(done.output),
                    output_error: None,
                },
                Err(reason) => LocalOutcome {
                    exit: None,
                    failure: Some(reason),
                    output: None,
                    output_error: None,
                },
            });
        }
    };
    let mut env = env_for(
        dag.dag_id.as_str(),
        &run_id,
        &run.task_id,
        1,
        run.logical_date,
        dag.timezone,
    );
    if let Some(bin) = &run.weir_bin {
        env.push(("WEIR_BIN".into(), bin.display().to_string()));
    }
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
        failure: None,
        output: outcome.output,
        output_error: outcome.output_error,
    })
}
