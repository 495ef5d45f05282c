//! The data task types run by a real worker on a real lake: ingest, validate, materialize and
//! the online store, their records in the state store, and bad data stopping the pipeline.

use chrono::{DateTime, Utc};
use weir_core::state::{RunState, TaskState};
use weir_store::RunRecord;
use weir_store::testing::Backend;

use super::harness::Engine;

/// The clicks of the week before 2026-03-11, one planted event after it (it must never reach
/// a feature as of 2026-03-11) and one before the 7-day window.
const CLICKS: &str = "\
event_id,user_id,item_id,event_type,amount,ts
e1,u1,i1,view,0,2026-03-10T10:00:00Z
e2,u1,i2,purchase,25.5,2026-03-10T11:00:00Z
e3,u2,i1,click,0,2026-03-09T09:00:00Z
e4,u2,i3,purchase,10,2026-03-05T09:00:00Z
e5,u1,i1,purchase,1000,2026-03-11T05:00:00Z
e6,u3,i2,view,0,2026-02-20T00:00:00Z
";

const FEATURES: &str = r#"
tasks:
  ingest_clicks:
    type: ingest
    source: {format: csv, path: "clicks/{{ ds }}.csv"}
    into: raw.clicks
    schema: {event_id: string, user_id: string, item_id: string, event_type: string, amount: float64, ts: timestamp}
  validate_clicks:
    type: validate
    needs: [ingest_clicks]
    dataset: raw.clicks
    expect:
      - not_null: user_id
      - unique: event_id
      - between: {column: amount, min: 0, max: 10000}
      - in_set: {column: event_type, values: [view, click, purchase]}
  user_stats:
    type: materialize
    needs: [validate_clicks]
    source: raw.clicks
    entity: user_id
    timestamp: ts
    window: 7d
    features:
      events: count(*)
      spend: sum(amount)
      purchases: {expr: count(*), filter: "event_type = 'purchase'"}
  announce:
    type: shell
    needs: [user_stats]
    run: echo "user_stats has {{ outputs.user_stats.rows }} rows, ingest read {{ outputs.ingest_clicks.rows }}"
"#;

fn logical_date() -> DateTime<Utc> {
    "2026-03-11T00:00:00Z".parse().unwrap()
}

async fn run_at(engine: &Engine, dag_id: &str) -> RunRecord {
    let run = engine
        .trigger_at(dag_id, logical_date(), serde_json::json!({}))
        .await;
    engine.finished(&run).await
}

fn write_clicks(engine: &Engine, text: &str) {
    let folder = engine.data_dir.path().join("clicks");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("2026-03-11.csv"), text).unwrap();
}

async fn a_feature_pipeline_ingests_validates_materializes_and_serves(backend: Backend) {
    let Some(engine) = Engine::start(backend, &[("features.yaml", FEATURES)]).await else {
        return;
    };
    write_clicks(&engine, CLICKS);
    let run = run_at(&engine, "features").await;
    let states = engine.states(&run).await;
    assert_eq!(run.state, RunState::Success, "{states:?}");

    let store = engine.store.as_ref();
    let datasets = store.list_datasets().await.unwrap();
    let clicks = datasets.iter().find(|d| d.dataset == "raw.clicks").unwrap();
    assert_eq!(clicks.latest.rows, 6);
    assert_eq!(clicks.latest.operation, "ingest");
    assert_eq!(clicks.latest.task_id.as_deref(), Some("ingest_clicks"));
    let features = datasets
        .iter()
        .find(|d| d.dataset == "features.user_stats")
        .unwrap();
    assert_eq!(features.latest.operation, "materialize");
    assert_eq!(features.latest.inputs, vec!["raw.clicks".to_string()]);
    let lineage = store.lineage().await.unwrap();
    assert!(
        lineage
            .iter()
            .any(|e| e.input == "raw.clicks" && e.output == "features.user_stats"),
        "{lineage:?}"
    );

    let validations = store.validation_history("raw.clicks", 10).await.unwrap();
    assert_eq!(validations.len(), 1);
    assert!(validations[0].validation.success);
    assert_eq!(validations[0].validation.passed, 4);
    assert_eq!(validations[0].validation.try_number, Some(1));

    // Point in time: u1's purchase after the as-of time and u3's click before the window
    // are in no feature.
    let u1 = store
        .online_features("user_stats", "u1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u1.features["events"], 2, "{:?}", u1.features);
    assert_eq!(u1.features["spend"], 25.5);
    assert_eq!(u1.features["purchases"], 1);
    assert_eq!(u1.as_of, logical_date());
    let u2 = store
        .online_features("user_stats", "u2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u2.features["events"], 2);
    assert!(
        store
            .online_features("user_stats", "u3")
            .await
            .unwrap()
            .is_none()
    );
    let views = store.list_feature_views().await.unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].info.rows, 2);
    assert_eq!(views[0].info.as_of, logical_date());

    let ingest_log = engine.log_of(&run, "ingest_clicks", 1).await;
    assert!(
        ingest_log.contains("wrote 6 rows to raw.clicks"),
        "{ingest_log}"
    );
    let validate_log = engine.log_of(&run, "validate_clicks", 1).await;
    assert!(
        validate_log.contains("4 passed, 0 failed"),
        "{validate_log}"
    );
    let announce = engine.log_of(&run, "announce", 1).await;
    assert!(
        announce.contains("user_stats has 2 rows, ingest read 6"),
        "{announce}"
    );
    engine.stop().await;
}

