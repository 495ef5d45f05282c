//! The command line: parsing and dispatch. Each subcommand lives in its own file.

mod dags;
mod table;

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
    /// The folder of DAG files.
    #[arg(long, global = true, env = "WEIR_DAGS_FOLDER", default_value = "dags")]
    pub dags_folder: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Work with DAG files: validate, list, show, next runs, plan a change.
    #[command(subcommand)]
    Dags(dags::DagsCommand),
}

/// Output for people (tables, compiler-style errors) or for tools (JSON).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Dags(cmd) => dags::run(&cli.dags_folder, cmd),
    }
}
