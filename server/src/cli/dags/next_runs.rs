//! `weir dags next-runs`: when a DAG will run next, and over which data.

use std::path::Path;
use std::process::ExitCode;

use chrono::Utc;
use serde::Serialize;

use super::{folder, local_time};
use crate::cli::{Format, table};

#[derive(Serialize)]
struct Row {
    logical_date: String,
    data_interval_start: String,
    data_interval_end: String,
    run_after: String,
}

pub fn run(
    dags_folder: &Path,
    dag_id: &str,
    count: usize,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let dag = folder::find(dags_folder, dag_id)?;
    let tz = dag.timezone;
    let runs = dag.timetable().upcoming(Utc::now(), count);
    let rows: Vec<Row> = runs
        .iter()
        .map(|r| Row {
            logical_date: local_time(r.logical_date, tz),
            data_interval_start: local_time(r.data_interval.start, tz),
            data_interval_end: local_time(r.data_interval.end, tz),
            run_after: local_time(r.run_after, tz),
        })
        .collect();
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Text => {
            if rows.is_empty() {
                let why = match dag.schedule.source() {
                    None => "it has no schedule: it runs only when triggered".to_string(),
                    Some(s) => {
                        format!("schedule `{s}` has no runs left (see start_date / end_date)")
                    }
                };
                println!("{dag_id}: no upcoming runs; {why}");
            } else {
                println!(
                    "{dag_id}: schedule {}, timezone {}",
                    dag.schedule.source().unwrap_or("-"),
                    tz.name()
                );
                let cells: Vec<Vec<String>> = rows
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.logical_date,
                            r.data_interval_start,
                            r.data_interval_end,
                            r.run_after,
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table::render(
                        &[
                            "LOGICAL DATE",
                            "DATA INTERVAL START",
                            "DATA INTERVAL END",
                            "RUNS AT"
                        ],
                        &cells
                    )
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
