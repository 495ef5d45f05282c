//! `weir dags backfill` and `weir backfills list|cancel`: past date ranges, run by the scheduler.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use weir_core::timetable::{Schedule, parse_date_in_tz};
use weir_scheduler::{MAX_BACKFILL_RUNS, backfill_dates};
use weir_store::{BackfillState, NewBackfill};

use super::dags::sync_folder;
use super::runtime::{block_on, open_store};
use super::table;
use crate::config::Config;

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
    if args.max_active_runs < 1 {
        bail!("--max-active-runs must be at least 1");
    }
    block_on(async {
        let store = open_store(config).await?;
        sync_folder(store.as_ref(), config).await?;
        let record = store
            .get_dag(&args.dag_id)
            .await?
            .with_context(|| format!("no DAG `{}` (`weir dags list` shows them)", args.dag_id))?;
        let version = record
            .latest_version_id
            .with_context(|| format!("DAG `{}` has no loadable version", args.dag_id))?;
        let dag = store.get_dag_version(version).await?.dag;
        if !matches!(dag.schedule, Schedule::Cron(_)) {
            bail!(
                "DAG `{}` has no cron schedule, so it has no intervals to backfill; trigger runs with `weir dags trigger --logical-date` instead",
                args.dag_id
            );
        }
        let from = parse_date_in_tz(&args.from, dag.timezone)
            .map_err(|e| anyhow::anyhow!("--from: {e}"))?;
        let to =
            parse_date_in_tz(&args.to, dag.timezone).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
        if to < from {
            bail!("--to ({}) is before --from ({})", args.to, args.from);
        }
        let dates = backfill_dates(&dag.timetable(), from, to);
        if dates.len() > MAX_BACKFILL_RUNS {
            bail!(
                "the range holds more than {MAX_BACKFILL_RUNS} runs; split it into several backfills"
            );
        }
        if dates.is_empty() {
            bail!(
                "no scheduled interval of `{}` starts between {} and {}",
                args.dag_id,
                args.from,
                args.to
            );
        }
        let backfill = store
            .create_backfill(&NewBackfill {
                dag_id: args.dag_id.clone(),
                from_date: from,
                to_date: to,
                max_active_runs: args.max_active_runs,
                rerun_failed: args.rerun_failed,
                created_by: format!("cli:{}", super::runtime::user()),
            })
            .await?;
        println!(
            "backfill {} of {}: {} runs, logical dates {} .. {}, {} at a time; the scheduler runs it (`weir backfills list`)",
            backfill.id,
            args.dag_id,
            dates.len(),
            dates
                .first()
                .map(|d| d.logical_date.to_rfc3339())
                .unwrap_or_default(),
            dates
                .last()
                .map(|d| d.logical_date.to_rfc3339())
                .unwrap_or_default(),
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
