//! A real Weir API server on a loopback port over a fresh store, with DAGs loaded from a
//! temporary folder and one token per role.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use weir_scheduler::{Scheduler, SchedulerOptions};
use weir_server::app::{AppState, serve};
use weir_server::auth::secrets::{hash_secret, new_token, token_prefix};
use weir_server::config::Config;
use weir_store::testing::{Backend, TestStore, test_store};
use weir_store::{NewApiToken, Role, Store};

pub const ETL: &str = r#"
description: "Loads <script>alert('x')</script> clicks"
schedule: "@daily"
start_date: 2026-01-01
tags: [ml, daily]
params:
  lookback: {type: integer, default: 7, minimum: 1}
tasks:
  extract:
    type: shell
    run: echo extract {{ run_id }}
  load:
    type: shell
    needs: [extract]
    run: echo load
  report:
    type: noop
    needs: [load]
"#;

pub const MANUAL: &str = r#"
description: Only when triggered
tasks:
  only:
    type: noop
"#;

pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub viewer: String,
    pub operator: String,
    pub admin: String,
    /// The lake the server reads (its `lake_url`), for a test to fill.
    pub lake: weir_lake::Lake,
    /// A folder for a test's source files.
    pub scratch: tempfile::TempDir,
    stop: CancellationToken,
    server: std::sync::Mutex<Option<tokio::task::JoinHandle<anyhow::Result<()>>>>,
    _dags: tempfile::TempDir,
    _lake: tempfile::TempDir,
    _store: TestStore,
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl Api {
    pub async fn start(backend: Backend) -> Option<Api> {
        Self::start_with(backend, |_| {}).await
    }

    /// A server whose configuration `configure` changes first.
    pub async fn start_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Option<Api> {
        let test_store = test_store(backend).await?;
        let store = test_store.store.clone();
        let dags = tempfile::tempdir().unwrap();
        std::fs::write(dags.path().join("etl.yaml"), ETL).unwrap();
        std::fs::write(dags.path().join("manual.yaml"), MANUAL).unwrap();
        std::fs::write(dags.path().join("broken.yaml"), "tasks: [").unwrap();
        let mut scheduler = Scheduler::new(
            store.clone(),
            SchedulerOptions {
                scheduler_id: "api-test".into(),
                hostname: "localhost".into(),
                dags_folder: dags.path().to_path_buf(),
                paused_on_create: true,
                poll_interval: Duration::from_millis(200),
                rescan_interval: Duration::from_secs(60),
            },
        );
        scheduler.scan_dags().await.unwrap();
        let mut tokens = Vec::new();
        for role in Role::ALL {
            let token = new_token();
            store
                .create_api_token(&NewApiToken {
                    name: role.as_str().into(),
                    token_hash: hash_secret(&token),
                    prefix: token_prefix(&token),
                    role,
                    created_by: None,
                    expires_at: None,
                })
                .await
                .unwrap();
            tokens.push(token);
        }
        let mut config = Config::default();
        config.server.max_body_bytes = 64 * 1024;
        let lake_dir = tempfile::tempdir().unwrap();
        config.lake_url = Some(lake_dir.path().display().to_string());
        configure(&mut config);
        let lake = weir_lake::Lake::new(weir_lake::LakeRoot::local(lake_dir.path()).unwrap());
        let state = AppState::new(store.clone(), config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = CancellationToken::new();
        let server = tokio::spawn(serve(state, listener, stop.clone()));
        Some(Api {
            base,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            store,
            admin: tokens.pop().unwrap(),
            operator: tokens.pop().unwrap(),
            viewer: tokens.pop().unwrap(),
            lake,
            scratch: tempfile::tempdir().unwrap(),
            stop,
            server: std::sync::Mutex::new(Some(server)),
            _dags: dags,
            _lake: lake_dir,
            _store: test_store,
        })
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        if let Some(b) = body {
            request = request.json(&b);
        }
        let response = request.send().await.expect("the server answers");
        reply(response).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Stops the server and waits for it to finish its requests.
    pub async fn shutdown(&self) {
        self.stop.cancel();
        let handle = self.server.lock().unwrap().take();
        if let Some(h) = handle {
            let _ = tokio::time::timeout(Duration::from_secs(10), h).await;
        }
    }
}

pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        content_type,
        body,
    }
}

impl Reply {
    /// Asserts a problem+json error with this status, and returns its detail.
    pub fn problem(&self, status: u16) -> String {
        assert_eq!(self.status.as_u16(), status, "{:?}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{:?}",
            self.body
        );
        assert_eq!(self.body["status"], status);
        self.body["detail"].as_str().unwrap_or_default().to_string()
    }

    pub fn ok(&self) -> &Value {
        assert!(self.status.is_success(), "{} {:?}", self.status, self.body);
        &self.body
    }
}
