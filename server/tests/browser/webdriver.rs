//! Just enough of the W3C WebDriver protocol to drive Debian's chromium through chromedriver:
//! JSON over HTTP with the reqwest client the tests already use, instead of a WebDriver crate
//! and the TLS stack it would compile (two cores; chromedriver listens on loopback only).
//!
//! chromedriver runs in its own process group with a fresh profile folder; dropping the
//! [`Browser`] kills the group, chromium included, whatever happened to the test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The key under which WebDriver returns an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    http: reqwest::Client,
    base: String,
    session: String,
    driver: Child,
    screenshots: PathBuf,
    _profile: tempfile::TempDir,
}

/// A free loopback port (the listener is dropped; the race with another taker is harmless
/// here: the start would fail loudly).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// Starts chromedriver and a headless chromium session; screenshots go to `screenshots`.
    pub async fn start(screenshots: &Path, log: &Path) -> Browser {
        std::fs::create_dir_all(screenshots).expect("the screenshots folder");
        let port = free_port();
        let log_file = std::fs::File::create(log).expect("the chromedriver log");
        let mut command = Command::new(CHROMEDRIVER);
        command
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file);
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command.spawn().expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let profile = tempfile::tempdir().expect("a profile folder");
        let mut browser = Browser {
            http,
            base,
            session: String::new(),
            driver,
            screenshots: screenshots.to_path_buf(),
            _profile: profile,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = browser
                .http
                .get(format!("{}/status", browser.base))
                .send()
                .await
                .ok()
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer within 30 s (its log: {})",
                log.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile_dir = browser._profile.path().display().to_string();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    format!("--user-data-dir={profile_dir}"),
                    "--window-size=1440,1000",
                ]
            }
        }}});
        let value = browser.command("POST", "/session", Some(caps)).await;
        browser.session = value["sessionId"]
            .as_str()
            .expect("a WebDriver session id")
            .to_string();
        browser
    }

    /// One WebDriver command; panics with the driver's message on an error.
    async fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{}", self.base, path)
        } else {
            format!("{}/session/{}{}", self.base, self.session, path)
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method.clone(), &url);
        if method != reqwest::Method::GET && method != reqwest::Method::DELETE {
            request = request.json(&body.unwrap_or_else(|| json!({})));
        }
        let response = request.send().await.expect("chromedriver answers");
        let value: Value = response.json().await.expect("a WebDriver JSON reply");
        let value = value["value"].clone();
        if let Some(error) = value.get("error").and_then(|e| e.as_str()) {
            panic!(
                "WebDriver {method} {path}: {error}: {}",
                value["message"].as_str().unwrap_or_default()
            );
        }
        value
    }

    pub async fn goto(&self, url: &str) {
        self.command("POST", "/url", Some(json!({ "url": url })))
            .await;
    }

    pub async fn url(&self) -> String {
        self.command("GET", "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub async fn js(&self, script: &str, args: Value) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// The first element matching `css`, if any.
    pub async fn find(&self, css: &str) -> Option<String> {
        let found = self
            .js(
                "const e = document.querySelector(arguments[0]); return e ? true : false;",
                json!([css]),
            )
            .await;
        if found != json!(true) {
            return None;
        }
        let value = self
            .command(
                "POST",
                "/element",
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await;
        value[ELEMENT].as_str().map(String::from)
    }

    /// Waits until `condition` (a JS expression) is truthy, re-checking it until `within`
    /// passes; panics with `what` and a screenshot of the page when it never comes true.
    pub async fn wait_until(&self, what: &str, condition: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        let script =
            format!("try {{ return ({condition}) || null; }} catch (e) {{ return null; }}");
        loop {
            let value = self.js(&script, json!([])).await;
            if !value.is_null() && value != json!(false) {
                return value;
            }
            if Instant::now() >= deadline {
                self.screenshot(&format!("FAILED-{}", what.replace(' ', "-")))
                    .await;
                let diagnostics = self
                    .js(
                        "return {htmx: typeof htmx, live: document.getElementById('live-dot')?.title, changes: window.__weirChanges || 0}",
                        json!([]),
                    )
                    .await;
                panic!(
                    "waited {within:?} for {what} ({condition}) at {} ({diagnostics})",
                    self.url().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for an element and returns it.
    pub async fn element(&self, css: &str, within: Duration) -> String {
        let quoted = serde_json::to_string(css).unwrap();
        self.wait_until(
            &format!("element {css}"),
            &format!("document.querySelector({quoted})"),
            within,
        )
        .await;
        self.find(css).await.expect("the element is still there")
    }

    pub async fn click(&self, css: &str) {
        let element = self.element(css, Duration::from_secs(10)).await;
        self.command("POST", &format!("/element/{element}/click"), None)
            .await;
    }

    /// Replaces an input's text.
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.element(css, Duration::from_secs(10)).await;
        self.command("POST", &format!("/element/{element}/clear"), None)
            .await;
        self.command(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Saves a PNG of the page as `<screenshots>/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let value = self.command("GET", "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        let path = self.screenshots.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        path
    }

    /// Ends the session (chromium exits); the drop kills whatever is left.
    pub async fn quit(self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver leads its own process group, chromium included.
        let group = nix::unistd::Pid::from_raw(self.driver.id() as i32);
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        let _ = self.driver.wait();
    }
}
