//! `weir dags trigger|pause|unpause`: operating DAGs in the store.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use weir_scheduler::{DagFolder, TriggerError, TriggerRequest, trigger_run};
use weir_store::{CreateRun, Store};

use crate::cli::runtime::{block_on, open_store};
use crate::config::Config;

#[derive(clap::Args, Debug)]
pub struct TriggerArgs {
    pub dag_id: String,
    /// The run's conf: a JSON object of params, checked against the DAG's params.
    #[arg(long)]
    pub conf: Option<String>,
    /// The logical date: `2026-03-01`, `2026-03-01T06:00:00` (in the DAG's timezone) or RFC 3339.
    #[arg(long)]
    pub logical_date: Option<String>,
    /// A run id of your own; triggering the same id twice gives one run.
    #[arg(long)]
    pub run_id: Option<String>,
}

/// Brings the store up to date with the DAG folder, so the CLI acts on what is on disk even when
/// no scheduler runs. A machine without the folder acts on what the store has.
pub(crate) async fn sync_folder(store: &dyn Store, config: &Config) -> anyhow::Result<()> {
    if Path::new(&config.dags_folder).is_dir() {
        DagFolder::new(config.dags_folder.clone())
            .scan(store, config.scheduler.dags_are_paused_at_creation)
            .await?;
    }
    Ok(())
}

pub fn trigger(config: &Config, args: TriggerArgs) -> anyhow::Result<ExitCode> {
    let conf = match &args.conf {
        None => serde_json::Map::new(),
        Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(map)) => map,
            Ok(_) => bail!("--conf must be a JSON object, e.g. '{{\"lookback_days\": 3}}'"),
            Err(e) => bail!("--conf is not valid JSON: {e}"),
        },
    };
    block_on(async {
        let store = open_store(config).await?;
        sync_folder(store.as_ref(), config).await?;
        let logical_date = match &args.logical_date {
            None => None,
            Some(text) => {
                let record = store.get_dag(&args.dag_id).await?;
                let tz = match record.and_then(|r| r.latest_version_id) {
                    Some(v) => store.get_dag_version(v).await?.dag.timezone,
                    None => chrono_tz::UTC,
                };
                Some(
                    weir_core::timetable::parse_date_in_tz(text, tz)
                        .map_err(|e| anyhow::anyhow!("--logical-date: {e}"))?,
                )
            }
        };
        let request = TriggerRequest {
            dag_id: args.dag_id.clone(),
            run_id: args.run_id.clone(),
            logical_date,
            conf,
            triggered_by: format!("cli:{}", crate::cli::runtime::user()),
        };
        match trigger_run(store.as_ref(), request).await {
            Ok(CreateRun::Created(run)) => {
                println!(
                    "created run {} of {} (logical date {})",
                    run.run_id,
                    run.dag_id,
                    run.logical_date.to_rfc3339()
                );
                Ok(ExitCode::SUCCESS)
            }
            Ok(CreateRun::Exists(run)) => {
                println!(
                    "run {} of {} already exists ({}); nothing created",
                    run.run_id, run.dag_id, run.state
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(TriggerError::InvalidParams(errors)) => {
                for e in &errors {
                    eprintln!("error: {e}");
                }
                Ok(ExitCode::from(1))
            }
            Err(e) => Err(e.into()),
        }
    })
}

pub fn set_paused(config: &Config, dag_id: &str, paused: bool) -> anyhow::Result<ExitCode> {
    block_on(async {
        let store = open_store(config).await?;
        sync_folder(store.as_ref(), config).await?;
        store.set_paused(dag_id, paused).await.with_context(|| {
            format!(
                "cannot {} `{dag_id}`",
                if paused { "pause" } else { "unpause" }
            )
        })?;
        println!("{dag_id} is {}", if paused { "paused" } else { "unpaused" });
        Ok(ExitCode::SUCCESS)
    })
}
