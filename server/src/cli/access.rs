//! `weir users create|list|delete` and `weir tokens create|list|revoke`: access without the
//! dashboard, for the first admin and for automation.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{Context, bail};
use chrono::{TimeDelta, Utc};
use clap::Subcommand;
use weir_store::{NewApiToken, NewUser, Role};

use super::runtime::{block_on, open_store, user};
use super::table;
use crate::auth::password::{check_password_strength, hash_password};
use crate::auth::secrets::{hash_secret, new_token, token_prefix};
use crate::config::Config;

#[derive(Subcommand, Debug)]
pub enum UsersCommand {
    /// Create a dashboard user. The password is read from stdin (one line) or WEIR_PASSWORD.
    Create {
        username: String,
        #[arg(long, default_value = "viewer", value_parser = parse_role)]
        role: Role,
    },
    /// List users.
    List,
    /// Delete a user and end their sessions.
    Delete { username: String },
}

#[derive(Subcommand, Debug)]
pub enum TokensCommand {
    /// Create an API token; it is printed once and stored only as a hash.
    Create {
        /// What the token is for (e.g. `airflow-migration`, `ci`).
        #[arg(long, default_value = "cli")]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Days until it expires (default: never).
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// List tokens (never the tokens themselves).
    List,
    /// Revoke a token by id.
    Revoke { id: i64 },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("unknown role `{text}`: viewer, operator or admin"))
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("WEIR_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub fn users(config: &Config, cmd: UsersCommand) -> anyhow::Result<ExitCode> {
    block_on(async {
        let store = open_store(config).await?;
        match cmd {
            UsersCommand::Create { username, role } => {
                weir_core::ids::check_id(&username)
                    .map_err(|e| anyhow::anyhow!("invalid username `{username}`: {e}"))?;
                let password = read_password()?;
                if let Err(m) = check_password_strength(&password) {
                    bail!("{m}");
                }
                let password_hash = hash_password(&password)?;
                store
                    .create_user(&NewUser {
                        username: username.clone(),
                        password_hash,
                        role,
                    })
                    .await
                    .map_err(|e| match e {
                        weir_store::StoreError::Conflict(_) => {
                            anyhow::anyhow!("user `{username}` exists")
                        }
                        other => other.into(),
                    })?;
                println!("created user {username} ({role})");
            }
            UsersCommand::List => {
                let rows = store
                    .list_users()
                    .await?
                    .into_iter()
                    .map(|u| vec![u.username, u.role.to_string(), u.created_at.to_rfc3339()])
                    .collect::<Vec<_>>();
                print!("{}", table::render(&["USER", "ROLE", "CREATED"], &rows));
            }
            UsersCommand::Delete { username } => {
                if !store.delete_user(&username).await? {
                    bail!("no user `{username}`");
                }
                println!("deleted user {username}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn tokens(config: &Config, cmd: TokensCommand) -> anyhow::Result<ExitCode> {
    block_on(async {
        let store = open_store(config).await?;
        match cmd {
            TokensCommand::Create {
                name,
                role,
                expires_in_days,
            } => {
                let token = new_token();
                let record = store
                    .create_api_token(&NewApiToken {
                        name: name.clone(),
                        token_hash: hash_secret(&token),
                        prefix: token_prefix(&token),
                        role,
                        created_by: Some(format!("cli:{}", user())),
                        expires_at: expires_in_days
                            .map(|d| Utc::now() + TimeDelta::days(i64::from(d))),
                    })
                    .await?;
                eprintln!(
                    "token {} `{name}` ({role}) created; it is shown this once:",
                    record.id
                );
                println!("{token}");
            }
            TokensCommand::List => {
                let rows = store
                    .list_api_tokens()
                    .await?
                    .into_iter()
                    .map(|t| {
                        let status = if t.revoked_at.is_some() {
                            "revoked"
                        } else if t.is_valid_at(Utc::now()) {
                            "live"
                        } else {
                            "expired"
                        };
                        vec![
                            t.id.to_string(),
                            t.name,
                            format!("{}…", t.prefix),
                            t.role.to_string(),
                            status.into(),
                            t.last_used_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
                        ]
                    })
                    .collect::<Vec<_>>();
                print!(
                    "{}",
                    table::render(
                        &["ID", "NAME", "PREFIX", "ROLE", "STATUS", "LAST USED"],
                        &rows
                    )
                );
            }
            TokensCommand::Revoke { id } => {
                if !store.revoke_api_token(id).await? {
                    bail!("no live token {id} (`weir tokens list` shows them)");
                }
                println!("revoked token {id}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
