//! `weir`: one binary for every role, as clap subcommands.

use std::process::ExitCode;

use clap::Parser;
use weir_server::cli;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
