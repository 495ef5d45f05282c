//! The generator's promises, and that its data passes the example DAG's own ingest and
//! expectations.

use std::collections::HashSet;

use chrono::{NaiveDate, TimeZone, Utc};
use weir_core::dag::TaskKind;

use super::*;
use crate::batch::Batch;
use crate::ingest::IngestRequest;
use crate::materialize::MaterializeRequest;
use crate::validate::ValidateRequest;
use crate::{Lake, LakeRoot};

fn small() -> Clickstream {
    Clickstream {
        rows: 5_000,
        users: 200,
        items: 50,
        days: 3,
        first_day: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        seed: 7,
    }
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_others() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a.csv"),
        dir.path().join("b.csv"),
        dir.path().join("c.csv"),
    );
    small().write_csv(&a).unwrap();
    small().write_csv(&b).unwrap();
    Clickstream { seed: 8, ..small() }.write_csv(&c).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&c).unwrap());
}

#[test]
fn the_file_has_the_header_the_rows_and_the_bytes_it_reports() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clicks.csv");
    let written = small().write_csv(&path).unwrap();
    assert_eq!(written.rows, 5_000);
    assert_eq!(written.bytes, std::fs::metadata(&path).unwrap().len());
    let lines = lines(&path);
    assert_eq!(format!("{}\n", lines[0]), HEADER);
    assert_eq!(lines.len(), 5_001);
    for line in &lines[1..] {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 6, "{line}");
        assert!(
            fields[0].starts_with('e') && fields[1].starts_with('u'),
            "{line}"
        );
        assert!(fields[2].starts_with('i'), "{line}");
        let amount: f64 = fields[4].parse().unwrap();
        assert!((0.0..=10_000.0).contains(&amount), "{line}");
        if fields[3] != "purchase" {
            assert_eq!(amount, 0.0, "{line}");
        }
    }
}

#[test]
fn event_ids_are_unique_and_every_event_type_occurs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clicks.csv");
    small().write_csv(&path).unwrap();
    let lines = lines(&path);
    let ids: HashSet<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids.len(), 5_000);
    let types: HashSet<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(3).unwrap())
        .collect();
    assert_eq!(types, EVENT_TYPES.into_iter().collect());
}

#[test]
fn day_files_hold_their_day_in_order_and_add_up_to_the_single_file() {
    let dir = tempfile::tempdir().unwrap();
    let clicks = small();
    let paths = clicks.write_day_files(&dir.path().join("days")).unwrap();
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["2026-03-01.csv", "2026-03-02.csv", "2026-03-03.csv"]
    );
    let mut concatenated = String::from(HEADER);
    let mut total = 0;
    for (day, path) in paths.iter().enumerate() {
        let lines = lines(path);
        assert_eq!(format!("{}\n", lines[0]), HEADER);
        let rows = &lines[1..];
        assert_eq!(rows.len() as u64, clicks.day_rows(day as u32));
        total += rows.len();
        let start = Utc.from_utc_datetime(&clicks.date(day as u32).and_hms_opt(0, 0, 0).unwrap());
        let end = start + chrono::Duration::days(1);
        let mut previous = start;
        for row in rows {
            let ts = chrono::DateTime::parse_from_rfc3339(row.rsplit(',').next().unwrap())
                .unwrap()
                .with_timezone(&Utc);
            assert!(ts >= previous && ts < end, "{row} outside [{start}, {end})");
            previous = ts;
            concatenated.push_str(row);
            concatenated.push('\n');
        }
    }
    assert_eq!(total, 5_000);
    let single = dir.path().join("all.csv");
    clicks.write_csv(&single).unwrap();
    assert_eq!(std::fs::read_to_string(single).unwrap(), concatenated);
}

#[test]
fn nothing_to_pick_from_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let none = Clickstream {
        users: 0,
        ..small()
    };
    let err = none.write_csv(&dir.path().join("x.csv")).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}

/// The example DAG's tasks, templates rendered for `ds` by hand (no template engine here).
fn example_task(id: &str, ds: &str) -> TaskKind {
    let source = include_str!("../../../dags/user_features_daily.yaml")
        .replace("{{ ds }}", ds)
        .replace("{{ params.lookback_days }}", "7");
    let dag = weir_core::dag::parse_str("user_features_daily.yaml", &source).unwrap();
    dag.task(id).unwrap().kind.clone()
}

#[tokio::test]
async fn a_generated_day_passes_the_example_dags_ingest_expectations_and_features() {
    let dir = tempfile::tempdir().unwrap();
    let clicks = small();
    clicks
        .write_day_files(&dir.path().join("data/clicks"))
        .unwrap();
    let lake = Lake::new(LakeRoot::local(&dir.path().join("lake")).unwrap());
    let batch = Batch {
        dag_id: "user_features_daily".into(),
        run_id: "r1".into(),
        task_id: "ingest_clicks".into(),
    };
    let TaskKind::Ingest(ingest) = example_task("ingest_clicks", "2026-03-02") else {
        panic!("ingest_clicks is an ingest task");
    };
    let loaded = lake
        .ingest(&IngestRequest {
            task: &ingest,
            batch: &batch,
            base_dir: dir.path(),
            connection_url: None,
        })
        .await
        .unwrap();
    assert_eq!((loaded.rows, loaded.rejected), (clicks.day_rows(1), 0));

    let TaskKind::Validate(validate) = example_task("validate_clicks", "2026-03-02") else {
        panic!("validate_clicks is a validate task");
    };
    let logical_date = Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap();
    let checked = lake
        .validate(&ValidateRequest {
            task: &validate,
            batch: &batch,
            logical_date,
        })
        .await
        .unwrap();
    let failed: Vec<_> = checked.results.iter().filter(|r| !r.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(checked.results.len(), 7);

    let TaskKind::Materialize(view) = example_task("user_stats", "2026-03-02") else {
        panic!("user_stats is a materialize task");
    };
    let features = lake
        .materialize(&MaterializeRequest {
            task: &view,
            as_of: logical_date + chrono::Duration::days(1),
            batch: &batch,
        })
        .await
        .unwrap();
    assert!(features.rows > 0 && features.rows <= clicks.users);
    assert_eq!(features.features.len(), 5);
}
