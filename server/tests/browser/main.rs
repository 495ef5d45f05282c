//! The dashboard in a real headless browser (Debian's chromium through chromedriver) against a
//! real `weir standalone`: log in with the generated admin password, trigger a DAG from the
//! form (a 422 first, shown next to its field), watch the grid's cells turn green without a
//! reload, follow a running task's log as it grows, pause a DAG. Every page is photographed
//! into `<target>/screenshots/` (the path is printed).
//!
//! Every wait is a condition with a deadline. A missing browser fails the test (CI=true never
//! skips); outside CI, `WEIR_TEST_SKIP_BROWSER=1` skips it loudly.

#[allow(dead_code)]
#[path = "../support/procs.rs"]
mod procs;
mod webdriver;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use webdriver::{Browser, CHROMEDRIVER, CHROMIUM, free_port};

const WAIT: Duration = Duration::from_secs(30);

/// A manual DAG whose middle task prints a line every 0.2 s until the test creates its gate
/// file (at most two minutes, should the test die), so that its log can be watched growing.
fn demo_dag(gate: &Path) -> String {
    format!(
        r#"
description: "Browser test <script>alert(1)</script>"
tags: [browser]
params:
  greeting: {{type: string, default: hello}}
  count: {{type: integer, default: 3, minimum: 1}}
tasks:
  prepare:
    type: shell
    run: echo "prepare {{{{ params.greeting }}}} x {{{{ params.count }}}}"
  tail_me:
    type: shell
    needs: [prepare]
    run: |
      i=0
      while [ ! -f "{gate}" ] && [ $i -lt 600 ]; do i=$((i+1)); echo "tick $i"; sleep 0.2; done
      echo "gate opened after $i ticks"
  finish:
    type: noop
    needs: [tail_me]
"#,
        gate = gate.display()
    )
}

const PAUSE_ME: &str = r#"
description: A DAG to pause
schedule: "@daily"
start_date: 2026-01-01
tasks:
  only:
    type: noop
"#;

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("screenshots")
}

/// Whether the browser is here; without it the test fails, unless skipped on purpose.
fn browser_available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if present {
        return true;
    }
    let ci = std::env::var("CI").as_deref() == Ok("true");
    if !ci && std::env::var("WEIR_TEST_SKIP_BROWSER").as_deref() == Ok("1") {
        let _ = writeln!(
            std::io::stderr(),
            "*** WEIR_TEST_SKIP_BROWSER=1 and no {CHROMIUM} / {CHROMEDRIVER}: the browser test is SKIPPED ***"
        );
        return false;
    }
    panic!(
        "the browser test needs {CHROMIUM} and {CHROMEDRIVER}: `apt-get install -y chromium chromium-driver` \
         (scripts/test.sh does it); set WEIR_TEST_SKIP_BROWSER=1 to skip it outside CI"
    );
}

/// A `weir standalone` on a free port over a temporary home and DAG folder.
struct Standalone {
    procs: procs::Procs,
    base: String,
    home: tempfile::TempDir,
    dags: tempfile::TempDir,
}

