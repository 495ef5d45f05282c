//! Every .sql file under src/ is loaded by an `include_str!` in the code: no dead queries.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// The files the `include_str!("...")` calls of one source file name, resolved.
fn included(rs: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(rs).unwrap();
    let mut found = Vec::new();
    for piece in text.split("include_str!(\"").skip(1) {
        let rel = piece.split('"').next().unwrap();
        let path = rs.parent().unwrap().join(rel);
        found.push(path.canonicalize().unwrap_or(path));
    }
    found
}

#[test]
fn every_sql_file_is_included_by_the_code() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sql = Vec::new();
    files(&src, "sql", &mut sql);
    assert!(sql.len() > 50, "found the queries ({})", sql.len());
    let mut rs = Vec::new();
    files(&src, "rs", &mut rs);
    let used: BTreeSet<PathBuf> = rs.iter().flat_map(|f| included(f)).collect();
    let unused: Vec<_> = sql
        .iter()
        .map(|p| p.canonicalize().unwrap())
        .filter(|p| !used.contains(p))
        .collect();
    assert!(unused.is_empty(), "SQL files no code includes: {unused:#?}");
    for path in &used {
        assert!(path.exists(), "included but missing: {}", path.display());
    }
}

#[test]
fn every_query_file_holds_one_statement() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sql = Vec::new();
    files(&src, "sql", &mut sql);
    for path in sql {
        let text = std::fs::read_to_string(&path).unwrap();
        let code: String = text
            .lines()
            .map(|l| l.split("--").next().unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        let statements = code.split(';').filter(|s| !s.trim().is_empty()).count();
        assert_eq!(
            statements,
            1,
            "{} holds {statements} statements",
            path.display()
        );
    }
}
