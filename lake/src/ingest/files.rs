//! A source `path` (a file, a glob, or an object store URL) resolved to the files it names.

use std::path::{Path, PathBuf};

use crate::error::{LakeError, Result};

/// One file to ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// What `_source` records and errors name: the absolute path.
    pub display: String,
    pub path: PathBuf,
    pub size: u64,
}

/// The files `pattern` names, sorted, relative paths taken from `base`. A pattern without a
/// match is an error naming it, with what the folder holds as a hint.
pub fn resolve(pattern: &str, base: &Path) -> Result<Vec<SourceFile>> {
    if pattern.contains("://") && !pattern.starts_with("file://") {
        return Err(LakeError::Invalid(format!(
            "source path `{pattern}`: only local files can be ingested in this build of Weir \
             (hint: copy the files to a local folder first, e.g. with a shell task)"
        )));
    }
    let pattern = pattern.strip_prefix("file://").unwrap_or(pattern);
    let full = if Path::new(pattern).is_absolute() {
        PathBuf::from(pattern)
    } else {
        base.join(pattern)
    };
    let full_text = full.to_string_lossy().to_string();
    let paths: Vec<PathBuf> = if is_glob(pattern) {
        glob::glob(&full_text)
            .map_err(|e| LakeError::Invalid(format!("source path `{pattern}`: {e}")))?
            .filter_map(|entry| entry.ok())
            .filter(|p| p.is_file())
            .collect()
    } else if full.is_file() {
        vec![full.clone()]
    } else if full.is_dir() {
        return Err(LakeError::NoSourceFiles {
            path: full_text,
            hint: Some("this is a folder: name its files with a glob, e.g. `folder/*.csv`".into()),
        });
    } else {
        Vec::new()
    };
    if paths.is_empty() {
        return Err(LakeError::NoSourceFiles {
            hint: folder_hint(&full),
            path: full_text,
        });
    }
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let meta = std::fs::metadata(&path).map_err(|e| LakeError::SourceIo {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let absolute = std::fs::canonicalize(&path).unwrap_or(path);
        files.push(SourceFile {
            display: absolute.to_string_lossy().to_string(),
            path: absolute,
            size: meta.len(),
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    Ok(files)
}

fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}

/// What the nearest existing folder holds, so that a typo in a file name is easy to see.
fn folder_hint(full: &Path) -> Option<String> {
    let mut folder = full.parent()?;
    while is_glob(&folder.to_string_lossy()) {
        folder = folder.parent()?;
    }
    if !folder.is_dir() {
        return Some(format!("the folder {} does not exist", folder.display()));
    }
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    let shown = names.len().min(10);
    let more = if names.len() > shown {
        format!(" and {} more", names.len() - shown)
    } else {
        String::new()
    };
    Some(if names.is_empty() {
        format!("the folder {} is empty", folder.display())
    } else {
        format!(
            "{} holds {}{more}",
            folder.display(),
            names[..shown].join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_globs_and_missing_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "x\n1\n").unwrap();
        std::fs::write(dir.path().join("b.csv"), "x\n2\n").unwrap();
        let one = resolve("a.csv", dir.path()).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].size, 4);
        let all = resolve("*.csv", dir.path()).unwrap();
        assert_eq!(all.len(), 2);
        assert!(all[0].display.ends_with("a.csv"));
        let err = resolve("c.csv", dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("c.csv") && err.contains("a.csv, b.csv"),
            "{err}"
        );
        let err = resolve("nope/*.csv", dir.path()).unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
        let err = resolve(".", dir.path()).unwrap_err().to_string();
        assert!(err.contains("glob"), "{err}");
    }
}
