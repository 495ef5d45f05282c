//! `weir dags validate`: compiler-style errors for DAG files, for terminals, hooks and CI.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;
use weir_core::dag::{FolderLoad, ImportError, list_dag_files, load_files};
use weir_core::diag::Diagnostic;

use crate::cli::Format;

#[derive(Serialize)]
struct Report<'a> {
    files: usize,
    dags: Vec<&'a str>,
    errors: Vec<&'a Diagnostic>,
}

pub fn run(dags_folder: &Path, paths: &[PathBuf], format: Format) -> anyhow::Result<ExitCode> {
    let targets: Vec<PathBuf> = if paths.is_empty() {
        vec![dags_folder.to_path_buf()]
    } else {
        paths.to_vec()
    };
    let mut load = FolderLoad::default();
    let mut files = 0;
    for target in &targets {
        let (root, listed) = if target.is_dir() {
            (
                target.clone(),
                list_dag_files(target).map_err(|e| (target, e)),
            )
        } else {
            let root = target.parent().map(Path::to_path_buf).unwrap_or_default();
            (root, Ok(vec![target.clone()]))
        };
        match listed {
            Ok(listed) => {
                files += listed.len();
                let part = load_files(&root, &listed);
                load.dags.extend(part.dags);
                load.errors.extend(part.errors);
            }
            Err((path, e)) => load.errors.push(missing(path, &e)),
        }
    }
    match format {
        Format::Json => {
            let report = Report {
                files,
                dags: load.dags.iter().map(|d| d.dag_id.as_str()).collect(),
                errors: load.errors.iter().flat_map(|e| &e.diagnostics).collect(),
            };
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Format::Text => {
            for err in &load.errors {
                eprintln!("{}", err.render());
            }
            let count: usize = load.errors.iter().map(|e| e.diagnostics.len()).sum();
            if load.errors.is_empty() {
                println!("ok: {files} files, {} DAGs, no errors", load.dags.len());
            } else {
                println!(
                    "failed: {files} files, {} DAGs ok, {} files with {count} errors",
                    load.dags.len(),
                    load.errors.len()
                );
            }
        }
    }
    Ok(if load.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn missing(path: &Path, e: &std::io::Error) -> ImportError {
    let file = path.display().to_string();
    ImportError {
        diagnostics: vec![
            Diagnostic::new(
                &file,
                weir_core::diag::Span::at(1, 1, 1),
                weir_core::diag::Code::Io,
                format!("cannot read: {e}"),
            )
            .with_hint("check the path"),
        ],
        file,
        source: None,
    }
}