async fn bad_data_fails_validation_and_nothing_downstream_runs(backend: Backend) {
    let Some(engine) = Engine::start(backend, &[("features.yaml", FEATURES)]).await else {
        return;
    };
    write_clicks(
        &engine,
        "event_id,user_id,item_id,event_type,amount,ts\n\
         e1,u1,i1,view,0,2026-03-10T10:00:00Z\n\
         e2,u1,i2,purchase,-5,2026-03-10T11:00:00Z\n",
    );
    let run = run_at(&engine, "features").await;
    assert_eq!(run.state, RunState::Failed);
    let states = engine.states(&run).await;
    let state = |id: &str| states.iter().find(|(t, _)| t == id).unwrap().1;
    assert_eq!(state("ingest_clicks"), TaskState::Success);
    assert_eq!(state("validate_clicks"), TaskState::Failed);
    assert_eq!(state("user_stats"), TaskState::UpstreamFailed);
    assert_eq!(state("announce"), TaskState::UpstreamFailed);

    let store = engine.store.as_ref();
    let ti = store
        .task_instances(run.id)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.task_id == "validate_clicks")
        .unwrap();
    let reason = ti.reason.unwrap_or_default();
    assert!(reason.contains("amount"), "{reason}");
    let validations = store.validation_history("raw.clicks", 10).await.unwrap();
    assert_eq!(validations.len(), 1);
    assert!(!validations[0].validation.success);
    assert_eq!(validations[0].validation.failed, 1);
    let between = validations[0].validation.results.as_array().unwrap()[2].clone();
    assert_eq!(between["unexpected_count"], 1, "{between}");
    assert!(store.list_feature_views().await.unwrap().is_empty());
    engine.stop().await;
}

async fn a_missing_source_file_fails_with_its_path_and_writes_nothing(backend: Backend) {
    let Some(engine) = Engine::start(backend, &[("features.yaml", FEATURES)]).await else {
        return;
    };
    let run = run_at(&engine, "features").await;
    assert_eq!(run.state, RunState::Failed);
    let ti = engine
        .store
        .task_instances(run.id)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.task_id == "ingest_clicks")
        .unwrap();
    assert_eq!(ti.state, TaskState::Failed);
    let reason = ti.reason.unwrap_or_default();
    assert!(reason.contains("clicks/2026-03-11.csv"), "{reason}");
    assert!(engine.store.list_datasets().await.unwrap().is_empty());
    assert!(engine.lake.list_datasets().await.unwrap().is_empty());
    let log = engine.log_of(&run, "ingest_clicks", 1).await;
    assert!(log.contains("clicks/2026-03-11.csv"), "{log}");
    engine.stop().await;
}

#[tokio::test]
async fn sqlite_a_feature_pipeline_ingests_validates_materializes_and_serves() {
    a_feature_pipeline_ingests_validates_materializes_and_serves(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_feature_pipeline_ingests_validates_materializes_and_serves() {
    a_feature_pipeline_ingests_validates_materializes_and_serves(Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_bad_data_fails_validation_and_nothing_downstream_runs() {
    bad_data_fails_validation_and_nothing_downstream_runs(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_bad_data_fails_validation_and_nothing_downstream_runs() {
    bad_data_fails_validation_and_nothing_downstream_runs(Backend::Postgres).await;
}

#[tokio::test]
async fn sqlite_a_missing_source_file_fails_with_its_path_and_writes_nothing() {
    a_missing_source_file_fails_with_its_path_and_writes_nothing(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_a_missing_source_file_fails_with_its_path_and_writes_nothing() {
    a_missing_source_file_fails_with_its_path_and_writes_nothing(Backend::Postgres).await;
}
