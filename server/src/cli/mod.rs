//! The command line: parsing and dispatch. Each subcommand lives in its own file.

mod access;
mod backfills;
mod connections;
mod dags;
mod demo_data;
mod features;
mod runs;
pub mod runtime;
mod serve;
mod table;
mod task_test;
mod tasks;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "weir",
    version,
    about = "Weir: a fast DAG orchestrator for the data pipelines that feed machine learning"
)]
pub struct Cli {
    /// The folder of DAG files (overrides the configuration and WEIR_DAGS_FOLDER).
    #[arg(long, global = true)]
    pub dags_folder: Option<PathBuf>,

    /// The configuration file (default: WEIR_CONFIG, else ./weir.toml if it exists).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Work with DAG files: validate, list, show, next runs, plan a change.
    #[command(subcommand)]
    Dags(dags::DagsCommand),
    /// Print the effective configuration (defaults, weir.toml, WEIR_* variables), secrets masked.
    Config,
    /// Scheduler, a worker and the web server in one process, on SQLite by default: Weir on a
    /// laptop. Creates an `admin` user with a random password on first start.
    Standalone,
    /// Serve the REST API and the dashboard (host and port from the configuration).
    Server,
    /// Run a scheduler (any number may share one PostgreSQL).
    Scheduler,
    /// Run a worker that claims task instances from the given queues.
    Worker(serve::WorkerArgs),
    /// Runs of a DAG.
    #[command(subcommand)]
    Runs(runs::RunsCommand),
    /// Task instances.
    #[command(subcommand)]
    Tasks(tasks::TasksCommand),
    /// Backfills: list them, cancel one (start one with `weir dags backfill`).
    #[command(subcommand)]
    Backfills(backfills::BackfillsCommand),
    /// Feature views: one entity's online values, a point-in-time training set.
    #[command(subcommand)]
    Features(features::FeaturesCommand),
    /// The database.
    #[command(subcommand)]
    Db(DbCommand),
    /// Dashboard users.
    #[command(subcommand)]
    Users(access::UsersCommand),
    /// API tokens.
    #[command(subcommand)]
    Tokens(access::TokensCommand),
    /// Write the example feature pipeline's clickstream sample (one CSV per day).
    DemoData(demo_data::DemoDataArgs),
    /// Connections to the databases `ingest` tasks read (`format: postgres`).
    #[command(subcommand)]
    Connections(connections::ConnectionsCommand),
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Apply the migrations not yet applied.
    Migrate,
    /// Delete finished runs older than a duration, with their task instances, logs and outputs.
    Clean {
        /// e.g. `90d`; runs that finished earlier than this long ago are deleted.
        #[arg(long)]
        older_than: String,
        /// Show how the cut-off falls without deleting anything.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Output for people (tables, compiler-style errors) or for tools (JSON).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = crate::config::load(cli.config.as_deref(), &|k| std::env::var(k).ok())?;
    if let Some(folder) = cli.dags_folder {
        config.dags_folder = folder;
    }
    let long_running = matches!(
        cli.command,
        Command::Standalone | Command::Server | Command::Scheduler | Command::Worker(_)
    );
    if long_running || matches!(cli.command, Command::Db(_)) {
        crate::telemetry::init(config.log_format);
    }
    match cli.command {
        Command::Dags(cmd) => dags::run(&config, cmd),
        Command::Config => {
            print!("{}", config.to_masked_toml());
            Ok(ExitCode::SUCCESS)
        }
        Command::Standalone => serve::standalone(&config),
        Command::Server => serve::server(&config),
        Command::Users(cmd) => access::users(&config, cmd),
        Command::Tokens(cmd) => access::tokens(&config, cmd),
        Command::Connections(cmd) => connections::run(&config, cmd),
        Command::Scheduler => serve::scheduler(&config),
        Command::Worker(args) => serve::worker(&config, &args),
        Command::Runs(cmd) => runs::run(&config, cmd),
        Command::Tasks(cmd) => tasks::run(&config, cmd),
        Command::Backfills(cmd) => backfills::run(&config, cmd),
        Command::Features(cmd) => features::run(&config, cmd),
        Command::DemoData(args) => demo_data::run(args),
        Command::Db(DbCommand::Clean {
            older_than,
            dry_run,
        }) => db_clean(&config, &older_than, dry_run),
        Command::Db(DbCommand::Migrate) => runtime::block_on(async {
            let store = runtime::open_store(&config).await?;
            println!("the {} database is up to date", store.backend());
            Ok(ExitCode::SUCCESS)
        }),
    }
}

/// History retention, in batches so that workers claiming meanwhile never wait long.
fn db_clean(
    config: &crate::config::Config,
    older_than: &str,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let age = weir_core::duration::Duration::parse(older_than)
        .map_err(|e| anyhow::anyhow!("--older-than: {} ({})", e.message, e.hint))?;
    let cutoff = chrono::Utc::now() - chrono::Duration::seconds(age.as_secs() as i64);
    if dry_run {
        println!(
            "would delete runs that finished before {}",
            cutoff.to_rfc3339()
        );
        return Ok(ExitCode::SUCCESS);
    }
    runtime::block_on(async {
        let store = runtime::open_store(config).await?;
        let mut total = 0;
        loop {
            let deleted = store.delete_finished_runs(cutoff, 500).await?;
            total += deleted;
            if deleted == 0 {
                break;
            }
        }
        println!(
            "deleted {total} finished run(s) older than {older_than} (before {})",
            cutoff.to_rfc3339()
        );
        Ok(ExitCode::SUCCESS)
    })
}
