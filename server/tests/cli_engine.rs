//! The engine's command line on SQLite, as a user runs it: trigger, list, show, clear, test.

use std::path::Path;
use std::process::{Command, Output};

fn weir(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(args)
        .current_dir(home)
        .env("WEIR_HOME", home.join(".weir"))
        .env("WEIR_DAGS_FOLDER", home.join("dags"))
        .env_remove("WEIR_DATABASE_URL")
        .env_remove("WEIR_CONFIG")
        .output()
        .expect("weir runs")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const DAG: &str = r#"
params:
  who: {type: string, default: world, enum: [world, weir]}
tasks:
  greet:
    type: shell
    run: |
      echo "hello {{ params.who }} on {{ ds }}"
      echo '{"n": 1}' > "$WEIR_OUTPUT"
  report:
    type: shell
    needs: [greet]
    run: echo "n={{ outputs.greet.n }}"
"#;

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("dags")).unwrap();
    std::fs::write(dir.path().join("dags/hi.yaml"), DAG).unwrap();
    dir
}

#[test]
fn trigger_checks_params_and_is_idempotent_per_run_id() {
    let dir = setup();
    let d = dir.path();
    let out = weir(
        d,
        &["dags", "trigger", "hi", "--conf", r#"{"who": "nobody"}"#],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("param `who`"), "{}", text(&out));
    let out = weir(
        d,
        &["dags", "trigger", "hi", "--conf", r#"{"whom": "weir"}"#],
    );
    assert!(text(&out).contains("did you mean `who`"), "{}", text(&out));

    let out = weir(
        d,
        &[
            "dags",
            "trigger",
            "hi",
            "--run-id",
            "mine",
            "--conf",
            r#"{"who": "weir"}"#,
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("created run mine"));
    let out = weir(d, &["dags", "trigger", "hi", "--run-id", "mine"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("already exists"), "{}", text(&out));

    let out = weir(d, &["runs", "list", "hi"]);
    assert!(
        text(&out).contains("mine") && text(&out).contains("1 of 1 runs"),
        "{}",
        text(&out)
    );
    let out = weir(d, &["runs", "show", "hi", "mine"]);
    assert!(
        text(&out).contains("greet") && text(&out).contains("none"),
        "{}",
        text(&out)
    );
    let out = weir(
        d,
        &["tasks", "clear", "hi", "mine", "greet", "--downstream"],
    );
    assert!(
        text(&out).contains("cleared 2 task instance"),
        "{}",
        text(&out)
    );
    // Retention never touches a run that is not finished.
    let out = weir(d, &["db", "clean", "--older-than", "0s"]);
    assert!(
        text(&out).contains("deleted 0 finished run(s)"),
        "{}",
        text(&out)
    );
    let out = weir(d, &["runs", "list", "hi"]);
    assert!(text(&out).contains("1 of 1 runs"), "{}", text(&out));
    let out = weir(d, &["db", "clean", "--older-than", "ninety days"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("--older-than"), "{}", text(&out));

    let out = weir(d, &["dags", "trigger", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no DAG `nope`"), "{}", text(&out));
}

#[test]
fn tasks_test_runs_one_task_with_rendered_templates_and_touches_no_state() {
    let dir = setup();
    let d = dir.path();
    let out = weir(
        d,
        &[
            "tasks",
            "test",
            "hi",
            "greet",
            "2026-03-01",
            "--conf",
            r#"{"who": "weir"}"#,
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("hello weir on 2026-03-01"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains(r#"output: {"n":1}"#), "{}", text(&out));

    let out = weir(d, &["tasks", "test", "hi", "report"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--upstream-output"), "{}", text(&out));
    let out = weir(
        d,
        &[
            "tasks",
            "test",
            "hi",
            "report",
            "--upstream-output",
            r#"greet={"n": 7}"#,
        ],
    );
    assert!(text(&out).contains("n=7"), "{}", text(&out));
    assert!(
        !d.join(".weir").exists(),
        "tasks test must not create state"
    );
}

#[test]
fn config_shows_sources_and_masks_secrets() {
    let dir = setup();
    let out = Command::new(env!("CARGO_BIN_EXE_weir"))
        .arg("config")
        .current_dir(dir.path())
        .env("WEIR_DATABASE_URL", "postgres://weir:hunter2@db:5432/weir")
        .env("WEIR_PORT", "9999")
        .output()
        .unwrap();
    let shown = text(&out);
    assert!(shown.contains("port = 9999"), "{shown}");
    assert!(
        shown.contains("postgres://weir:***@db:5432/weir"),
        "{shown}"
    );
    assert!(!shown.contains("hunter2"));
}
