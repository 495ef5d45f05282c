//! `weir tasks clear`: run task instances again.

use std::collections::HashSet;
use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;
use weir_core::state::TaskState;

use super::runtime::{block_on, open_store};
use crate::config::Config;

#[derive(Subcommand, Debug)]
pub enum TasksCommand {
    /// Sets task instances of a run back to none so they run again (all of them by default).
    Clear {
        dag_id: String,
        run_id: String,
        /// Tasks to clear (default: every task of the run).
        tasks: Vec<String>,
        /// Also clear everything downstream of the named tasks.
        #[arg(long)]
        downstream: bool,
        /// Only task instances that failed or were upstream_failed.
        #[arg(long)]
        failed_only: bool,
    },
    /// Runs one task here and now, templates rendered and log on the terminal, touching no
    /// state: how to debug a task.
    Test(TestArgs),
}

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    pub dag_id: String,
    pub task_id: String,
    /// The logical date (default: now), in the DAG's timezone unless it has an offset.
    pub date: Option<String>,
    /// Params as a JSON object, checked against the DAG's params.
    #[arg(long)]
    pub conf: Option<String>,
    /// An upstream task's output, as TASK='{"rows": 3}'; repeatable.
    #[arg(long = "upstream-output", value_name = "TASK=JSON")]
    pub upstream_outputs: Vec<String>,
}

pub fn run(config: &Config, cmd: TasksCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TasksCommand::Clear {
            dag_id,
            run_id,
            tasks,
            downstream,
            failed_only,
        } => clear(config, &dag_id, &run_id, &tasks, downstream, failed_only),
        TasksCommand::Test(args) => super::task_test::run(config, args),
    }
}

fn clear(
    config: &Config,
    dag_id: &str,
    run_id: &str,
    tasks: &[String],
    downstream: bool,
    failed_only: bool,
) -> anyhow::Result<ExitCode> {
    block_on(async {
        let store = open_store(config).await?;
        let Some(run) = store.get_run(dag_id, run_id).await? else {
            bail!("no run `{run_id}` of DAG `{dag_id}`");
        };
        let dag = store.get_dag_version(run.dag_version_id).await?.dag;
        for t in tasks {
            if dag.task(t).is_none() {
                bail!("DAG `{dag_id}` has no task `{t}` in the version this run used");
            }
        }
        let mut chosen: HashSet<String> = if tasks.is_empty() {
            dag.tasks.iter().map(|t| t.task_id.to_string()).collect()
        } else {
            tasks.iter().cloned().collect()
        };
        if downstream {
            // Tasks are in topological order, so one pass collects every descendant.
            for task in &dag.tasks {
                if task.needs.iter().any(|n| chosen.contains(n.as_str())) {
                    chosen.insert(task.task_id.to_string());
                }
            }
        }
        let tis = store.task_instances(run.id).await?;
        let selected: Vec<String> = tis
            .iter()
            .filter(|t| chosen.contains(&t.task_id))
            .filter(|t| {
                !failed_only || matches!(t.state, TaskState::Failed | TaskState::UpstreamFailed)
            })
            .map(|t| t.task_id.clone())
            .collect();
        let cleared = store.clear_task_instances(run.id, &selected).await?;
        println!("cleared {cleared} task instance(s) of {dag_id} {run_id}");
        Ok(ExitCode::SUCCESS)
    })
}
