//! `weir dags backfill` and `weir backfills list|cancel`: past date ranges, run by the scheduler.

use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;
use weir_store::BackfillState;

use super::dags::sync_folder;
use super::runtime::{block_on, open_store};
use super::table;
use crate::config::Config;
use crate::ops::{BackfillSpec, create_backfill};

#[derive(clap::Args, Debug)]
pub struct BackfillArgs {
    pub dag_id: String,
    /// The first logical date (in the DAG's timezone unless it has an offset).
    #[arg(long)]
    pub from: String,
    /// The last logical date, inclusive.
    #[arg(long)]
    pub to: String,
    /// Runs of this backfill at once.
    #[arg(long, default_value_t = 4)]
    pub max_active_runs: i32,
    /// Run the failed tasks of failed runs in the range again (runs that succeeded are kept).
    #[arg(long)]
    pub rerun_failed: bool,
}

#[derive(Subcommand, Debug)]
pub enum BackfillsCommand {
    /// Backfills, newest first, with their progress.
    List { dag_id: Option<String> },
    /// Stop creating runs for a backfill; runs already created finish.
    Cancel { id: i64 },
}

pub fn create(config: &Config, args: BackfillArgs) -> anyhow::Result<ExitCode> {
    block_on(async {
        let store = open_store(config).await?;
        sync_folder(store.as_ref(), config).await?;
        let spec = BackfillSpec {
            dag_id: args.dag_id.clone(),
            from: args.from.clone(),
            to: args.to.clone(),
            max_active_runs: args.max_active_runs,
            rerun_failed: args.rerun_failed,
            created_by: format!("cli:{}", super::runtime::user()),
        };
        let (backfill, runs) = create_backfill(store.as_ref(), &spec).await?;
        println!(
            "backfill {} of {}: {} runs, logical dates {} .. {}, {} at a time; the scheduler runs it (`weir backfills list`)",
            backfill.id,
            args.dag_id,
            runs,
            backfill.from_date.to_rfc3339(),
            backfill.to_date.to_rfc3339(),
            args.max_active_runs
        );
        Ok(ExitCode::SUCCESS)
    })
}

pub fn run(config: &Config, cmd: BackfillsCommand) -> anyhow::Result<ExitCode> {
    block_on(async {
        let store = open_store(config).await?;
        match cmd {
            BackfillsCommand::List { dag_id } => {
                let rows: Vec<Vec<String>> = store
                    .list_backfills(dag_id.as_deref())
                    .await?
                    .iter()
                    .map(|b| {
                        vec![
                            b.id.to_string(),
                            b.dag_id.clone(),
                            b.state.as_str().into(),
                            format!("{} .. {}", b.from_date.to_rfc3339(), b.to_date.to_rfc3339()),
                            format!(
                                "{} ok, {} failed, {} active, {} in all",
                                b.runs_success, b.runs_failed, b.runs_active, b.runs_total
                            ),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table::render(&["ID", "DAG", "STATE", "RANGE", "RUNS"], &rows)
                );
            }
            BackfillsCommand::Cancel { id } => {
                if store.get_backfill(id).await?.is_none() {
                    bail!("no backfill {id}");
                }
                if store
                    .set_backfill_state(id, BackfillState::Running, BackfillState::Cancelled)
                    .await?
                {
                    println!("backfill {id} cancelled; its runs already created finish");
                } else {
                    println!("backfill {id} is not running; nothing to cancel");
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
