//! `weir dags ...`: the tools a data team runs on its DAG repository.

mod folder;
pub(crate) use folder::find as find_dag;
mod list;
mod next_runs;
mod operate;
pub(crate) use operate::sync_folder;
mod plan;
mod show;
mod validate;

use std::process::ExitCode;

use clap::Subcommand;

use super::Format;
use crate::config::Config;

#[derive(Subcommand, Debug)]
pub enum DagsCommand {
    /// Check DAG files and report every mistake with file:line:column; exit 1 on any.
    Validate {
        /// Files or folders to check (default: the DAG folder).
        paths: Vec<std::path::PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// List the DAGs of the folder: schedule, next run, tasks, tags, file.
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Show a DAG's tasks in topological order with their upstreams.
    Show {
        dag_id: String,
        /// Print the graph in Graphviz dot format instead.
        #[arg(long)]
        dot: bool,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// The next logical dates and data intervals of a DAG, in its timezone.
    NextRuns {
        dag_id: String,
        #[arg(short = 'n', long, default_value_t = 5)]
        count: usize,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Create a manual run now (or for --logical-date), with params from --conf.
    Trigger(operate::TriggerArgs),
    /// Run a DAG over a past date range: a tracked backfill the scheduler drives.
    Backfill(crate::cli::backfills::BackfillArgs),
    /// Stop creating scheduled runs for a DAG.
    Pause { dag_id: String },
    /// Resume creating scheduled runs for a DAG.
    Unpause { dag_id: String },
    /// What a change to the DAG files means, against a git revision: for pull request review.
    Plan {
        /// The revision to compare the working tree with.
        #[arg(long, default_value = "HEAD")]
        base: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

pub fn run(config: &Config, cmd: DagsCommand) -> anyhow::Result<ExitCode> {
    let dags_folder = config.dags_folder.as_path();
    match cmd {
        DagsCommand::Trigger(args) => operate::trigger(config, args),
        DagsCommand::Backfill(args) => crate::cli::backfills::create(config, args),
        DagsCommand::Pause { dag_id } => operate::set_paused(config, &dag_id, true),
        DagsCommand::Unpause { dag_id } => operate::set_paused(config, &dag_id, false),
        DagsCommand::Validate { paths, format } => validate::run(dags_folder, &paths, format),
        DagsCommand::List { format } => list::run(dags_folder, format),
        DagsCommand::Show {
            dag_id,
            dot,
            format,
        } => show::run(dags_folder, &dag_id, dot, format),
        DagsCommand::NextRuns {
            dag_id,
            count,
            format,
        } => next_runs::run(dags_folder, &dag_id, count, format),
        DagsCommand::Plan { base, format } => plan::run(dags_folder, &base, format),
    }
}

/// Instants are shown in the DAG's timezone, with the offset, so DST is visible.
pub(crate) fn local_time(t: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}
