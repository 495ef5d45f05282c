//! The DAG list's cache of pages (`server.dag_list_cache_ttl`): a write through this server
//! shows at once (a refused one changes nothing), a run created elsewhere shows once its
//! wake-up arrived, and a change that sends no wake-up waits for the time to live (an hour
//! here, so that only the other two can explain what the test sees).

use std::time::Duration;

use chrono::{TimeZone, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use weir_store::testing::Backend;
use weir_store::{DataInterval, NewRun, NewTaskInstance, RunType, StoreEvent};

use crate::harness::Api;

const DEADLINE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_the_dag_list_is_fresh_after_writes_and_wakeups() {
    the_dag_list_is_fresh_after_writes_and_wakeups(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_the_dag_list_is_fresh_after_writes_and_wakeups() {
    the_dag_list_is_fresh_after_writes_and_wakeups(Backend::Postgres).await;
}

async fn the_dag_list_is_fresh_after_writes_and_wakeups(backend: Backend) {
    let Some(api) = Api::start_with(backend, |config| {
        config.server.dag_list_cache_ttl = weir_core::duration::Duration::from_secs(3600);
    })
    .await
    else {
        return; // PostgreSQL skipped, loudly, by test_store.
    };
    tokio::time::timeout(DEADLINE, check(&api))
        .await
        .expect("the test finished in time");
    api.shutdown().await;
}

async fn check(api: &Api) {
    let etl = |page: &Value| -> Value {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["dag_id"] == "etl")
            .cloned()
            .expect("etl is listed")
    };
    let page = api.get("/api/v1/dags", &api.viewer).await.ok().clone();
    assert_eq!(etl(&page)["is_paused"], true, "new DAGs start paused");
    assert_eq!(etl(&page)["recent_runs"], json!([]));

    // A write through this server: the next list shows it.
    api.call(
        Method::PATCH,
        "/api/v1/dags/etl",
        Some(&api.operator),
        Some(json!({"is_paused": false})),
    )
    .await
    .ok();
    let page = api.get("/api/v1/dags", &api.viewer).await.ok().clone();
    assert_eq!(etl(&page)["is_paused"], false, "a pause is seen at once");

    // A change behind the server's back that sends no wake-up: the cached page stays, and a
    // refused write (a viewer may not pause) does not make it stale either.
    api.store.set_paused("etl", true).await.unwrap();
    api.call(
        Method::PATCH,
        "/api/v1/dags/etl",
        Some(&api.viewer),
        Some(json!({"is_paused": true})),
    )
    .await
    .problem(403);
    let page = api.get("/api/v1/dags", &api.viewer).await.ok().clone();
    assert_eq!(
        etl(&page)["is_paused"],
        false,
        "the page is served from the cache"
    );

    // A run created by another process (a scheduler): its wake-up makes the page stale.
    let mut wakeups = api.store.subscribe();
    let record = api.store.get_dag("etl").await.unwrap().unwrap();
    let version_id = record.latest_version_id.unwrap();
    let dag = api.store.get_dag_version(version_id).await.unwrap().dag;
    let day = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    api.store
        .create_run(
            &NewRun {
                dag_id: "etl".into(),
                run_id: "elsewhere".into(),
                run_type: RunType::Manual,
                logical_date: day,
                data_interval: DataInterval {
                    start: day,
                    end: day + chrono::TimeDelta::days(1),
                },
                conf: json!({}),
                triggered_by: Some("another scheduler".into()),
                dag_version_id: version_id,
                backfill_id: None,
            },
            &NewTaskInstance::for_dag(&dag),
        )
        .await
        .unwrap();
    loop {
        match wakeups.recv().await {
            Some(StoreEvent::DagRuns | StoreEvent::Resync) => break,
            Some(
                StoreEvent::TaskInstances | StoreEvent::TasksQueued | StoreEvent::TasksClaimed,
            ) => {}
            None => panic!("the store closed"),
        }
    }
    let page = api.get("/api/v1/dags", &api.viewer).await.ok().clone();
    let strip = etl(&page)["recent_runs"].clone();
    assert_eq!(
        strip[0]["run_id"], "elsewhere",
        "the new run shows: {strip}"
    );
    assert_eq!(etl(&page)["is_paused"], true, "the page was read again");
}
