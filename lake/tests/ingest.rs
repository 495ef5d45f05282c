//! Ingest into real Delta tables in temporary folders.

mod common;

use common::{TestLake, batch, csv_task};
use weir_core::dag::task_types::{BadRows, ColumnType as T, IngestMode, SchemaDrift, SourceFormat};
use weir_lake::ingest::IngestRequest;
use weir_lake::{DatasetName, LakeError};

const CLICKS: &str = "event_id,user_id,amount,ts\n\
e1,u1,1.5,2026-03-01T10:00:00Z\n\
e2,u2,2.0,2026-03-01T11:00:00Z\n\
e3,u1,,2026-03-02 09:30:00\n";

fn clicks_schema() -> Vec<(&'static str, T)> {
    vec![
        ("event_id", T::String),
        ("user_id", T::String),
        ("amount", T::Float64),
        ("ts", T::Timestamp),
    ]
}

#[tokio::test]
async fn csv_with_a_schema_loads_typed_rows_with_lineage() {
    let t = TestLake::new();
    t.file("clicks.csv", CLICKS);
    let task = csv_task("src/clicks.csv", "raw.clicks", &clicks_schema());
    let b = batch("r1");
    let out = t
        .lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap();
    assert_eq!((out.rows, out.version, out.rejected), (3, 0, 0));
    assert_eq!(out.bytes, CLICKS.len() as u64);
    assert_eq!(out.dataset.rows, 3);
    let types: Vec<_> = out
        .dataset
        .schema
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_str()))
        .collect();
    assert_eq!(types[2], ("amount", "Float64"));
    assert_eq!(types[3].0, "ts");
    assert!(types[3].1.starts_with("Timestamp(µs"), "{types:?}");
    assert_eq!(
        &types[4..].iter().map(|c| c.0).collect::<Vec<_>>(),
        &["_batch_id", "_ingested_at", "_source"]
    );
    let rows = t
        .rows("select event_id, amount, cast(ts as varchar), _batch_id, _source like '%clicks.csv' from raw.clicks")
        .await;
    assert_eq!(
        rows[0],
        ["e1", "1.5", "2026-03-01T10:00:00Z", "dag/r1/load", "true"]
    );
    assert_eq!(rows[2][1], "", "an empty field is null");
    assert_eq!(rows[2][2], "2026-03-02T09:30:00Z");
}

#[tokio::test]
async fn rerunning_a_batch_replaces_it_and_other_batches_append() {
    let t = TestLake::new();
    t.file("clicks.csv", CLICKS);
    let task = csv_task("src/clicks.csv", "raw.clicks", &clicks_schema());
    let run = |r: &'static str| {
        let (lake, task, base) = (&t.lake, &task, t.base());
        async move {
            let b = batch(r);
            lake.ingest(&IngestRequest {
                task,
                batch: &b,
                base_dir: base,
                connection_url: None,
            })
            .await
            .unwrap()
        }
    };
    assert_eq!(run("r1").await.version, 0);
    let again = run("r1").await;
    assert_eq!(again.version, 1);
    assert_eq!(
        again.dataset.rows, 3,
        "the batch was replaced, not duplicated"
    );
    assert_eq!(t.count("raw.clicks").await, 3);
    let other = run("r2").await;
    assert_eq!(other.dataset.rows, 6);
    assert_eq!(
        t.rows("select _batch_id, count(*) from raw.clicks group by 1")
            .await,
        [["dag/r1/load", "3"], ["dag/r2/load", "3"]]
    );
}

#[tokio::test]
async fn replace_mode_overwrites_the_table() {
    let t = TestLake::new();
    t.file("clicks.csv", CLICKS);
    let mut task = csv_task("src/clicks.csv", "raw.clicks", &clicks_schema());
    task.mode = IngestMode::Replace;
    for r in ["r1", "r2"] {
        let b = batch(r);
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
    assert_eq!(t.count("raw.clicks").await, 3);
}

#[tokio::test]
async fn a_wrong_field_count_names_file_and_row_and_writes_nothing() {
    let t = TestLake::new();
    t.file("clicks.csv", CLICKS);
    let task = csv_task("src/clicks.csv", "raw.clicks", &clicks_schema());
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
    t.file(
        "clicks.csv",
        "event_id,user_id,amount,ts\ne1,u1,1.5,2026-03-01T10:00:00Z\ne2,u2\n",
    );
    let err = t
        .lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(&err, LakeError::BadRow(r) if r.row == 3), "{text}");
    assert!(
        text.contains("clicks.csv: row 3") && text.contains("expected 4 fields, found 2"),
        "{text}"
    );
    let table = t
        .lake
        .table(&DatasetName::parse("raw.clicks").unwrap())
        .await
        .unwrap();
    assert_eq!(weir_lake::table_version(&table), 0, "no commit");
    assert_eq!(t.count("raw.clicks").await, 3);
}

#[tokio::test]
async fn a_failed_cast_names_column_row_and_value() {
    let t = TestLake::new();
    t.file("clicks.csv", "event_id,user_id,amount,ts\ne1,u1,1.5,2026-03-01T10:00:00Z\ne2,u2,abc,2026-03-01T10:00:00Z\n");
    let task = csv_task("src/clicks.csv", "raw.clicks", &clicks_schema());
    let b = batch("r1");
    let err = t
        .lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("row 3, column `amount`, value `abc`: cannot cast `abc` to float64"),
        "{text}"
    );
    assert!(
        t.lake
            .try_table(&DatasetName::parse("raw.clicks").unwrap())
            .await
            .unwrap()
            .is_none(),
        "nothing created"
    );
}

