//! The lake's records: dataset versions and lineage, validation history, feature views and the
//! online store.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use serde_json::json;
use weir_store::{
    FeatureViewInfo, LineageEdge, NewDatasetVersion, NewValidation, OnlineFeatures, Store,
};

fn version(dataset: &str, v: i64, task: &str, inputs: &[&str]) -> NewDatasetVersion {
    NewDatasetVersion {
        dataset: dataset.into(),
        version: v,
        operation: "ingest".into(),
        rows: 10 * (v + 1),
        bytes: 1000 * (v + 1),
        schema: json!([{"name": "user_id", "data_type": "Utf8", "nullable": true}]),
        dag_id: Some("ml".into()),
        run_id: Some(format!("run{v}")),
        task_id: Some(task.into()),
        inputs: inputs.iter().map(|s| s.to_string()).collect(),
    }
}

pub async fn dataset_versions_make_the_registry_and_lineage(store: Arc<dyn Store>) {
    store
        .record_dataset_version(&version("raw.clicks", 0, "ingest", &[]))
        .await
        .unwrap();
    store
        .record_dataset_version(&version("raw.clicks", 1, "ingest", &[]))
        .await
        .unwrap();
    // Recording a version again replaces it (a retried report).
    store
        .record_dataset_version(&version("raw.clicks", 1, "ingest", &[]))
        .await
        .unwrap();
    let mut features = version("features.user_stats", 0, "user_stats", &["raw.clicks"]);
    features.operation = "materialize".into();
    store.record_dataset_version(&features).await.unwrap();

    let datasets = store.list_datasets().await.unwrap();
    assert_eq!(datasets.len(), 2);
    assert_eq!(datasets[0].dataset, "features.user_stats");
    let clicks = &datasets[1];
    assert_eq!(
        (clicks.versions, clicks.latest.version, clicks.latest.rows),
        (2, 1, 20)
    );
    assert_eq!(clicks.latest.schema[0]["name"], json!("user_id"));
    assert_eq!(clicks.latest.run_id.as_deref(), Some("run1"));

    let versions = store.dataset_versions("raw.clicks", 10).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 0]
    );
    assert_eq!(
        store.dataset_versions("raw.clicks", 1).await.unwrap().len(),
        1
    );
    assert!(
        store
            .dataset_versions("raw.nothing", 10)
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        store.lineage().await.unwrap(),
        [LineageEdge {
            input: "raw.clicks".into(),
            dag_id: "ml".into(),
            task_id: "user_stats".into(),
            output: "features.user_stats".into(),
        }]
    );
}

pub async fn validations_keep_their_history(store: Arc<dyn Store>) {
    for (i, success) in [true, false].into_iter().enumerate() {
        let id = store
            .record_validation(&NewValidation {
                dataset: "raw.clicks".into(),
                version: i as i64,
                scope: "latest".into(),
                dag_id: Some("ml".into()),
                run_id: Some(format!("run{i}")),
                task_id: Some("check".into()),
                try_number: Some(1),
                success,
                passed: 5,
                failed: i32::from(!success),
                warned: 0,
                rows: 100,
                results: json!([{"name": "not_null(user_id)", "passed": success, "samples": [{"user_id": null}]}]),
            })
            .await
            .unwrap();
        assert!(id > 0);
    }
    let history = store.validation_history("raw.clicks", 10).await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(!history[0].validation.success, "newest first");
    assert_eq!(
        history[0].validation.results[0]["samples"][0],
        json!({"user_id": null})
    );
    assert!(history[0].id > history[1].id);
    assert_eq!(
        store
            .validation_history("raw.clicks", 1)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .validation_history("raw.other", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn online_features_keep_the_newest_values_per_entity(store: Arc<dyn Store>) {
    let day = |d: u32| Utc.with_ymd_and_hms(2026, 3, d, 0, 0, 0).unwrap();
    let rows = |d: u32, n: usize| -> Vec<OnlineFeatures> {
        (0..n)
            .map(|i| OnlineFeatures {
                entity_key: format!("u{i}"),
                features: json!({"events": i, "spend": d as f64 + 0.5, "name": "it's"}),
                as_of: day(d),
            })
            .collect()
    };
    // More rows than one statement takes, to cross a chunk boundary.
    assert_eq!(
        store
            .upsert_online_features("user_stats", &rows(10, 10_500))
            .await
            .unwrap(),
        10_500
    );
    let u7 = store
        .online_features("user_stats", "u7")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        u7.features,
        json!({"events": 7, "spend": 10.5, "name": "it's"})
    );
    assert_eq!(u7.as_of, day(10));
    // Newer values replace; older ones (a backfill) do not.
    store
        .upsert_online_features("user_stats", &rows(12, 3))
        .await
        .unwrap();
    store
        .upsert_online_features("user_stats", &rows(11, 10))
        .await
        .unwrap();
    let u1 = store
        .online_features("user_stats", "u1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (u1.as_of, u1.features["spend"].clone()),
        (day(12), json!(12.5))
    );
    let u5 = store
        .online_features("user_stats", "u5")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u5.as_of, day(11));
    assert!(
        store
            .online_features("user_stats", "nobody")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .online_features("other_view", "u1")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .upsert_online_features("user_stats", &[])
            .await
            .unwrap(),
        0
    );

    let view = |d: u32| FeatureViewInfo {
        view: "user_stats".into(),
        entity: vec!["user_id".into()],
        features: vec!["events".into(), "spend".into()],
        source: Some("raw.clicks".into()),
        as_of: day(d),
        rows: 3,
        version: d as i64,
        dag_id: Some("ml".into()),
        task_id: Some("user_stats".into()),
    };
    store.upsert_feature_view(&view(12)).await.unwrap();
    store.upsert_feature_view(&view(11)).await.unwrap();
    let views = store.list_feature_views().await.unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(
        views[0].info,
        view(12),
        "an older as-of time does not replace a newer one"
    );
}
