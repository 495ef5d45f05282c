//! Expectation suites over real Delta tables.

mod common;

use chrono::{TimeZone, Utc};
use common::{TestLake, batch, csv_task};
use serde_json::json;
use weir_core::dag::task_types::{
    Bounds, Check, ColumnType as T, Expectation, Severity, ValidateScope, ValidateTask,
};
use weir_core::duration::Duration;
use weir_lake::ingest::IngestRequest;
use weir_lake::validate::ValidateRequest;

const ORDERS: &str = "order_id,customer,country,amount,ts\n\
o1,c1,DE,10,2026-03-09T10:00:00Z\n\
o2,c2,FR,20,2026-03-09T11:00:00Z\n\
o3,c1,de,-5,2026-03-09T12:00:00Z\n\
o3,,XX,30000,2026-03-09T13:00:00Z\n";

async fn setup() -> TestLake {
    let t = TestLake::new();
    t.file("orders.csv", ORDERS);
    t.file("customers.csv", "id,name\nc1,Ann\nc2,Bob\n");
    let schema = [
        ("order_id", T::String),
        ("customer", T::String),
        ("country", T::String),
        ("amount", T::Float64),
        ("ts", T::Timestamp),
    ];
    for (path, into, schema) in [
        ("src/orders.csv", "raw.orders", &schema[..]),
        ("src/customers.csv", "raw.customers", &[][..]),
    ] {
        let task = csv_task(path, into, schema);
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
    }
    t
}

fn expect(check: Check) -> Expectation {
    Expectation {
        check,
        severity: Severity::Error,
        mostly: 1.0,
        name: None,
    }
}

fn b(min: Option<f64>, max: Option<f64>) -> Bounds {
    Bounds { min, max }
}

fn suite(expect: Vec<Expectation>, scope: ValidateScope) -> ValidateTask {
    ValidateTask {
        dataset: "raw.orders".into(),
        scope,
        expect,
    }
}

fn logical() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 0, 0, 0).unwrap()
}

#[tokio::test]
async fn every_kind_of_expectation() {
    let t = setup().await;
    let c = |s: &str| s.to_string();
    let task = suite(
        vec![
            expect(Check::NotNull {
                column: c("customer"),
            }),
            expect(Check::Unique {
                columns: vec![c("order_id")],
            }),
            expect(Check::Unique {
                columns: vec![c("order_id"), c("customer")],
            }),
            expect(Check::Between {
                column: c("amount"),
                bounds: b(Some(0.0), Some(10000.0)),
            }),
            expect(Check::InSet {
                column: c("country"),
                values: vec![json!("DE"), json!("FR")],
            }),
            expect(Check::Matches {
                column: c("country"),
                pattern: c("^[A-Z]{2}$"),
            }),
            expect(Check::ColumnType {
                column: c("amount"),
                column_type: T::Float64,
            }),
            expect(Check::RowCount {
                bounds: b(Some(1.0), Some(4.0)),
            }),
            expect(Check::MinBetween {
                column: c("amount"),
                bounds: b(Some(-10.0), None),
            }),
            expect(Check::MaxBetween {
                column: c("amount"),
                bounds: b(None, Some(100.0)),
            }),
            expect(Check::MeanBetween {
                column: c("amount"),
                bounds: b(Some(0.0), Some(10000.0)),
            }),
            expect(Check::Freshness {
                column: c("ts"),
                max_age: Duration::parse("1d").unwrap(),
            }),
            expect(Check::Sql {
                condition: c("amount < 1000 OR country = 'XX'"),
            }),
            expect(Check::Referential {
                column: c("customer"),
                dataset: c("raw.customers"),
                ref_column: c("id"),
            }),
            expect(Check::ColumnType {
                column: c("ts"),
                column_type: T::String,
            }),
        ],
        ValidateScope::Latest,
    );
    let b1 = batch("r1");
    let out = t
        .lake
        .validate(&ValidateRequest {
            task: &task,
            batch: &b1,
            logical_date: logical(),
        })
        .await
        .unwrap();
    assert_eq!(out.rows, 4);
    let by: std::collections::HashMap<_, _> =
        out.results.iter().map(|r| (r.name.as_str(), r)).collect();
    let get = |n: &str| {
        *by.get(n)
            .unwrap_or_else(|| panic!("no {n} in {:?}", by.keys()))
    };
    let nn = get("not_null(customer)");
    assert!(!nn.passed);
    assert_eq!(
        (nn.unexpected_count, nn.unexpected_percent),
        (Some(1), Some(25.0))
    );
    assert_eq!(nn.samples.len(), 1);
    assert_eq!(nn.samples[0]["order_id"], json!("o3"));
    assert!(!nn.samples[0].contains_key("_batch_id"));
    let u = get("unique(order_id)");
    assert_eq!((u.passed, u.unexpected_count), (false, Some(1)));
    assert_eq!(u.samples.len(), 2);
    assert!(
        get("unique(order_id, customer)").passed,
        "o3/c1 and o3/null differ"
    );
    let bt = get("between(amount)");
    assert_eq!((bt.passed, bt.unexpected_count), (false, Some(2)));
    assert_eq!(get("in_set(country)").unexpected_count, Some(2));
    assert_eq!(get("matches(country)").unexpected_count, Some(1));
    assert!(get("column_type(amount)").passed);
    let ct = get("column_type(ts)");
    assert_eq!(
        (ct.passed, ct.observed.clone()),
        (false, json!("timestamp"))
    );
    let rc = get("row_count");
    assert_eq!((rc.passed, rc.observed.clone()), (true, json!(4)));
    assert!(get("min_between(amount)").passed);
    let mx = get("max_between(amount)");
    assert!(!mx.passed && mx.message.as_deref().unwrap().contains("30000"));
    assert!(get("mean_between(amount)").passed);
    let fr = get("freshness(ts)");
    assert_eq!(
        (fr.passed, fr.observed.clone()),
        (true, json!("2026-03-09T13:00:00Z"))
    );
    let sql = get("sql(amount < 1000 OR country = 'XX')");
    assert_eq!((sql.passed, sql.unexpected_count), (true, Some(0)));
    let rf = get("referential(customer)");
    assert_eq!((rf.passed, rf.unexpected_count), (true, Some(0)));
    assert_eq!(out.failed, 7);
    assert!(!out.success());
    assert!(
        out.failure_summary()
            .contains("not_null(customer): 1 of 4 rows fail"),
        "{}",
        out.failure_summary()
    );
}

