//! `weir features get|historical` as a user runs them, on a view materialized for real into the
//! lake that WEIR_LAKE_URL names and registered in the SQLite store of WEIR_HOME.

#[path = "api/lake.rs"]
mod lake;

use std::path::Path;
use std::process::{Command, Output};

use lake::{VIEW, materialize_user_stats};

fn weir(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(args)
        .current_dir(dir)
        .env("WEIR_HOME", dir.join(".weir"))
        .env("WEIR_LAKE_URL", dir.join("lake"))
        .env_remove("WEIR_DATABASE_URL")
        .env_remove("WEIR_CONFIG")
        .output()
        .expect("weir runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn text(out: &Output) -> String {
    format!("{}{}", stdout(out), String::from_utf8_lossy(&out.stderr))
}

/// A state directory with its SQLite store, and a lake beside it, holding `user_stats`.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async move {
            std::fs::create_dir_all(d.join(".weir")).unwrap();
            let url = format!("sqlite://{}?mode=rwc", d.join(".weir/weir.db").display());
            let store = weir_store::connect(&url).await.unwrap();
            store.migrate().await.unwrap();
            let lake = weir_lake::Lake::new(weir_lake::LakeRoot::local(&d.join("lake")).unwrap());
            std::fs::create_dir_all(d.join("src")).unwrap();
            materialize_user_stats(&lake, store.as_ref(), &d.join("src")).await;
        });
    dir
}

#[test]
fn get_prints_an_entitys_online_values_and_their_as_of_time() {
    let dir = setup();
    let d = dir.path();
    let out = weir(d, &["features", "get", VIEW, "u1"]);
    assert!(out.status.success(), "{}", text(&out));
    let shown = stdout(&out);
    assert!(shown.contains("as of 2026-03-12T00:00:00+00:00"), "{shown}");
    assert!(shown.contains("spend    1016.0"), "{shown}");

    let out = weir(d, &["features", "get", VIEW, "u2", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["features"]["spend"], 507.0);
    assert_eq!(json["as_of"], "2026-03-12T00:00:00Z");

    let out = weir(d, &["features", "get", VIEW, "u9"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("no values for entity `u9`"),
        "{}",
        text(&out)
    );
    let out = weir(d, &["features", "get", "user_statz", "u1"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("no feature view `user_statz`; known: user_stats"),
        "{}",
        text(&out)
    );
}

#[test]
fn historical_writes_a_training_set_as_of_each_rows_time() {
    let dir = setup();
    let d = dir.path();
    std::fs::write(
        d.join("rows.csv"),
        "user_id,ts,label\n\
         u1,2026-03-09T12:00:00Z,0\n\
         u1,2026-03-11T00:00:00Z,1\n\
         u2,2026-03-20,\"a, b\"\n",
    )
    .unwrap();
    let out = weir(
        d,
        &[
            "features",
            "historical",
            VIEW,
            "--input",
            "rows.csv",
            "--output",
            "out.csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("3 rows with 2 features"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("1 rows are older"), "{}", text(&out));
    let written = std::fs::read_to_string(d.join("out.csv")).unwrap();
    assert_eq!(
        written,
        "user_id,ts,label,events,spend,_as_of\n\
         u1,2026-03-09T12:00:00Z,0,,,\n\
         u1,2026-03-11T00:00:00Z,1,3,16.0,2026-03-10T00:00:00Z\n\
         u2,2026-03-20,\"a, b\",2,507.0,2026-03-12T00:00:00Z\n"
    );

    // JSON lines in, standard output in the same format, another timestamp column.
    std::fs::write(
        d.join("rows.jsonl"),
        "{\"user_id\": \"u1\", \"when\": \"2026-03-12T00:00:00Z\"}\n\n{\"user_id\": \"u2\", \"when\": \"2026-03-11\"}\n",
    )
    .unwrap();
    let out = weir(
        d,
        &[
            "features",
            "historical",
            VIEW,
            "--input",
            "rows.jsonl",
            "--timestamp-column",
            "when",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let rows: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["spend"], 1016.0);
    assert_eq!(rows[1]["spend"], 7.0);
    assert_eq!(rows[1]["_as_of"], "2026-03-10T00:00:00Z");
}

#[test]
fn historical_names_the_bad_rows_and_the_unknown_view() {
    let dir = setup();
    let d = dir.path();
    std::fs::write(
        d.join("rows.csv"),
        "user_id,ts\nu1,2026-03-11T00:00:00Z\nu1,last tuesday\n,2026-03-11\n",
    )
    .unwrap();
    let out = weir(d, &["features", "historical", VIEW, "--input", "rows.csv"]);
    assert!(!out.status.success());
    let shown = text(&out);
    assert!(shown.contains("2 problems"), "{shown}");
    assert!(
        shown.contains("rows.csv:3: column `ts`: \"last tuesday\" is not a timestamp"),
        "{shown}"
    );
    assert!(
        shown.contains("rows.csv:4: column `user_id`: missing the key column"),
        "{shown}"
    );
    let out = weir(
        d,
        &["features", "historical", "nope", "--input", "rows.csv"],
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("no feature view `nope`"),
        "{}",
        text(&out)
    );
    let out = weir(
        d,
        &["features", "historical", VIEW, "--input", "rows.parquet"],
    );
    assert!(
        text(&out).contains("`.csv` or a `.jsonl`"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_lake_url_that_cannot_be_used_stops_the_server_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_weir"))
        .arg("server")
        .current_dir(dir.path())
        .env("WEIR_HOME", dir.path().join(".weir"))
        .env("WEIR_LAKE_URL", "ftp://host/lake")
        .env("WEIR_PORT", "0")
        .env_remove("WEIR_DATABASE_URL")
        .env_remove("WEIR_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while server.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            server.kill().unwrap();
            panic!("weir server kept running with an unusable lake URL");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = server.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out).contains("cannot open the lake") && text(&out).contains("unknown scheme `ftp`"),
        "{}",
        text(&out)
    );
}
