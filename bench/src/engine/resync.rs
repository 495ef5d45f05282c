//! Re-syncing a changed DAG folder: every file rewritten at once (a new description), then one
//! `DagFolder::scan`, which must store a new version of every DAG.

use std::time::Instant;

use anyhow::ensure;
use weir_scheduler::DagFolder;
use weir_store::testing::Backend;

use super::dags;
use super::harness::fresh_store;

pub struct Resync {
    /// The first scan of the folder: every DAG new.
    pub initial_ms: f64,
    /// The scan after every file changed.
    pub changed_ms: f64,
}

pub async fn all_changed(backend: Backend, files: usize, tasks: usize) -> anyhow::Result<Resync> {
    let test_store = fresh_store(backend).await?;
    let store = test_store.store.as_ref();
    let dir = tempfile::Builder::new()
        .prefix("weir-bench-resync-")
        .tempdir()?;
    dags::write_idle_folder(dir.path(), files, tasks, None)?;
    let mut folder = DagFolder::new(dir.path());
    let start = Instant::now();
    let first = folder.scan(store, false).await?;
    let initial_ms = start.elapsed().as_secs_f64() * 1e3;
    ensure!(
        first.new_versions == files,
        "the first scan stored {} versions for {files} files",
        first.new_versions
    );
    dags::write_idle_folder(
        dir.path(),
        files,
        tasks,
        Some("Changed by weir-bench, so that every file has a new version."),
    )?;
    let start = Instant::now();
    let second = folder.scan(store, false).await?;
    let changed_ms = start.elapsed().as_secs_f64() * 1e3;
    ensure!(
        second.new_versions == files,
        "after changing {files} files, the scan stored {} new versions",
        second.new_versions
    );
    Ok(Resync {
        initial_ms,
        changed_ms,
    })
}