impl Standalone {
    async fn start() -> Standalone {
        let home = tempfile::tempdir().unwrap();
        let dags = tempfile::tempdir().unwrap();
        let gate = home.path().join("gate");
        std::fs::write(dags.path().join("browser_demo.yaml"), demo_dag(&gate)).unwrap();
        std::fs::write(dags.path().join("pause_me.yaml"), PAUSE_ME).unwrap();
        std::fs::write(dags.path().join("broken.yaml"), "tasks: [\n").unwrap();
        let port = free_port();
        let env = [
            ("WEIR_HOME", home.path().display().to_string()),
            ("WEIR_DAGS_FOLDER", dags.path().display().to_string()),
            ("WEIR_PORT", port.to_string()),
            ("WEIR_HOST", "127.0.0.1".to_string()),
        ]
        .map(|(k, v)| (k.to_string(), v));
        let mut procs = procs::Procs::default();
        procs.spawn(
            "standalone",
            &["standalone"],
            &env,
            home.path(),
            home.path(),
        );
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let up = client
                .get(format!("{base}/login"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if up && password_file(home.path()).exists() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "weir standalone did not serve /login within 60 s:\n{}",
                procs.tails(40)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Standalone {
            procs,
            base,
            home,
            dags,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn admin_password(&self) -> String {
        let text = std::fs::read_to_string(password_file(self.home.path())).unwrap();
        text.lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty() && !l.starts_with('#'))
            .expect("a password in the file")
            .to_string()
    }

    fn open_gate(&self) {
        std::fs::write(self.home.path().join("gate"), "open").unwrap();
    }
}

fn password_file(home: &Path) -> PathBuf {
    home.join("standalone_admin_password.txt")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_works_in_a_real_browser() {
    if !browser_available() {
        return;
    }
    let weir = Standalone::start().await;
    let shots = screenshots_dir();
    let browser = Browser::start(&shots, &weir.home.path().join("chromedriver.log")).await;
    let outcome =
        tokio::time::timeout(Duration::from_secs(240), walk_through(&browser, &weir)).await;
    browser.quit().await;
    let _ = writeln!(std::io::stderr(), "screenshots: {}", shots.display());
    if outcome.is_err() {
        panic!(
            "the browser walk-through took over 240 s; weir's log:\n{}",
            weir.procs.tails(60)
        );
    }
    drop(weir.dags);
}

async fn walk_through(b: &Browser, weir: &Standalone) {
    // Without a session every page sends the browser to the login form, and back after it.
    b.goto(&weir.url("/dags")).await;
    b.wait_until("the login form", "location.pathname === '/login'", WAIT)
        .await;
    b.screenshot("01-login").await;
    b.fill("input[name=username]", "admin").await;
    b.fill("input[name=password]", &weir.admin_password()).await;
    b.click("button[type=submit]").await;
    b.wait_until(
        "the DAGs page",
        "location.pathname === '/dags' && document.querySelector('tr[data-dag=browser_demo]')",
        WAIT,
    )
    .await;

    // The description is text, not markup; the broken file shows up as a banner.
    let description = b
        .js(
            "return document.querySelector('tr[data-dag=browser_demo] .description').textContent",
            json!([]),
        )
        .await;
    assert_eq!(description, json!("Browser test <script>alert(1)</script>"));
    b.element(".banner.error a[href='/import_errors']", WAIT)
        .await;
    b.wait_until(
        "the live dot",
        "document.querySelector('#live-dot.on')",
        WAIT,
    )
    .await;
    b.screenshot("02-dags").await;

    // Trigger from the form: a value below the minimum gets the API's 422 next to its field.
    b.goto(&weir.url("/dags/browser_demo/details")).await;
    b.fill("input[name='conf/count']", "0").await;
    b.click("form.trigger-form button[type=submit]").await;
    let message = b
        .wait_until(
            "the 422 field error",
            "document.querySelector('[data-error-for=\"/conf/count\"]').textContent",
            WAIT,
        )
        .await;
    assert!(message.as_str().unwrap().contains("minimum"), "{message}");
    b.screenshot("03-details-validation").await;
    b.fill("input[name='conf/count']", "2").await;
    b.click("form.trigger-form button[type=submit]").await;
    b.wait_until(
        "the run to be created",
        "document.querySelector('.form-result.ok a')",
        WAIT,
    )
    .await;
    b.screenshot("04-details-triggered").await;

    // The grid fills in by itself: no reload (the marker would be gone).
    b.goto(&weir.url("/dags/browser_demo/grid")).await;
    b.js("window.__weirMarker = 42; return true;", json!([]))
        .await;
    b.wait_until(
        "tail_me running in the grid",
        "document.querySelector('tr[data-task=tail_me] .cell[data-state=running]')",
        WAIT,
    )
    .await;
    assert_eq!(
        b.js("return window.__weirMarker", json!([])).await,
        json!(42)
    );
    b.screenshot("05-grid-running").await;

    // The running task's log grows while the page is open.
    b.click("tr[data-task=tail_me] .cell[data-state=running]")
        .await;
    b.wait_until(
        "some log lines",
        "Number(document.querySelector('pre#log').dataset.lines) >= 2",
        WAIT,
    )
    .await;
    b.js("window.__weirMarker = 7; return true;", json!([]))
        .await;
    let before = b
        .js(
            "return Number(document.querySelector('pre#log').dataset.lines)",
            json!([]),
        )
        .await
        .as_i64()
        .unwrap();
    b.wait_until(
        "the log to grow by five lines",
        &format!(
            "Number(document.querySelector('pre#log').dataset.lines) >= {}",
            before + 5
        ),
        WAIT,
    )
    .await;
    assert_eq!(
        b.js("return window.__weirMarker", json!([])).await,
        json!(7)
    );
    b.screenshot("06-task-log-tailing").await;

    // Back on the grid, the rest of the run turns green live once the gate opens.
    b.goto(&weir.url("/dags/browser_demo/grid")).await;
    b.js("window.__weirMarker = 99; return true;", json!([]))
        .await;
    b.element("tr[data-task=tail_me] .cell[data-state=running]", WAIT)
        .await;
    weir.open_gate();
    b.wait_until(
        "every cell of the run green",
        "['prepare', 'tail_me', 'finish'].every(t => document.querySelector(`tr[data-task=${t}] .cell[data-state=success]`))",
        WAIT,
    )
    .await;
    assert_eq!(
        b.js("return window.__weirMarker", json!([])).await,
        json!(99)
    );
    b.wait_until(
        "the run's column green",
        "document.querySelector('th.run a.s-success')",
        WAIT,
    )
    .await;
    b.screenshot("07-grid-success").await;

    // The finished log says so.
    b.click("tr[data-task=tail_me] .cell[data-state=success]")
        .await;
    b.wait_until(
        "the whole log",
        "document.querySelector('pre#log').dataset.finished === 'true' && document.querySelector('pre#log').textContent.includes('gate opened')",
        WAIT,
    )
    .await;
    b.screenshot("08-task-instance").await;

    // Every other page renders, photographed.
    for (name, path, ready) in [
        (
            "09-graph",
            "/dags/browser_demo/graph",
            "svg.graph g.node[data-state=success]",
        ),
        ("10-runs", "/dags/browser_demo/runs", "table.runs tbody tr"),
        ("11-run-gantt", "", ".gantt-row .seg.attempt"),
        ("12-code", "/dags/browser_demo/code", "table.code tr#L2"),
        ("13-all-runs", "/runs", "table.runs tbody tr"),
        ("14-import-errors", "/import_errors", ".diagnostics li"),
        ("15-backfills", "/backfills", "table.list"),
        ("16-pools", "/pools", "tr[data-pool=default_pool]"),
        ("17-workers", "/workers", "table.list td.mono"),
        ("18-users-and-tokens", "/access", "table.list"),
        ("19-api-docs", "/api/docs", ".swagger-ui .opblock"),
    ] {
        if path.is_empty() {
            // The run page, from the runs list.
            b.click("table.runs tbody tr a.mono").await;
        } else {
            b.goto(&weir.url(path)).await;
        }
        b.element(ready, WAIT).await;
        b.screenshot(name).await;
    }

    // Pause a DAG from the list: the switch flips without a reload, and stays after one.
    b.goto(&weir.url("/dags")).await;
    b.js("window.__weirMarker = 5; return true;", json!([]))
        .await;
    b.click("tr[data-dag=pause_me] button.toggle.on").await;
    b.wait_until(
        "pause_me paused",
        "document.querySelector('tr[data-dag=pause_me].paused button.toggle:not(.on)')",
        WAIT,
    )
    .await;
    assert_eq!(
        b.js("return window.__weirMarker", json!([])).await,
        json!(5)
    );
    b.goto(&weir.url("/dags?status=paused")).await;
    b.element("tr[data-dag=pause_me].paused", WAIT).await;
    b.screenshot("20-dags-paused").await;

    // The dark theme, as the theme button leaves it.
    b.js(
        "localStorage.setItem('weir-theme', 'dark'); return true;",
        json!([]),
    )
    .await;
    b.goto(&weir.url("/dags/browser_demo/grid")).await;
    b.wait_until(
        "the dark theme",
        "document.documentElement.dataset.theme === 'dark'",
        WAIT,
    )
    .await;
    b.screenshot("21-grid-dark").await;
}