#[tokio::test]
async fn mostly_and_warnings_let_the_task_pass() {
    let t = setup().await;
    let task = suite(
        vec![
            Expectation {
                check: Check::NotNull {
                    column: "customer".into(),
                },
                severity: Severity::Error,
                mostly: 0.75,
                name: Some("mostly there".into()),
            },
            Expectation {
                check: Check::NotNull {
                    column: "customer".into(),
                },
                severity: Severity::Error,
                mostly: 0.8,
                name: None,
            },
            Expectation {
                check: Check::InSet {
                    column: "country".into(),
                    values: vec![json!("DE")],
                },
                severity: Severity::Warn,
                mostly: 1.0,
                name: None,
            },
            Expectation {
                check: Check::Freshness {
                    column: "ts".into(),
                    max_age: Duration::parse("1h").unwrap(),
                },
                severity: Severity::Warn,
                mostly: 1.0,
                name: None,
            },
        ],
        ValidateScope::Latest,
    );
    let b1 = batch("r1");
    let out = t
        .lake
        .validate(&ValidateRequest {
            task: &task,
            batch: &b1,
            logical_date: logical(),
        })
        .await
        .unwrap();
    assert!(out.results[0].passed);
    assert_eq!(out.results[0].name, "mostly there");
    assert!(!out.results[1].passed);
    assert!(
        out.results[1]
            .message
            .as_deref()
            .unwrap()
            .contains("mostly: 0.8")
    );
    assert_eq!((out.passed, out.failed, out.warned), (1, 1, 2));
    let only_warnings = suite(
        vec![task.expect[0].clone(), task.expect[2].clone()],
        ValidateScope::Latest,
    );
    let out = t
        .lake
        .validate(&ValidateRequest {
            task: &only_warnings,
            batch: &b1,
            logical_date: logical(),
        })
        .await
        .unwrap();
    assert!(out.success());
}

#[tokio::test]
async fn batch_scope_reads_only_this_runs_rows() {
    let t = setup().await;
    t.file(
        "more.csv",
        "order_id,customer,country,amount,ts\no9,c9,DE,1,2026-03-10T01:00:00Z\n",
    );
    let mut ingest = csv_task(
        "src/more.csv",
        "raw.orders",
        &[("amount", T::Float64), ("ts", T::Timestamp)],
    );
    ingest.on_schema_drift = weir_core::dag::task_types::SchemaDrift::Fail;
    let b2 = batch("r2");
    t.lake
        .ingest(&IngestRequest {
            task: &ingest,
            batch: &b2,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap();
    let task = suite(
        vec![
            expect(Check::NotNull {
                column: "customer".into(),
            }),
            expect(Check::RowCount {
                bounds: b(Some(1.0), Some(1.0)),
            }),
        ],
        ValidateScope::Batch,
    );
    let out = t
        .lake
        .validate(&ValidateRequest {
            task: &task,
            batch: &b2,
            logical_date: logical(),
        })
        .await
        .unwrap();
    assert_eq!(out.rows, 1);
    assert!(out.success(), "{:?}", out.results);
}

#[tokio::test]
async fn unknown_columns_and_datasets_are_named() {
    let t = setup().await;
    let task = suite(
        vec![expect(Check::NotNull {
            column: "custmer".into(),
        })],
        ValidateScope::Latest,
    );
    let b1 = batch("r1");
    let err = t
        .lake
        .validate(&ValidateRequest {
            task: &task,
            batch: &b1,
            logical_date: logical(),
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("column `custmer` does not exist in dataset `raw.orders`")
            && err.contains("customer"),
        "{err}"
    );
    let mut task = task;
    task.dataset = "raw.order".into();
    let err = t
        .lake
        .validate(&ValidateRequest {
            task: &task,
            batch: &b1,
            logical_date: logical(),
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown dataset `raw.order`; known datasets: raw.customers, raw.orders"),
        "{err}"
    );
}
