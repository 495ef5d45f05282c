//! `weir connections set|list|delete` as a user runs them, on SQLite: the URL goes in on
//! stdin and comes out masked.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "n0t-In-The-Hist0ry";

fn weir(home: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_weir"))
        .args(args)
        .current_dir(home)
        .env("WEIR_HOME", home.join(".weir"))
        .env("WEIR_DAGS_FOLDER", home.join("dags"))
        .env_remove("WEIR_DATABASE_URL")
        .env_remove("WEIR_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("weir runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("weir finishes")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn connections_are_set_from_stdin_listed_masked_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("dags")).unwrap();
    let url = format!("postgres://reader:{PASSWORD}@crm.internal:5432/crm\n");

    let out = weir(
        d,
        &[
            "connections",
            "set",
            "crm-eu",
            "--description",
            "CRM replica",
        ],
        &url,
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains(PASSWORD), "{}", text(&out));
    assert!(
        text(&out).contains("set connection crm-eu"),
        "{}",
        text(&out)
    );

    let out = weir(d, &["connections", "list"], "");
    assert!(out.status.success(), "{}", text(&out));
    let listed = text(&out);
    assert!(!listed.contains(PASSWORD), "{listed}");
    assert!(
        listed.contains("postgres://reader:***@crm.internal:5432/crm"),
        "{listed}"
    );
    assert!(listed.contains("CRM replica"), "{listed}");
    assert!(listed.contains("WEIR_CONN_CRM_EU"), "{listed}");

    // Replacing the URL keeps the description.
    let out = weir(
        d,
        &["connections", "set", "crm-eu"],
        "postgres://other@crm2.internal/crm\n",
    );
    assert!(out.status.success(), "{}", text(&out));
    let listed = text(&weir(d, &["connections", "list"], ""));
    assert!(
        listed.contains("postgres://other@crm2.internal/crm"),
        "{listed}"
    );
    assert!(listed.contains("CRM replica"), "{listed}");

    let out = weir(d, &["connections", "delete", "crm-eu"], "");
    assert!(out.status.success(), "{}", text(&out));
    let listed = text(&weir(d, &["connections", "list"], ""));
    assert!(!listed.contains("crm-eu"), "{listed}");
    let out = weir(d, &["connections", "delete", "crm-eu"], "");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("no connection `crm-eu`"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_connection_needs_a_url_on_stdin_and_a_valid_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = weir(d, &["connections", "set", "crm"], "");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("no URL on stdin"), "{}", text(&out));

    let out = weir(
        d,
        &["connections", "set", "bad.name"],
        "postgres://x@h/db\n",
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("invalid connection name"),
        "{}",
        text(&out)
    );

    // A URL is not an argument: clap refuses it, so it never lands in the shell history.
    let out = weir(
        d,
        &[
            "connections",
            "set",
            "crm",
            &format!("postgres://u:{PASSWORD}@h/db"),
        ],
        "",
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("unexpected argument"), "{}", text(&out));
}
