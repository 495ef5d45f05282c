//! `weir tasks clear`: run task instances again.

use std::process::ExitCode;

use clap::Subcommand;

use super::runtime::{block_on, open_store};
use crate::config::Config;
use crate::ops::{ClearSpec, clear_task_instances};

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
        let spec = ClearSpec {
            dag_id: dag_id.into(),
            run_id: run_id.into(),
            task_ids: tasks.to_vec(),
            downstream,
            failed_only,
        };
        let cleared = clear_task_instances(store.as_ref(), &spec).await?;
        println!("cleared {cleared} task instance(s) of {dag_id} {run_id}");
        Ok(ExitCode::SUCCESS)
    })
}