#[tokio::test]
async fn quarantine_loads_good_rows_and_sets_bad_ones_aside() {
    let t = TestLake::new();
    t.file("clicks.csv", "event_id,user_id,amount,ts\ne1,u1,1.5,2026-03-01T10:00:00Z\ne2,u2,abc,2026-03-01T10:00:00Z\ne3,u3\ne4,u4,4,2026-03-01T12:00:00Z\n");
    let mut task = csv_task("src/clicks.csv", "raw.clicks", &clicks_schema());
    task.on_bad_rows = BadRows::Quarantine;
    let b = batch("r1");
    let out = t
        .lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap();
    assert_eq!((out.rows, out.rejected), (2, 2));
    assert_eq!(
        t.rows("select event_id from raw.clicks").await,
        [["e1"], ["e4"]]
    );
    let rejects = t
        .rows("select _row, _column, _value, _reason, _record, _batch_id from raw.clicks_rejects")
        .await;
    assert_eq!(
        rejects[0],
        [
            "3",
            "amount",
            "abc",
            "cannot cast `abc` to float64",
            "e2,u2,abc,2026-03-01T10:00:00Z",
            "dag/r1/load"
        ]
    );
    assert_eq!(rejects[1][..4], ["4", "", "", "expected 4 fields, found 2"]);
    // Fixed at the source, the re-run clears the batch's rejects.
    t.file("clicks.csv", CLICKS);
    let out = t
        .lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap();
    assert_eq!((out.rows, out.rejected), (3, 0));
    assert_eq!(t.count("raw.clicks_rejects").await, 0);
}

#[tokio::test]
async fn schema_drift_policies() {
    let t = TestLake::new();
    t.file("a.csv", "id,x\n1,a\n");
    t.file("b.csv", "id,y\n2,b\n");
    let mut task = csv_task("src/a.csv", "raw.d", &[]);
    let b1 = batch("r1");
    t.lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b1,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap();
    task.source.path = Some("src/b.csv".into());
    let b2 = batch("r2");
    let err = t
        .lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b2,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("new column `y`")
            && err.contains("column `x` is missing")
            && err.contains("on_schema_drift"),
        "{err}"
    );
    task.on_schema_drift = SchemaDrift::Ignore;
    t.lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b2,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap();
    assert_eq!(
        t.rows("select * from raw.d")
            .await
            .iter()
            .map(|r| r[..2].to_vec())
            .collect::<Vec<_>>(),
        [["1", "a"], ["2", ""]]
    );
    task.on_schema_drift = SchemaDrift::Evolve;
    let out = t
        .lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b2,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap();
    let names: Vec<_> = out.dataset.schema.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["id", "x", "_batch_id", "_ingested_at", "_source", "y"]
    );
    assert_eq!(
        t.rows("select id, x, y from raw.d").await,
        [["1", "a", ""], ["2", "", "b"]]
    );
}

#[tokio::test]
async fn missing_files_and_columns_are_named() {
    let t = TestLake::new();
    t.file("clicks.csv", CLICKS);
    let task = csv_task("src/click.csv", "raw.clicks", &[]);
    let b = batch("r1");
    let err = t
        .lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("src/click.csv") && err.contains("clicks.csv"),
        "{err}"
    );
    let task = csv_task(
        "src/clicks.csv",
        "raw.clicks",
        &[("amount", T::Float64), ("price", T::Float64)],
    );
    let err = t
        .lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("column `price` does not exist")
            && err.contains("event_id, user_id, amount, ts"),
        "{err}"
    );
}

#[tokio::test]
async fn json_lines_and_parquet() {
    let t = TestLake::new();
    t.file(
        "e1.jsonl",
        "{\"id\": 1, \"name\": \"a\", \"score\": 1.5}\n{\"id\": 2, \"name\": \"b\"}\n",
    );
    t.file("e2.jsonl", "{\"id\": 3, \"name\": \"c\", \"score\": 3}\n");
    let mut task = csv_task(
        "src/*.jsonl",
        "raw.events",
        &[("id", T::Int64), ("score", T::Float64)],
    );
    task.source.format = SourceFormat::Jsonl;
    let b = batch("r1");
    let out = t
        .lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap();
    assert_eq!((out.rows, out.files.len()), (3, 2));
    assert_eq!(
        t.rows("select id, name, score from raw.events").await,
        [["1", "a", "1.5"], ["2", "b", ""], ["3", "c", "3.0"]]
    );
    // A bad JSON line is named.
    t.file("e2.jsonl", "{\"id\": 3, \"name\": \"c\"}\n{\"id\": oops}\n");
    let err = t
        .lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("e2.jsonl: row 2") && err.contains("invalid JSON"),
        "{err}"
    );

    // Parquet: the events table's files are Parquet; ingest one of them elsewhere.
    let parquet = walk(&t.dir.path().join("lake/raw/events"), "parquet");
    let mut task = csv_task(
        &parquet.to_string_lossy(),
        "curated.events",
        &[("id", T::Int32)],
    );
    task.source.format = SourceFormat::Parquet;
    let err = t
        .lake
        .ingest(&IngestRequest {
            task: &task,
            batch: &b,
            base_dir: t.base(),
            connection_url: None,
        })
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("_batch_id") && err.contains("reserves for lineage"),
        "{err}"
    );
}

fn walk(dir: &std::path::Path, ext: &str) -> std::path::PathBuf {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == ext) {
            return p;
        }
    }
    panic!("no .{ext} file in {}", dir.display());
}
