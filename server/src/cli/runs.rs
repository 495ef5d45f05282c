//! `weir runs list|show`: what ran, when, and where the time went.

use std::process::ExitCode;

use anyhow::bail;
use chrono::{DateTime, Utc};
use clap::Subcommand;

use super::runtime::{block_on, open_store};
use super::table;
use crate::config::Config;

#[derive(Subcommand, Debug)]
pub enum RunsCommand {
    /// A DAG's runs, newest first.
    List {
        dag_id: String,
        #[arg(long, default_value_t = 25)]
        limit: i64,
    },
    /// One run's task instances: state, tries, and the scheduler and pickup delays.
    Show { dag_id: String, run_id: String },
}

pub fn run(config: &Config, cmd: RunsCommand) -> anyhow::Result<ExitCode> {
    block_on(async {
        let store = open_store(config).await?;
        match cmd {
            RunsCommand::List { dag_id, limit } => {
                let (runs, total) = store.list_runs(&dag_id, limit, 0).await?;
                let rows: Vec<Vec<String>> = runs
                    .iter()
                    .map(|r| {
                        vec![
                            r.run_id.clone(),
                            r.run_type.as_str().into(),
                            r.state.to_string(),
                            r.logical_date.to_rfc3339(),
                            duration(r.started_at, r.finished_at),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table::render(&["RUN", "TYPE", "STATE", "LOGICAL DATE", "DURATION"], &rows)
                );
                println!("{} of {total} runs", runs.len());
            }
            RunsCommand::Show { dag_id, run_id } => {
                let Some(run) = store.get_run(&dag_id, &run_id).await? else {
                    bail!(
                        "no run `{run_id}` of DAG `{dag_id}` (`weir runs list {dag_id}` shows them)"
                    );
                };
                println!(
                    "{} {} ({}), logical date {}, data interval {} .. {}",
                    run.dag_id,
                    run.run_id,
                    run.state,
                    run.logical_date.to_rfc3339(),
                    run.data_interval.start.to_rfc3339(),
                    run.data_interval.end.to_rfc3339()
                );
                let tis = store.task_instances(run.id).await?;
                // The scheduler delay counts from readiness (the last upstream finished), as
                // the dashboard and the API count it, not from the run's creation.
                let dag = weir_store::VersionCache::default()
                    .get(store.as_ref(), run.dag_version_id)
                    .await
                    .ok();
                let finished = crate::web::gantt::finish_times(&tis);
                let rows: Vec<Vec<String>> = tis
                    .iter()
                    .map(|t| {
                        let ready = crate::web::gantt::ready_at(t, dag.as_deref(), &finished);
                        vec![
                            t.task_id.clone(),
                            t.state.to_string(),
                            format!("{}/{}", t.try_number, t.max_tries),
                            millis(Some(ready), t.queued_at),
                            millis(t.queued_at, t.started_at),
                            duration(t.started_at, t.finished_at),
                            t.reason.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table::render(
                        &[
                            "TASK",
                            "STATE",
                            "TRY",
                            "SCHED DELAY",
                            "PICKUP DELAY",
                            "DURATION",
                            "REASON"
                        ],
                        &rows
                    )
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn duration(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> String {
    match (start, end) {
        (Some(s), Some(e)) => format!("{:.3}s", (e - s).num_milliseconds() as f64 / 1000.0),
        (Some(_), None) => "running".into(),
        _ => "-".into(),
    }
}

fn millis(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> String {
    match (start, end) {
        (Some(s), Some(e)) => format!("{}ms", (e - s).num_milliseconds()),
        _ => "-".into(),
    }
}
