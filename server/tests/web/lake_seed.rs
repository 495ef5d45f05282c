//! The lake's records for the dashboard tests, written through the Store trait as the data
//! tasks would: four datasets in a chain (raw.clicks and raw.users -> load -> staged.clicks ->
//! report -> features.user_stats), two validations of raw.clicks (one passed, one failed with
//! more sample rows than a page shows), a fresh and a stale feature view with online values.
//! A column name and a sample value carry markup: every page must show them as text.

use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use weir_store::{FeatureViewInfo, NewDatasetVersion, NewValidation, OnlineFeatures, Store};

/// A column name that is markup on purpose.
pub const MARKUP_COLUMN: &str = "<script>alert(1)</script>";
/// A sample value that is markup on purpose.
pub const MARKUP_VALUE: &str = "<script>alert(2)</script>";
/// The sample rows the failed validation stores for one expectation (a page shows 20).
pub const SAMPLES: usize = 25;

pub struct LakeSeed {
    pub passed_validation: i64,
    pub failed_validation: i64,
}

fn column(name: &str, data_type: &str, nullable: bool) -> Value {
    json!({"name": name, "data_type": data_type, "nullable": nullable})
}

/// `run_id` is a real run of the `etl` DAG, so that the pages' run links lead somewhere.
pub async fn seed(store: &dyn Store, run_id: &str) -> LakeSeed {
    let version = |dataset: &str, version: i64, task: &str, inputs: &[&str], schema: Value| {
        NewDatasetVersion {
            dataset: dataset.into(),
            version,
            operation: if dataset.starts_with("features.") {
                "materialize".into()
            } else {
                "ingest".into()
            },
            rows: 10,
            bytes: 2048,
            schema,
            dag_id: Some("etl".into()),
            run_id: Some(run_id.into()),
            task_id: Some(task.into()),
            inputs: inputs.iter().map(|i| i.to_string()).collect(),
        }
    };
    let v0 = json!([
        column("user_id", "Utf8", false),
        column("amount", "Int32", true)
    ]);
    let v1 = json!([
        column("user_id", "Utf8", false),
        column("amount", "Int64", true),
        column("country", "Utf8", true),
        column(MARKUP_COLUMN, "Utf8", true),
    ]);
    let records = [
        version("raw.clicks", 0, "extract", &[], v0),
        NewDatasetVersion {
            rows: 1_234_567,
            bytes: 5 * 1024 * 1024,
            ..version("raw.clicks", 1, "extract", &[], v1)
        },
        version(
            "raw.users",
            0,
            "extract",
            &[],
            json!([column("user_id", "Utf8", false)]),
        ),
        version(
            "staged.clicks",
            0,
            "load",
            &["raw.clicks", "raw.users"],
            json!([column("user_id", "Utf8", false)]),
        ),
        version(
            "features.user_stats",
            3,
            "report",
            &["staged.clicks"],
            json!([
                column("user_id", "Utf8", false),
                column("events", "Int64", true)
            ]),
        ),
    ];
    for r in &records {
        store.record_dataset_version(r).await.unwrap();
    }

    let validation = |success: bool, results: Value| NewValidation {
        dataset: "raw.clicks".into(),
        version: 1,
        scope: "latest".into(),
        dag_id: Some("etl".into()),
        run_id: Some(run_id.into()),
        task_id: Some("load".into()),
        try_number: Some(1),
        success,
        passed: if success { 2 } else { 1 },
        failed: if success { 0 } else { 1 },
        warned: if success { 0 } else { 1 },
        rows: 1_234_567,
        results,
    };
    let passed_validation = store
        .record_validation(&validation(
            true,
            json!([
                {"name": "not_null(user_id)", "kind": "not_null", "severity": "error", "passed": true, "observed": 0},
                {"name": "row_count", "kind": "row_count", "severity": "error", "passed": true, "observed": 1_234_567},
            ]),
        ))
        .await
        .unwrap();
    let mut samples: Vec<Value> = vec![
        json!({"user_id": "u-bad-7", "amount": -5}),
        json!({"user_id": MARKUP_VALUE, "amount": -6}),
    ];
    samples.extend((0..SAMPLES - 2).map(|i| json!({"user_id": format!("u-{i}"), "amount": -1})));
    let failed_validation = store
        .record_validation(&validation(
            false,
            json!([
                {"name": "not_null(user_id)", "kind": "not_null", "severity": "error", "passed": true, "observed": 0},
                {"name": "between(amount)", "kind": "between", "severity": "error", "passed": false,
                 "observed": SAMPLES, "unexpected_count": SAMPLES, "unexpected_percent": 0.002025,
                 "samples": samples, "message": "25 rows outside [0, 10000]"},
                {"name": "unique(event_id)", "kind": "unique", "severity": "warn", "passed": false,
                 "observed": 3, "unexpected_count": 3, "unexpected_percent": 0.0002},
            ]),
        ))
        .await
        .unwrap();

    let now = Utc::now();
    let view = |view: &str, entity: &[&str], age: TimeDelta| FeatureViewInfo {
        view: view.into(),
        entity: entity.iter().map(|e| e.to_string()).collect(),
        features: vec!["events".into(), "spend".into()],
        source: Some("staged.clicks".into()),
        as_of: now - age,
        rows: 2,
        version: 3,
        dag_id: Some("etl".into()),
        task_id: Some("report".into()),
    };
    store
        .upsert_feature_view(&view("user_stats", &["user_id"], TimeDelta::hours(1)))
        .await
        .unwrap();
    store
        .upsert_feature_view(&view("user_days", &["user_id", "day"], TimeDelta::days(3)))
        .await
        .unwrap();
    store
        .upsert_online_features(
            "user_stats",
            &[OnlineFeatures {
                entity_key: "u1".into(),
                features: json!({"events": 3, "spend": 12.5}),
                as_of: now - TimeDelta::hours(1),
            }],
        )
        .await
        .unwrap();
    store
        .upsert_online_features(
            "user_days",
            &[OnlineFeatures {
                entity_key: "u1|2026-03-01".into(),
                features: json!({"events": 41, "spend": MARKUP_VALUE}),
                as_of: now - TimeDelta::days(3),
            }],
        )
        .await
        .unwrap();
    LakeSeed {
        passed_validation,
        failed_validation,
    }
}
