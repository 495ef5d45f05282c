//! Feature serving over a view materialized for real into the server's lake: online values
//! with their as-of time, and point-in-time training sets (no value from after a row's time).

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Api, reply};
use crate::lake::{VIEW, materialize_user_stats};

const HISTORICAL: &str = "/api/v1/features/user_stats/historical";

async fn setup(api: &Api) {
    materialize_user_stats(&api.lake, api.store.as_ref(), api.scratch.path()).await;
}

/// (user_id, spend, _as_of) of each answered row.
fn spend(rows: &Value) -> Vec<(Value, Value, Value)> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["user_id"].clone(),
                r["spend"].clone(),
                r["_as_of"].clone(),
            )
        })
        .collect()
}

pub async fn online_values_are_served_with_their_as_of_time(api: Arc<Api>) {
    setup(&api).await;
    let u1 = api
        .get(&format!("/api/v1/features/{VIEW}/u1"), &api.viewer)
        .await;
    assert_eq!(u1.ok()["features"], json!({"events": 4, "spend": 1016.0}));
    assert_eq!(u1.body["as_of"], "2026-03-12T00:00:00Z");
    assert_eq!(u1.body["entity"], "u1");
    let missing = api
        .get(&format!("/api/v1/features/{VIEW}/u9"), &api.viewer)
        .await;
    assert!(missing.problem(404).contains("u9"));
    // The training set's path does not shadow an entity whose key is `historical`.
    let named = api.get(HISTORICAL, &api.viewer).await;
    assert!(
        named.problem(404).contains("entity `historical`"),
        "{:?}",
        named.body
    );
    let no_view = api.get("/api/v1/features/nope/u1", &api.viewer).await;
    assert!(no_view.problem(404).contains(VIEW));
}

