//! Loading a DAG folder: every good DAG, and an import error per bad file. One bad file never
//! stops the others.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::model::Dag;
use super::parse::parse_str;
use crate::diag::{Code, Diagnostic, Span};

/// The mistakes of one file that could not be loaded.
#[derive(Debug, Clone, Serialize)]
pub struct ImportError {
    /// The file as the user named it (for messages).
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
    /// The file's text, to render the offending lines.
    #[serde(skip)]
    pub source: Option<String>,
}

impl ImportError {
    pub fn render(&self) -> String {
        self.diagnostics
            .iter()
            .map(|d| d.render(self.source.as_deref()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[derive(Debug, Default)]
pub struct FolderLoad {
    pub dags: Vec<Dag>,
    pub errors: Vec<ImportError>,
}

pub fn is_dag_file(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'));
    !hidden
        && matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        )
}

/// Every DAG file below `dir`, sorted; hidden files and folders are skipped.
pub fn list_dag_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current)? {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else if is_dag_file(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Loads every DAG file below `dir`. A folder that cannot be read is one import error.
pub fn load_folder(dir: &Path) -> FolderLoad {
    match list_dag_files(dir) {
        Ok(files) => load_files(dir, &files),
        Err(e) => FolderLoad {
            dags: Vec::new(),
            errors: vec![io_error(&dir.display().to_string(), &e)],
        },
    }
}

/// Parses files in parallel. `Dag::file` is each path relative to `root` (its identity in the
/// store); diagnostics name the path as given, so that terminals and editors can open it.
pub fn load_files(root: &Path, files: &[PathBuf]) -> FolderLoad {
    let mut load = FolderLoad::default();
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for parsed in parse_files(root, files) {
        match parsed.result {
            Ok(dag) => {
                if let Some(first) = seen.get(dag.dag_id.as_str()) {
                    load.errors.push(duplicate_dag_id(root, &dag, first));
                } else {
                    seen.insert(dag.dag_id.to_string(), dag.file.clone());
                    load.dags.push(dag);
                }
            }
            Err(e) => load.errors.push(e),
        }
    }
    load
}

/// One file as parsed, with its text: the store keeps the text of every DAG version.
#[derive(Debug)]
pub struct ParsedFile {
    pub path: PathBuf,
    /// The path relative to the DAG folder: the file's identity.
    pub rel: String,
    pub source: Option<String>,
    pub result: Result<Dag, ImportError>,
}

/// Parses files in parallel, in the order given, without checking ids across files.
pub fn parse_files(root: &Path, files: &[PathBuf]) -> Vec<ParsedFile> {
    files
        .par_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(path)
                .to_string_lossy()
                .into_owned();
            let shown = path.display().to_string();
            let (source, result) = match std::fs::read_to_string(path) {
                Err(e) => (None, Err(io_error(&shown, &e))),
                Ok(source) => {
                    let result = match parse_str(&shown, &source) {
                        Ok(mut dag) => {
                            dag.file = rel.clone();
                            Ok(dag)
                        }
                        Err(diagnostics) => Err(ImportError {
                            file: shown,
                            diagnostics,
                            source: Some(source.clone()),
                        }),
                    };
                    (Some(source), result)
                }
            };
            ParsedFile {
                path: path.clone(),
                rel,
                source,
                result,
            }
        })
        .collect()
}

fn io_error(file: &str, e: &std::io::Error) -> ImportError {
    ImportError {
        file: file.to_string(),
        diagnostics: vec![
            Diagnostic::new(
                file,
                Span::at(1, 1, 1),
                Code::Io,
                format!("cannot read: {e}"),
            )
            .with_hint("check that the path exists and is readable"),
        ],
        source: None,
    }
}

/// The import error of a file whose dag_id another file already defines.
pub fn duplicate_dag_id(root: &Path, dag: &Dag, first: &str) -> ImportError {
    let shown = root.join(&dag.file).display().to_string();
    let source = std::fs::read_to_string(root.join(&dag.file)).ok();
    let line = source
        .as_deref()
        .and_then(|s| s.lines().position(|l| l.starts_with("dag_id:")))
        .map_or(1, |i| i + 1);
    ImportError {
        diagnostics: vec![
            Diagnostic::new(
                &shown,
                Span::at(line, 1, 6),
                Code::DuplicateDagId,
                format!("dag_id `{}` is already used by {first}", dag.dag_id),
            )
            .with_hint("dag ids are unique across the DAG folder; set a different `dag_id`"),
        ],
        file: shown,
        source,
    }
}
