//! `weir dags ...` as a user runs it: a real process, real files, a real git repository.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn weir(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(args)
        .current_dir(dir)
        .env_remove("WEIR_DAGS_FOLDER")
        .output()
        .expect("weir runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn write(dir: &Path, rel: &str, body: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

#[test]
fn validate_accepts_the_examples_and_exits_zero() {
    let out = weir(&repo_root(), &["dags", "validate", "dags/"]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).starts_with("ok: "),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn validate_reports_every_error_with_position_and_exits_one() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "dags/good.yaml", "tasks:\n  a: {type: noop}\n");
    write(
        dir.path(),
        "dags/bad.yaml",
        "tasks:\n  a:\n    type: noop\n    needs: [b]\n  c: {type: shel}\n",
    );
    let out = weir(dir.path(), &["dags", "validate"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("--> dags/bad.yaml:4:13"), "{err}");
    assert!(err.contains("--> dags/bad.yaml:5:13"), "{err}");
    assert!(err.contains("did you mean `shell`?"), "{err}");
    assert!(
        text(&out.stdout).contains("1 DAGs ok, 1 files with 2 errors"),
        "{}",
        text(&out.stdout)
    );

    let out = weir(
        dir.path(),
        &["dags", "validate", "dags/bad.yaml", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["code"], "unknown-upstream");
    assert_eq!(
        (errors[0]["line"].as_u64(), errors[0]["column"].as_u64()),
        (Some(4), Some(13))
    );
    assert!(errors[0]["hint"].is_string());
}

#[test]
fn validate_names_a_missing_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = weir(dir.path(), &["dags", "validate", "nowhere.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("nowhere.yaml"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn list_show_and_next_runs_describe_a_dag() {
    let root = repo_root();
    let out = weir(&root, &["dags", "list", "--format", "json"]);
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hello = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["dag_id"] == "hello")
        .unwrap();
    assert_eq!(hello["schedule"], "@daily");
    assert_eq!(hello["tasks"], 2);
    assert!(
        hello["next_run"]
            .as_str()
            .unwrap()
            .ends_with("T00:00:00+01:00")
            || hello["next_run"]
                .as_str()
                .unwrap()
                .ends_with("T00:00:00+02:00")
    );

    let out = weir(&root, &["dags", "show", "user_features_daily"]);
    let shown = text(&out.stdout);
    let order: Vec<usize> = ["ingest_clicks", "validate_clicks", "user_stats", "announce"]
        .iter()
        .map(|t| {
            shown
                .find(&format!("\n{t} "))
                .unwrap_or_else(|| panic!("{t} in {shown}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{shown}");

    let out = weir(&root, &["dags", "show", "hello", "--dot"]);
    assert!(text(&out.stdout).contains("\"greet\" -> \"done\";"));

    let out = weir(
        &root,
        &[
            "dags",
            "next-runs",
            "user_features_daily",
            "-n",
            "4",
            "--format",
            "json",
        ],
    );
    let runs: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(runs.len(), 4);
    for pair in runs.windows(2) {
        assert_eq!(pair[0]["data_interval_end"], pair[1]["data_interval_start"]);
    }
    assert!(
        runs[0]["logical_date"]
            .as_str()
            .unwrap()
            .contains("T02:00:00+0")
    );

    let out = weir(&root, &["dags", "show", "helo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean `hello`?"),
        "{}",
        text(&out.stderr)
    );
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.email=t@example.com",
            "-c",
            "user.name=t",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        text(&status.stderr)
    );
}

#[test]
fn plan_explains_a_change_against_a_revision() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "dags/etl.yaml",
        "schedule: \"@daily\"\ntasks:\n  extract: {type: noop}\n  load: {type: noop, needs: [extract]}\n  old: {type: noop}\n",
    );
    write(d, "dags/gone.yaml", "tasks:\n  a: {type: noop}\n");
    git(d, &["init", "-q"]);
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "base"]);

    write(
        d,
        "dags/etl.yaml",
        "schedule: \"@hourly\"\ntasks:\n  extract: {type: noop}\n  clean: {type: noop, needs: [extract]}\n  load: {type: noop, needs: [clean]}\n",
    );
    write(
        d,
        "dags/fresh.yaml",
        "schedule: \"0 0 * * *\"\nstart_date: 2026-01-01\ncatchup: true\ntasks:\n  a: {type: noop}\n",
    );
    std::fs::remove_file(d.join("dags/gone.yaml")).unwrap();

    let out = weir(d, &["dags", "plan", "--base", "HEAD", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dag = |id: &str| {
        plan["dags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["dag_id"] == id)
            .cloned()
            .unwrap()
    };
    let etl = dag("etl");
    assert_eq!(etl["change"], "modified");
    assert_eq!(etl["tasks_added"], serde_json::json!(["clean"]));
    assert_eq!(etl["tasks_removed"], serde_json::json!(["old"]));
    assert_eq!(etl["tasks_rewired"][0]["task"], "load");
    assert_eq!(
        etl["tasks_rewired"][0]["needs_after"],
        serde_json::json!(["clean"])
    );
    assert_eq!(etl["schedule"]["before"], "@daily");
    assert_eq!(etl["schedule"]["after"], "@hourly");
    assert_eq!(
        etl["schedule"]["next_runs_after"].as_array().unwrap().len(),
        3
    );
    let fresh = dag("fresh");
    assert_eq!(fresh["change"], "added");
    assert!(
        fresh["catchup_runs"]["count"].as_u64().unwrap() >= 300,
        "{fresh}"
    );
    assert_eq!(dag("gone")["change"], "removed");

    write(
        d,
        "dags/broken.yaml",
        "tasks:\n  a: {type: noop, needs: [zz]}\n",
    );
    let out = weir(d, &["dags", "plan"]);
    assert_eq!(out.status.code(), Some(1));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("+ task clean") && shown.contains("- task old"),
        "{shown}"
    );
    assert!(shown.contains("dags/broken.yaml:2:27"), "{shown}");

    let out = weir(d, &["dags", "plan", "--base", "no-such-rev"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown git revision `no-such-rev`"));
}
