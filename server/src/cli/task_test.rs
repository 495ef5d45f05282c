//! `weir tasks test DAG TASK [DATE]`: the task from the DAG file on disk, run locally.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;
use weir_core::params::resolve_params;
use weir_executor::local::{LocalRun, run_task_locally};
use weir_executor::process::{Exit, Stream};

use super::dags::find_dag;
use super::runtime::block_on;
use super::tasks::TestArgs;
use crate::config::Config;

pub fn run(config: &Config, args: TestArgs) -> anyhow::Result<ExitCode> {
    let dag = find_dag(&config.dags_folder, &args.dag_id)?;
    if dag.task(&args.task_id).is_none() {
        let ids: Vec<&str> = dag.tasks.iter().map(|t| t.task_id.as_str()).collect();
        let hint = weir_core::diag::did_you_mean(&args.task_id, ids.iter().copied())
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_default();
        bail!("DAG `{}` has no task `{}`{hint}", dag.dag_id, args.task_id);
    }
    let logical_date = match &args.date {
        None => chrono::Utc::now(),
        Some(text) => weir_core::timetable::parse_date_in_tz(text, dag.timezone)
            .map_err(|e| anyhow::anyhow!("DATE: {e}"))?,
    };
    let conf = match &args.conf {
        None => Map::new(),
        Some(text) => {
            match serde_json::from_str::<Value>(text).context("--conf is not valid JSON")? {
                Value::Object(map) => map,
                _ => bail!("--conf must be a JSON object"),
            }
        }
    };
    if let Err(errors) = resolve_params(&dag.params, &conf) {
        for e in &errors {
            eprintln!("error: {e}");
        }
        return Ok(ExitCode::from(1));
    }
    let mut outputs = Map::new();
    for pair in &args.upstream_outputs {
        let Some((task, json)) = pair.split_once('=') else {
            bail!("--upstream-output takes TASK=JSON, got `{pair}`");
        };
        let value: Value = serde_json::from_str(json)
            .with_context(|| format!("--upstream-output {task}: invalid JSON"))?;
        outputs.insert(task.to_string(), value);
    }
    let is_data = dag
        .task(&args.task_id)
        .is_some_and(weir_executor::data::is_data_task);
    eprintln!(
        "testing {}.{} for {} ({})",
        dag.dag_id,
        args.task_id,
        logical_date.to_rfc3339(),
        if is_data {
            "the lake is written for real; no state is recorded"
        } else {
            "no state is read or written"
        }
    );
    let lake = if is_data {
        Some(super::runtime::open_lake(config)?)
    } else {
        None
    };
    let run = LocalRun {
        dag,
        task_id: args.task_id.clone(),
        logical_date,
        conf,
        outputs,
        lake,
        data_dir: std::env::current_dir().context("the working directory")?,
        weir_bin: std::env::current_exe().ok(),
    };
    block_on(async move {
        let cancel = CancellationToken::new();
        let on_ctrl_c = cancel.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            on_ctrl_c.cancel();
        });
        let outcome = run_task_locally(
            run,
            |line| {
                let text = &line.line;
                match line.stream {
                    Stream::Stdout => {
                        let _ = writeln!(std::io::stdout(), "{text}");
                    }
                    Stream::Stderr => eprintln!("{text}"),
                    Stream::System => eprintln!("[weir] {text}"),
                }
            },
            cancel,
        )
        .await?;
        if let Some(output) = &outcome.output {
            eprintln!("[weir] output: {output}");
        }
        if let Some(error) = &outcome.output_error {
            eprintln!("[weir] invalid output: {error}");
        }
        let (code, verdict) = match outcome.exit {
            _ if outcome.failure.is_some() => (
                1,
                format!("failed: {}", outcome.failure.as_deref().unwrap_or_default()),
            ),
            None | Some(Exit::Code(0)) if outcome.output_error.is_none() => {
                (0, "success".to_string())
            }
            None | Some(Exit::Code(0)) => (1, "failed: invalid output".to_string()),
            Some(Exit::Code(c)) => (1, format!("failed: exit code {c}")),
            Some(Exit::Signal(s)) => (1, format!("failed: killed by signal {s}")),
            Some(Exit::TimedOut) => (1, "failed: timed out".to_string()),
            Some(Exit::Cancelled) => (1, "cancelled".to_string()),
        };
        eprintln!("[weir] {verdict}");
        Ok(ExitCode::from(code))
    })
}
