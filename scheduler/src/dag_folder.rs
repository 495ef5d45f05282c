//! Keeps the store in step with the DAG folder: re-parses only files that changed, stores a new
//! version when a DAG's content changes, records import errors (cleared when fixed), and marks
//! DAGs whose file is gone inactive (their history stays).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Context;
use weir_core::dag::{duplicate_dag_id, list_dag_files, parse_files};
use weir_store::{DagSyncBatch, DagToSync, Store};

/// How many changed files are parsed and stored together: the store commits a hundred DAGs at
/// a time anyway.
const SYNC_CHUNK: usize = 100;

/// What a file looked like when it was last parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

/// What a file gave when it was last parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Loaded {
    Dag(String),
    Error,
}

#[derive(Debug)]
pub struct DagFolder {
    root: PathBuf,
    stamps: HashMap<PathBuf, Stamp>,
    loaded: HashMap<PathBuf, Loaded>,
}

/// What one scan did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ScanReport {
    pub files: usize,
    pub parsed: usize,
    pub new_versions: usize,
    pub import_errors: usize,
    pub deactivated: u64,
}

impl ScanReport {
    pub fn changed_anything(&self) -> bool {
        self.parsed > 0 || self.deactivated > 0
    }
}

impl DagFolder {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DagFolder {
            root: root.into(),
            stamps: HashMap::new(),
            loaded: HashMap::new(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Scans the folder and writes what changed to the store.
    pub async fn scan(
        &mut self,
        store: &dyn Store,
        paused_on_create: bool,
    ) -> anyhow::Result<ScanReport> {
        let root = self.root.clone();
        let files = tokio::task::spawn_blocking(move || list_dag_files(&root))
            .await?
            .with_context(|| format!("cannot read the DAG folder {}", self.root.display()))?;
        let mut report = ScanReport {
            files: files.len(),
            ..ScanReport::default()
        };
        let mut changed = Vec::new();
        let mut stamps = HashMap::with_capacity(files.len());
        for path in &files {
            let stamp = stamp_of(path);
            if self.stamps.get(path) != Some(&stamp) {
                changed.push(path.clone());
            }
            stamps.insert(path.clone(), stamp);
        }
        let removed: Vec<PathBuf> = self
            .stamps
            .keys()
            .filter(|p| !stamps.contains_key(*p))
            .cloned()
            .collect();
        if changed.is_empty() && removed.is_empty() {
            return Ok(report);
        }
        self.sync_changed(store, &changed, paused_on_create, &mut report)
            .await?;
        for path in &removed {
            self.loaded.remove(path);
            store.clear_import_error(&self.rel(path)).await?;
        }
        self.stamps = stamps;
        let active: Vec<String> = self
            .loaded
            .values()
            .filter_map(|l| match l {
                Loaded::Dag(id) => Some(id.clone()),
                Loaded::Error => None,
            })
            .collect();
        report.deactivated = store.deactivate_dags_except(&active).await?;
        Ok(report)
    }

    /// Parses and stores the changed files `SYNC_CHUNK` at a time: a folder of thousands of
    /// DAGs never has all of them parsed in memory at once (the scheduler's resident memory
    /// would keep that peak for good: the allocator does not hand it back).
    async fn sync_changed(
        &mut self,
        store: &dyn Store,
        changed: &[PathBuf],
        paused_on_create: bool,
        report: &mut ScanReport,
    ) -> anyhow::Result<()> {
        if changed.is_empty() {
            return Ok(());
        }
        let commit = git_head(&self.root).await;
        for chunk in changed.chunks(SYNC_CHUNK) {
            self.sync_chunk(store, chunk, commit.as_deref(), paused_on_create, report)
                .await?;
        }
        Ok(())
    }

    async fn sync_chunk(
        &mut self,
        store: &dyn Store,
        changed: &[PathBuf],
        commit: Option<&str>,
        paused_on_create: bool,
        report: &mut ScanReport,
    ) -> anyhow::Result<()> {
        let root = self.root.clone();
        let paths = changed.to_vec();
        let parsed = tokio::task::spawn_blocking(move || parse_files(&root, &paths)).await?;
        report.parsed += parsed.len();
        // Settle which file owns which DAG first (the first file loaded keeps a DAG id), then
        // record every DAG that loads in one batch: one read and a commit per hundred DAGs.
        let mut owners = self.owners();
        let mut loads = Vec::with_capacity(parsed.len());
        for file in parsed {
            // The file's previous DAG no longer counts as loaded from it until it proves again.
            if let Some(Loaded::Dag(id)) = self.loaded.remove(&file.path) {
                owners.remove(&id);
            }
            let result = file
                .result
                .and_then(|dag| match owners.get(dag.dag_id.as_str()) {
                    Some(first) => Err(duplicate_dag_id(&self.root, &dag, &self.rel(first))),
                    None => Ok(dag),
                });
            match result {
                Ok(dag) => {
                    owners.insert(dag.dag_id.to_string(), file.path.clone());
                    self.loaded
                        .insert(file.path, Loaded::Dag(dag.dag_id.to_string()));
                    loads.push((dag, file.source.unwrap_or_default()));
                }
                Err(error) => {
                    report.import_errors += 1;
                    tracing::warn!(file = %file.rel, errors = error.diagnostics.len(), "DAG file has errors");
                    store
                        .record_import_error(&file.rel, &error.diagnostics)
                        .await?;
                    self.loaded.insert(file.path, Loaded::Error);
                }
            }
        }
        if loads.is_empty() {
            return Ok(());
        }
        let dags: Vec<DagToSync<'_>> = loads
            .iter()
            .map(|(dag, source)| DagToSync { dag, source })
            .collect();
        let batch = DagSyncBatch {
            dags: &dags,
            git_commit: commit,
            paused_on_create,
        };
        let synced = store.sync_dags(&batch).await?;
        for ((dag, _), sync) in loads.iter().zip(&synced) {
            if sync.created_new_version {
                report.new_versions += 1;
                tracing::info!(dag.id = %dag.dag_id, version = sync.version, file = %dag.file, "stored a new DAG version");
            }
        }
        Ok(())
    }

    /// Which file each loaded DAG id came from.
    fn owners(&self) -> HashMap<String, PathBuf> {
        self.loaded
            .iter()
            .filter_map(|(path, l)| match l {
                Loaded::Dag(id) => Some((id.clone(), path.clone())),
                Loaded::Error => None,
            })
            .collect()
    }

    fn rel(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned()
    }
}

fn stamp_of(path: &Path) -> Stamp {
    match std::fs::metadata(path) {
        Ok(meta) => Stamp {
            modified: meta.modified().ok(),
            len: meta.len(),
        },
        Err(_) => Stamp {
            modified: None,
            len: u64::MAX,
        },
    }
}

/// The commit of the DAG folder's git checkout, recorded with each new version.
async fn git_head(root: &Path) -> Option<String> {
    let output = tokio::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .await
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}
