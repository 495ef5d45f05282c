//! `weir connections set|list|delete`: the databases `ingest` tasks read (`format: postgres`).
//! The URL is read from stdin, never from the command line, so that it stays out of the shell
//! history and the process list; `list` shows it with the password masked.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use weir_core::connection::{ConnectionUrl, env_variable};

use super::runtime::{block_on, open_store};
use super::table;
use crate::config::Config;

#[derive(Subcommand, Debug)]
pub enum ConnectionsCommand {
    /// Create or replace a connection. The URL is read from stdin (one line), e.g.
    /// `printf '%s\n' "$CRM_URL" | weir connections set crm`. WEIR_CONN_<NAME>, if set in a
    /// worker's environment, takes precedence over the stored URL.
    Set {
        name: String,
        /// What the connection is for; without it, a replaced connection keeps its own.
        #[arg(long)]
        description: Option<String>,
    },
    /// List connections, passwords masked.
    List,
    /// Delete a connection.
    Delete { name: String },
}

fn read_url(name: &str) -> anyhow::Result<ConnectionUrl> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("URL of connection `{name}` (postgres://user:password@host:5432/db): ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the connection URL from stdin")?;
    let url = line.trim();
    if url.is_empty() {
        bail!("no URL on stdin (hint: printf '%s\\n' \"$URL\" | weir connections set {name})");
    }
    Ok(ConnectionUrl::new(url))
}

pub fn run(config: &Config, cmd: ConnectionsCommand) -> anyhow::Result<ExitCode> {
    if let ConnectionsCommand::Set { name, .. } = &cmd {
        weir_core::connection::check_name(name)
            .map_err(|e| anyhow::anyhow!("invalid connection name: {e}"))?;
    }
    // Read before connecting to the store, so that a missing URL fails fast.
    let url = match &cmd {
        ConnectionsCommand::Set { name, .. } => Some(read_url(name)?),
        _ => None,
    };
    block_on(async {
        let store = open_store(config).await?;
        match cmd {
            ConnectionsCommand::Set { name, description } => {
                let url = url.expect("read above");
                store
                    .set_connection(&name, &url, description.as_deref())
                    .await?;
                println!("set connection {name} ({url})");
            }
            ConnectionsCommand::List => {
                let rows = store
                    .list_connections()
                    .await?
                    .into_iter()
                    .map(|c| {
                        let variable = env_variable(&c.name);
                        vec![
                            c.name,
                            c.masked_url,
                            c.description.unwrap_or_default(),
                            c.updated_at.to_rfc3339(),
                            variable,
                        ]
                    })
                    .collect::<Vec<_>>();
                print!(
                    "{}",
                    table::render(
                        &["NAME", "URL", "DESCRIPTION", "UPDATED", "OVERRIDDEN BY"],
                        &rows
                    )
                );
            }
            ConnectionsCommand::Delete { name } => {
                if !store.delete_connection(&name).await? {
                    bail!("no connection `{name}` (`weir connections list` shows them)");
                }
                println!("deleted connection {name}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
