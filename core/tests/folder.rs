//! Loading a DAG folder: one bad file never stops the others.

use weir_core::dag::load_folder;
use weir_core::diag::Code;

fn write(dir: &std::path::Path, rel: &str, body: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

#[test]
fn good_dags_load_and_bad_files_become_import_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "a.yaml", "tasks:\n  t: {type: noop}\n");
    write(d, "team/b.yml", "tasks:\n  t: {type: noop}\n");
    write(d, "broken.yaml", "tasks:\n  t: {type: noop, needs: [x]}\n");
    write(d, "not_yaml.yaml", "tasks: [unclosed\n");
    write(d, ".hidden.yaml", "garbage: [\n");
    write(d, ".git/config.yaml", "garbage: [\n");
    write(d, "README.md", "# not a DAG\n");
    write(d, "dup.yaml", "dag_id: a\ntasks:\n  t: {type: noop}\n");

    let load = load_folder(d);
    let mut ids: Vec<&str> = load.dags.iter().map(|x| x.dag_id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, vec!["a", "b"]);
    let b = load.dags.iter().find(|x| x.dag_id.as_str() == "b").unwrap();
    assert_eq!(b.file, "team/b.yml");

    let mut files: Vec<String> = load
        .errors
        .iter()
        .map(|e| e.file.rsplit('/').next().unwrap().to_string())
        .collect();
    files.sort();
    assert_eq!(files, vec!["broken.yaml", "dup.yaml", "not_yaml.yaml"]);
    let dup = load
        .errors
        .iter()
        .find(|e| e.file.ends_with("dup.yaml"))
        .unwrap();
    assert_eq!(dup.diagnostics[0].code, Code::DuplicateDagId);
    assert_eq!(dup.diagnostics[0].line, 1);
    assert!(
        dup.diagnostics[0].message.contains("a.yaml"),
        "{}",
        dup.diagnostics[0].message
    );
    let syntax = load
        .errors
        .iter()
        .find(|e| e.file.ends_with("not_yaml.yaml"))
        .unwrap();
    assert_eq!(syntax.diagnostics[0].code, Code::YamlSyntax);
}

#[test]
fn a_missing_folder_is_one_clear_error() {
    let load = load_folder(std::path::Path::new("/nonexistent/weir/dags"));
    assert!(load.dags.is_empty());
    assert_eq!(load.errors.len(), 1);
    assert_eq!(load.errors[0].diagnostics[0].code, Code::Io);
}