pub async fn training_sets_take_each_rows_own_as_of_time(api: Arc<Api>) {
    setup(&api).await;
    let rows = json!([
        // Before the first snapshot (03-10): nothing is known yet.
        {"user_id": "u1", "ts": "2026-03-09T12:00:00Z", "label": 0},
        // Between 03-10 and 03-12: the 03-10 values, though 03-12's exist (no leakage).
        {"user_id": "u1", "ts": "2026-03-11T00:00:00Z", "label": 1},
        // Exactly at a snapshot's time: that snapshot.
        {"user_id": "u1", "ts": "2026-03-12T00:00:00Z", "label": 0},
        // A date, and a time with an offset (03-11 23:00 UTC).
        {"user_id": "u2", "ts": "2026-03-20", "label": 1},
        {"user_id": "u2", "ts": "2026-03-12T00:00:00+01:00", "label": 1},
        // An entity the view never saw.
        {"user_id": "u9", "ts": "2026-03-20T00:00:00Z", "label": 0},
    ]);
    let r = api
        .post(HISTORICAL, &api.viewer, json!({"rows": rows}))
        .await;
    let body = r.ok();
    assert_eq!(body["timestamp_column"], "ts");
    assert_eq!(body["entity"], json!(["user_id"]));
    assert_eq!(body["features"], json!(["events", "spend"]));
    let (at10, at12) = (json!("2026-03-10T00:00:00Z"), json!("2026-03-12T00:00:00Z"));
    assert_eq!(
        spend(&body["rows"]),
        [
            (json!("u1"), Value::Null, Value::Null),
            (json!("u1"), json!(16.0), at10.clone()),
            (json!("u1"), json!(1016.0), at12.clone()),
            (json!("u2"), json!(507.0), at12),
            (json!("u2"), json!(7.0), at10),
            (json!("u9"), Value::Null, Value::Null),
        ]
    );
    let second = &body["rows"][1];
    assert_eq!(second["events"], 3);
    assert_eq!(second["label"], 1, "other columns pass through");
    assert_eq!(second["ts"], "2026-03-11T00:00:00Z", "the row as given");
    assert_eq!(body["rows"][3]["ts"], "2026-03-20");

    // Another timestamp column, and more rows than the server's usual body limit (64 KiB
    // in these tests) allows.
    let many: Vec<Value> = (0..3000)
        .map(|i| json!({"user_id": "u1", "event_time": "2026-03-11T06:00:00Z", "row": i}))
        .collect();
    let r = api
        .post(
            HISTORICAL,
            &api.viewer,
            json!({"timestamp_column": "event_time", "rows": many}),
        )
        .await;
    let rows = r.ok()["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3000);
    assert_eq!(rows[2999]["row"], 2999, "in the order given");
    assert_eq!(rows[2999]["spend"], 16.0);

    let empty = api.post(HISTORICAL, &api.viewer, json!({"rows": []})).await;
    assert_eq!(empty.ok()["rows"], json!([]));
}

pub async fn bad_training_set_requests_get_a_clear_4xx(api: Arc<Api>) {
    setup(&api).await;
    let unknown = api
        .post(
            "/api/v1/features/user_statz/historical",
            &api.viewer,
            json!({"rows": []}),
        )
        .await;
    let detail = unknown.problem(404);
    assert!(
        detail.contains("user_statz") && detail.contains(VIEW),
        "{detail}"
    );

    let bad = api
        .post(
            HISTORICAL,
            &api.viewer,
            json!({"rows": [
                {"user_id": "u1", "ts": "2026-03-11T00:00:00Z"},
                {"ts": "2026-03-11T00:00:00Z"},
                {"user_id": "u1", "ts": "yesterday"},
                {"user_id": "u1"},
                {"user_id": "u1", "ts": "2026-03-11", "spend": 3},
            ]}),
        )
        .await;
    let detail = bad.problem(422);
    assert!(
        detail.contains("row 1") && detail.contains("user_id"),
        "{detail}"
    );
    let errors: Vec<(String, String)> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "/rows/1/user_id",
            "/rows/2/ts",
            "/rows/3/ts",
            "/rows/4/spend"
        ]
    );
    assert!(
        errors[1].1.contains("\"yesterday\" is not a timestamp"),
        "{errors:?}"
    );

    let clash = api
        .post(
            HISTORICAL,
            &api.viewer,
            json!({"timestamp_column": "user_id", "rows": []}),
        )
        .await;
    assert!(clash.problem(422).contains("key column"));
    let unknown_field = api
        .post(HISTORICAL, &api.viewer, json!({"rows": [], "as_of": 1}))
        .await;
    assert!(unknown_field.problem(422).contains("as_of"));
    let not_objects = api
        .post(HISTORICAL, &api.viewer, json!({"rows": [1, 2]}))
        .await;
    not_objects.problem(422);

    let too_many: Vec<Value> = (0..100_001)
        .map(|_| json!({"user_id": "u1", "ts": "2026-03-11"}))
        .collect();
    let r = api
        .post(HISTORICAL, &api.viewer, json!({"rows": too_many}))
        .await;
    assert!(r.problem(413).contains("100000"), "{:?}", r.body);

    let send = |body: &'static str, content_type: &'static str, token: Option<String>| {
        let api = api.clone();
        async move {
            let mut request = api
                .client
                .post(format!("{}{HISTORICAL}", api.base))
                .header("content-type", content_type)
                .body(body);
            if let Some(t) = token {
                request = request.bearer_auth(t);
            }
            reply(request.send().await.unwrap()).await
        }
    };
    let viewer = Some(api.viewer.clone());
    let malformed = send(r#"{"rows": [}"#, "application/json", viewer.clone()).await;
    assert!(malformed.problem(400).contains("not valid JSON"));
    let csv = send("user_id,ts\n", "text/csv", viewer).await;
    csv.problem(415);
    let anonymous = send(r#"{"rows": []}"#, "application/json", None).await;
    anonymous.problem(401);
    let none = api
        .call(Method::POST, HISTORICAL, None, Some(json!({"rows": []})))
        .await;
    none.problem(401);
}
