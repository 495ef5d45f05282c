//! Feature views over real Delta tables: point-in-time correctness with planted future events,
//! idempotence per as-of time, the query form, and the point-in-time historical join.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::{TestLake, batch, csv_task};
use indexmap::IndexMap;
use serde_json::json;
use weir_core::dag::task_types::{ColumnType as T, Feature, MaterializeTask};
use weir_lake::ingest::IngestRequest;
use weir_lake::materialize::{HistoricalRequest, MaterializeRequest};

// u1 and u2 have events inside the window [03-03, 03-10) and planted events at and after the
// as-of time (03-10T00:00Z) with huge amounts: none of them may reach a feature of 03-10.
const EVENTS: &str = "event_id,user_id,item_id,event_type,amount,ts\n\
e0,u1,i0,purchase,777,2026-03-01T00:00:00Z\n\
e1,u1,i1,click,10,2026-03-05T00:00:00Z\n\
e2,u1,i2,purchase,5,2026-03-08T00:00:00Z\n\
e3,u1,i1,view,1,2026-03-09T23:59:59Z\n\
f1,u1,i9,purchase,1000,2026-03-10T00:00:00Z\n\
f2,u1,i9,purchase,9999,2026-03-12T00:00:00Z\n\
e4,u2,i3,purchase,7,2026-03-09T00:00:00Z\n\
f3,u2,i9,view,500,2026-03-11T00:00:00Z\n\
f4,u3,i9,view,1,2026-03-15T00:00:00Z\n";

fn at(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, 0, 0, 0).unwrap()
}

async fn setup() -> TestLake {
    let t = TestLake::new();
    t.file("events.csv", EVENTS);
    let task = csv_task(
        "src/events.csv",
        "raw.clicks",
        &[("amount", T::Float64), ("ts", T::Timestamp)],
    );
    let b = batch("r1");
    t.lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap();
    t
}

fn view() -> MaterializeTask {
    let f = |expr: &str, filter: Option<&str>| Feature {
        expr: expr.into(),
        filter: filter.map(String::from),
    };
    let mut features = IndexMap::new();
    features.insert("events".to_string(), f("count(*)", None));
    features.insert("spend".to_string(), f("sum(amount)", None));
    features.insert(
        "purchases".to_string(),
        f("count(*)", Some("event_type = 'purchase'")),
    );
    features.insert(
        "distinct_items".to_string(),
        f("count(distinct item_id)", None),
    );
    features.insert("last_amount".to_string(), f("last_value(amount)", None));
    MaterializeTask {
        source: "raw.clicks".into(),
        view: "user_stats".into(),
        entity: vec!["user_id".into()],
        timestamp: "ts".into(),
        window: Some("7d".into()),
        features,
        query: None,
        online: true,
    }
}

#[tokio::test]
async fn features_never_see_events_at_or_after_the_as_of_time() {
    let t = setup().await;
    let task = view();
    let b = batch("r1");
    let out = t
        .lake
        .materialize(&MaterializeRequest {
            task: &task,
            as_of: at(10),
            batch: &b,
        })
        .await
        .unwrap();
    assert_eq!((out.rows, out.version), (2, 0));
    assert_eq!(
        out.features,
        [
            "events",
            "spend",
            "purchases",
            "distinct_items",
            "last_amount"
        ]
    );
    let rows = t.rows("select user_id, events, spend, purchases, distinct_items, last_amount, cast(_as_of as varchar) from features.user_stats").await;
    assert_eq!(
        rows,
        [
            ["u1", "3", "16.0", "1", "2", "1.0", "2026-03-10T00:00:00Z"],
            ["u2", "1", "7.0", "1", "1", "7.0", "2026-03-10T00:00:00Z"],
        ]
    );
    let mut online = out.online.clone();
    online.sort_by(|a, b| a.entity_key.cmp(&b.entity_key));
    assert_eq!(online[0].entity_key, "u1");
    assert_eq!(online[0].features["spend"], json!(16.0));
    assert_eq!(online[0].features["events"], json!(3));
    assert_eq!(online[0].as_of, at(10));

    // Idempotent per as-of time: the re-run replaces the 03-10 rows; 03-12 adds its own.
    let again = t
        .lake
        .materialize(&MaterializeRequest {
            task: &task,
            as_of: at(10),
            batch: &b,
        })
        .await
        .unwrap();
    assert_eq!(again.dataset.rows, 2);
    let later = t
        .lake
        .materialize(&MaterializeRequest {
            task: &task,
            as_of: at(12),
            batch: &b,
        })
        .await
        .unwrap();
    assert_eq!(later.dataset.rows, 4);
    assert_eq!(
        t.rows("select user_id, spend from features.user_stats where _as_of = arrow_cast('2026-03-12T00:00:00Z', 'Timestamp(µs, \"UTC\")')").await,
        [["u1", "1016.0"], ["u2", "507.0"]]
    );
}

