//! A real Weir server on a loopback port over a fresh store (SQLite or PostgreSQL), with DAGs
//! loaded from a temporary folder, runs triggered, and a dashboard session per role.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use tokio_util::sync::CancellationToken;
use weir_scheduler::{Scheduler, SchedulerOptions, TriggerRequest, trigger_run};
use weir_server::app::{AppState, serve};
use weir_server::auth::password::hash_password;
use weir_server::auth::secrets::{hash_secret, random_hex};
use weir_server::config::Config;
use weir_store::testing::{Backend, TestStore, test_store};
use weir_store::{CreateRun, NewSession, NewUser, Role, Store};

/// The description is markup on purpose: every page must show it as text.
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
    run: echo "extract {{ ds }} {{ params.lookback }}"
  load:
    type: shell
    needs: [extract]
    run: echo load
  report:
    type: noop
    needs: [load]
"#;

pub const OTHER: &str = r#"
description: Only when triggered
tasks:
  only:
    type: noop
"#;

/// How many runs the ETL DAG gets: more than one grid page.
pub const RUNS: usize = 30;

pub struct Web {
    pub base: String,
    /// Does not follow redirects, so that tests see them.
    pub client: reqwest::Client,
    pub viewer: String,
    pub admin: String,
    /// The run id of the newest ETL run.
    pub run_id: String,
    /// The lake's records (datasets, validations, feature views) seeded for the lake pages.
    pub lake: crate::lake_seed::LakeSeed,
    stop: CancellationToken,
    server: std::sync::Mutex<Option<tokio::task::JoinHandle<anyhow::Result<()>>>>,
    _dags: tempfile::TempDir,
    _store: TestStore,
}

pub struct Page {
    pub status: StatusCode,
    pub location: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Web {
    pub async fn start(backend: Backend) -> Option<Web> {
        let test_store = test_store(backend).await?;
        let store = test_store.store.clone();
        let dags = tempfile::tempdir().unwrap();
        std::fs::write(dags.path().join("etl.yaml"), ETL).unwrap();
        std::fs::write(dags.path().join("other.yaml"), OTHER).unwrap();
        std::fs::write(dags.path().join("broken.yaml"), "tasks: [").unwrap();
        let mut scheduler = Scheduler::new(
            store.clone(),
            SchedulerOptions {
                scheduler_id: "web-test".into(),
                hostname: "localhost".into(),
                dags_folder: dags.path().to_path_buf(),
                paused_on_create: true,
                poll_interval: Duration::from_millis(200),
                rescan_interval: Duration::from_secs(60),
            },
        );
        scheduler.scan_dags().await.unwrap();
        let mut run_id = String::new();
        for day in 0..RUNS {
            let created = trigger_run(
                store.as_ref(),
                TriggerRequest {
                    dag_id: "etl".into(),
                    run_id: None,
                    logical_date: Some(
                        "2026-01-01T00:00:00Z"
                            .parse::<chrono::DateTime<Utc>>()
                            .unwrap()
                            + TimeDelta::days(day as i64),
                    ),
                    conf: Default::default(),
                    triggered_by: "test".into(),
                },
            )
            .await
            .unwrap();
            if let CreateRun::Created(run) = created {
                run_id = run.run_id;
            }
        }
        let lake = crate::lake_seed::seed(store.as_ref(), &run_id).await;
        let viewer = session(store.as_ref(), "vera", Role::Viewer).await;
        let admin = session(store.as_ref(), "ada", Role::Admin).await;
        let state = AppState::new(store.clone(), Config::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let stop = CancellationToken::new();
        let server = tokio::spawn(serve(state, listener, stop.clone()));
        Some(Web {
            base,
            client: reqwest::Client::builder()
                .redirect(Policy::none())
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            viewer,
            admin,
            run_id,
            lake,
            stop,
            server: std::sync::Mutex::new(Some(server)),
            _dags: dags,
            _store: test_store,
        })
    }

    /// GETs `path` with a session cookie (or none).
    pub async fn get(&self, path: &str, session: Option<&str>) -> Page {
        let mut request = self.client.get(format!("{}{}", self.base, path));
        if let Some(s) = session {
            request = request.header("cookie", format!("weir_session={s}"));
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        Page {
            status,
            location,
            headers,
            body: response.text().await.unwrap_or_default(),
        }
    }

    pub async fn shutdown(&self) {
        self.stop.cancel();
        let handle = self.server.lock().unwrap().take();
        if let Some(h) = handle {
            let _ = tokio::time::timeout(Duration::from_secs(10), h).await;
        }
    }
}

/// A user with `role` and a session for them, as `POST /login` would make it; returns the
/// cookie's value.
async fn session(store: &dyn Store, username: &str, role: Role) -> String {
    let user = store
        .create_user(&NewUser {
            username: username.into(),
            password_hash: hash_password("correct horse battery staple").unwrap(),
            role,
        })
        .await
        .unwrap();
    let id = random_hex();
    store
        .create_session(&NewSession {
            session_hash: hash_secret(&id),
            user_id: user.id,
            csrf_token: random_hex(),
            expires_at: Utc::now() + TimeDelta::hours(1),
        })
        .await
        .unwrap();
    id
}
