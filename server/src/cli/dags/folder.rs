//! Loading the DAG folder for a command, and finding one DAG in it.

use std::path::Path;

use anyhow::bail;
use weir_core::dag::{Dag, FolderLoad, load_folder};
use weir_core::diag::did_you_mean;

pub fn load(dags_folder: &Path) -> anyhow::Result<FolderLoad> {
    if !dags_folder.is_dir() {
        bail!(
            "the DAG folder `{}` does not exist (set it with --dags-folder or WEIR_DAGS_FOLDER)",
            dags_folder.display()
        );
    }
    Ok(load_folder(dags_folder))
}

/// Finds a DAG by id; an unknown id gets the closest known one, and a DAG whose file is broken
/// gets its errors rather than "not found".
pub fn find(dags_folder: &Path, dag_id: &str) -> anyhow::Result<Dag> {
    let mut load = load(dags_folder)?;
    if let Some(i) = load.dags.iter().position(|d| d.dag_id.as_str() == dag_id) {
        return Ok(load.dags.swap_remove(i));
    }
    let broken = load
        .errors
        .iter()
        .find(|e| Path::new(&e.file).file_stem().and_then(|s| s.to_str()) == Some(dag_id));
    if let Some(err) = broken {
        eprint!("{}", err.render());
        bail!("DAG `{dag_id}` cannot be loaded: {} has errors", err.file);
    }
    let hint = did_you_mean(dag_id, load.dags.iter().map(|d| d.dag_id.as_str()))
        .map(|close| format!("; did you mean `{close}`?"))
        .unwrap_or_default();
    bail!(
        "no DAG `{dag_id}` in {}{hint} (`weir dags list` shows them all)",
        dags_folder.display()
    )
}
