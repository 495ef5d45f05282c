//! A small feature view materialized for real, as a worker would: click events ingested from a
//! CSV into `raw.clicks`, the view `user_stats` (events and spend over 7 days) materialized as
//! of 03-10 and 03-12, and registered in the store with its online rows.
//!
//! Shared by the API tests and `tests/cli_features.rs`.
#![allow(dead_code)]

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use indexmap::IndexMap;
use weir_core::dag::task_types::{
    BadRows, ColumnType, Feature, IngestMode, IngestSource, IngestTask, MaterializeTask,
    SchemaDrift, SourceFormat,
};
use weir_lake::ingest::IngestRequest;
use weir_lake::materialize::MaterializeRequest;
use weir_lake::{Batch, Lake};
use weir_store::{FeatureViewInfo, OnlineFeatures, Store};

// Events at and after an as-of time (f1..f3, with huge amounts) must never reach a feature of
// that as-of time.
const EVENTS: &str = "event_id,user_id,amount,ts\n\
e0,u1,777,2026-03-01T00:00:00Z\n\
e1,u1,10,2026-03-05T00:00:00Z\n\
e2,u1,5,2026-03-08T00:00:00Z\n\
e3,u1,1,2026-03-09T23:59:59Z\n\
f1,u1,1000,2026-03-10T00:00:00Z\n\
f2,u1,9999,2026-03-12T00:00:00Z\n\
e4,u2,7,2026-03-09T00:00:00Z\n\
f3,u2,500,2026-03-11T00:00:00Z\n";

pub const VIEW: &str = "user_stats";

pub fn march(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 0, 0, 0).unwrap()
}

fn batch() -> Batch {
    Batch {
        dag_id: "features".into(),
        run_id: "r1".into(),
        task_id: "load".into(),
    }
}

/// Ingests the events (the CSV goes to `scratch`) and materializes `user_stats` as of 03-10
/// and 03-12 into `lake`; registers the view and its 03-12 online rows in `store`.
///
/// As of 03-10: u1 has 3 events and spend 16, u2 1 and 7. As of 03-12: u1 4 and 1016, u2 2
/// and 507.
pub async fn materialize_user_stats(lake: &Lake, store: &dyn Store, scratch: &Path) {
    let csv = scratch.join("events.csv");
    std::fs::write(&csv, EVENTS).unwrap();
    let ingest = IngestTask {
        source: IngestSource {
            format: SourceFormat::Csv,
            path: Some(csv.display().to_string()),
            delimiter: ',',
            header: true,
            connection: None,
            query: None,
        },
        into: "raw.clicks".into(),
        schema: [
            ("amount".to_string(), ColumnType::Float64),
            ("ts".to_string(), ColumnType::Timestamp),
        ]
        .into_iter()
        .collect(),
        mode: IngestMode::Append,
        on_schema_drift: SchemaDrift::Fail,
        on_bad_rows: BadRows::Fail,
    };
    let b = batch();
    lake.ingest(&IngestRequest {
        task: &ingest,
        batch: &b,
        base_dir: scratch,
        connection_url: None,
    })
    .await
    .unwrap();

    let mut features = IndexMap::new();
    for (name, expr) in [("events", "count(*)"), ("spend", "sum(amount)")] {
        features.insert(
            name.to_string(),
            Feature {
                expr: expr.into(),
                filter: None,
            },
        );
    }
    let task = MaterializeTask {
        source: "raw.clicks".into(),
        view: VIEW.into(),
        entity: vec!["user_id".into()],
        timestamp: "ts".into(),
        window: Some("7d".into()),
        features,
        query: None,
        online: true,
    };
    for day in [10, 12] {
        let out = lake
            .materialize(&MaterializeRequest {
                task: &task,
                as_of: march(day),
                batch: &b,
            })
            .await
            .unwrap();
        store
            .upsert_feature_view(&FeatureViewInfo {
                view: out.view.clone(),
                entity: out.entity.clone(),
                features: out.features.clone(),
                source: Some("raw.clicks".into()),
                as_of: out.as_of,
                rows: out.rows as i64,
                version: out.version,
                dag_id: Some("features".into()),
                task_id: Some("user_stats".into()),
            })
            .await
            .unwrap();
        let online: Vec<OnlineFeatures> = out
            .online
            .iter()
            .map(|r| OnlineFeatures {
                entity_key: r.entity_key.clone(),
                features: serde_json::Value::Object(r.features.clone()),
                as_of: r.as_of,
            })
            .collect();
        store.upsert_online_features(VIEW, &online).await.unwrap();
    }
}
