//! `weir dags list`: every DAG of the folder at a glance.

use std::path::Path;
use std::process::ExitCode;

use chrono::Utc;
use serde::Serialize;

use super::{folder, local_time};
use crate::cli::{Format, table};

#[derive(Serialize)]
struct Row<'a> {
    dag_id: &'a str,
    schedule: Option<&'a str>,
    timezone: &'a str,
    next_run: Option<String>,
    tasks: usize,
    tags: &'a [String],
    file: &'a str,
}

pub fn run(dags_folder: &Path, format: Format) -> anyhow::Result<ExitCode> {
    let mut load = folder::load(dags_folder)?;
    load.dags.sort_by(|a, b| a.dag_id.cmp(&b.dag_id));
    let now = Utc::now();
    let rows: Vec<Row<'_>> = load
        .dags
        .iter()
        .map(|dag| Row {
            dag_id: dag.dag_id.as_str(),
            schedule: dag.schedule.source(),
            timezone: dag.timezone.name(),
            next_run: dag
                .timetable()
                .upcoming(now, 1)
                .first()
                .map(|r| local_time(r.run_after, dag.timezone)),
            tasks: dag.tasks.len(),
            tags: &dag.tags,
            file: &dag.file,
        })
        .collect();
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Text => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.dag_id.to_string(),
                        r.schedule.unwrap_or("(manual)").to_string(),
                        r.next_run.clone().unwrap_or_else(|| "-".into()),
                        r.tasks.to_string(),
                        r.tags.join(","),
                        r.file.to_string(),
                    ]
                })
                .collect();
            print!(
                "{}",
                table::render(
                    &["DAG", "SCHEDULE", "NEXT RUN", "TASKS", "TAGS", "FILE"],
                    &cells
                )
            );
        }
    }
    if !load.errors.is_empty() {
        eprintln!(
            "{} file(s) could not be loaded; run `weir dags validate` for details: {}",
            load.errors.len(),
            load.errors
                .iter()
                .map(|e| e.file.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
