//! `weir dags show`: a DAG's tasks in the order they can run, or its graph for Graphviz.

use std::path::Path;
use std::process::ExitCode;

use weir_core::dag::Dag;

use super::folder;
use crate::cli::{Format, table};

pub fn run(
    dags_folder: &Path,
    dag_id: &str,
    dot: bool,
    format: Format,
) -> anyhow::Result<ExitCode> {
    let dag = folder::find(dags_folder, dag_id)?;
    if dot {
        print!("{}", to_dot(&dag));
    } else if format == Format::Json {
        println!("{}", serde_json::to_string_pretty(&dag)?);
    } else {
        print!("{}", describe(&dag));
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(dag: &Dag) -> String {
    let mut out = format!(
        "{} ({}), {} tasks, schedule {}, timezone {}\n",
        dag.dag_id,
        dag.file,
        dag.tasks.len(),
        dag.schedule.source().unwrap_or("(manual)"),
        dag.timezone.name()
    );
    if let Some(description) = &dag.description {
        out.push_str(description.trim());
        out.push('\n');
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = dag
        .tasks
        .iter()
        .map(|t| {
            let needs: Vec<&str> = t.needs.iter().map(|n| n.as_str()).collect();
            vec![
                t.task_id.to_string(),
                t.kind.type_name().to_string(),
                if needs.is_empty() {
                    "-".into()
                } else {
                    needs.join(", ")
                },
                t.trigger_rule.as_str().to_string(),
                t.retry.retries.to_string(),
                t.pool.clone(),
                t.queue.clone(),
            ]
        })
        .collect();
    out.push_str(&table::render(
        &[
            "TASK",
            "TYPE",
            "NEEDS",
            "TRIGGER RULE",
            "RETRIES",
            "POOL",
            "QUEUE",
        ],
        &rows,
    ));
    out
}

/// Graphviz: ids are quoted because task ids may hold `.` and `-`.
pub fn to_dot(dag: &Dag) -> String {
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=LR;\n  node [shape=box, style=rounded];\n",
        dag.dag_id
    );
    for task in &dag.tasks {
        out.push_str(&format!(
            "  \"{}\" [label=\"{}\\n({})\"];\n",
            task.task_id,
            task.task_id,
            task.kind.type_name()
        ));
    }
    for task in &dag.tasks {
        for up in &task.needs {
            out.push_str(&format!("  \"{up}\" -> \"{}\";\n", task.task_id));
        }
    }
    out.push_str("}\n");
    out
}