#[tokio::test]
async fn the_historical_join_takes_each_rows_own_as_of() {
    let t = setup().await;
    let task = view();
    let b = batch("r1");
    for d in [10, 12] {
        t.lake
            .materialize(&MaterializeRequest {
                task: &task,
                as_of: at(d),
                batch: &b,
            })
            .await
            .unwrap();
    }
    let entity_rows: Vec<serde_json::Map<String, serde_json::Value>> = [
        json!({"user_id": "u1", "ts": "2026-03-11T00:00:00Z"}),
        json!({"user_id": "u1", "ts": "2026-03-12T00:00:00Z"}),
        json!({"user_id": "u1", "ts": "2026-03-09T00:00:00Z"}),
        json!({"user_id": "u2", "ts": "2026-03-20T00:00:00Z"}),
        json!({"user_id": "u9", "ts": "2026-03-20T00:00:00Z"}),
    ]
    .into_iter()
    .map(|v| v.as_object().unwrap().clone())
    .collect();
    let request = HistoricalRequest::from_json("user_stats", "ts", &entity_rows).unwrap();
    let out = t.lake.historical_features_json(&request).await.unwrap();
    let spend: Vec<_> = out
        .iter()
        .map(|r| {
            (
                r["user_id"].clone(),
                r.get("spend").cloned().unwrap_or_default(),
                r.get("_as_of").cloned().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        spend,
        [
            (json!("u1"), json!(16.0), json!("2026-03-10T00:00:00Z")),
            (json!("u1"), json!(1016.0), json!("2026-03-12T00:00:00Z")),
            (json!("u1"), json!(null), json!(null)),
            (json!("u2"), json!(507.0), json!("2026-03-12T00:00:00Z")),
            (json!("u9"), json!(null), json!(null)),
        ]
    );

    let csv = t.file("entities.csv", "user_id,ts\nu1,2026-03-11T00:00:00Z\n");
    let request = HistoricalRequest::from_csv("user_stats", "ts", &csv)
        .await
        .unwrap();
    let out = t.lake.historical_features_json(&request).await.unwrap();
    assert_eq!(out[0]["events"], json!(3));

    let bad = HistoricalRequest::from_json("user_stats", "when", &entity_rows).unwrap();
    let err = t
        .lake
        .historical_features(&bad)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("column `when` does not exist in the entity rows"),
        "{err}"
    );
}

#[tokio::test]
async fn a_query_view_and_bad_features() {
    let t = setup().await;
    let mut task = view();
    task.features.clear();
    task.window = None;
    task.view = "user_spend".into();
    task.query = Some("select user_id, sum(amount) as spend from raw.clicks where ts < '2026-03-10T00:00:00Z' group by user_id".into());
    let b = batch("r1");
    let out = t
        .lake
        .materialize(&MaterializeRequest {
            task: &task,
            as_of: at(10),
            batch: &b,
        })
        .await
        .unwrap();
    assert_eq!(out.inputs, ["raw.clicks"]);
    assert_eq!(
        t.rows("select user_id, spend from features.user_spend")
            .await,
        [["u1", "793.0"], ["u2", "7.0"]]
    );

    let mut bad = view();
    bad.features.insert(
        "oops".into(),
        Feature {
            expr: "sum(amount) +".into(),
            filter: None,
        },
    );
    let err = t
        .lake
        .materialize(&MaterializeRequest {
            task: &bad,
            as_of: at(10),
            batch: &b,
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("feature `oops`"), "{err}");
    let mut bad = view();
    bad.entity = vec!["usr".into()];
    let err = t
        .lake
        .materialize(&MaterializeRequest {
            task: &bad,
            as_of: at(10),
            batch: &b,
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("column `usr` does not exist in dataset `raw.clicks`"),
        "{err}"
    );
    assert!(
        t.lake
            .try_table(&weir_lake::DatasetName::parse("features.user_stats").unwrap())
            .await
            .unwrap()
            .is_none(),
        "nothing written"
    );
}
