//! `format: postgres` against the real PostgreSQL (WEIR_TEST_DATABASE_URL, default
//! postgres://root@127.0.0.1:5432/postgres): each test in a throwaway database of its own.
//! With WEIR_TEST_SKIP_POSTGRES=1 (and no URL) the tests say loudly that they are skipped.

mod common;

use std::io::Write as _;

use common::{TestLake, batch};
use indexmap::IndexMap;
use sqlx::{Connection, PgConnection};
use weir_core::connection::ConnectionUrl;
use weir_core::dag::task_types::{
    BadRows, ColumnType, IngestMode, IngestSource, IngestTask, SchemaDrift, SourceFormat,
};
use weir_lake::ingest::{IngestOutcome, IngestRequest};
use weir_lake::{Batch, LakeError};
use weir_store::testing::{TestDatabase, admin_url, with_database};

const PASSWORD: &str = "Sup3r-S3cret-Pw";

/// A throwaway database with `setup` run in it; None when PostgreSQL tests are skipped.
async fn database(setup: &str) -> Option<TestDatabase> {
    let Some(admin) = admin_url() else {
        // Straight to stderr, which the test harness does not capture: a skip is never silent.
        let _ = writeln!(
            std::io::stderr(),
            "*** WEIR_TEST_SKIP_POSTGRES=1: a lake postgres_source test is SKIPPED ***"
        );
        return None;
    };
    let db = TestDatabase::create(&admin).await;
    let mut conn = PgConnection::connect(&db.url).await.unwrap();
    sqlx::raw_sql(setup).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    Some(db)
}

/// The database's URL with a password in it (the test server trusts local connections, so
/// any password logs in): what must never show.
fn url_with_password(db: &TestDatabase) -> ConnectionUrl {
    let url = db
        .url
        .replacen("://root@", &format!("://root:{PASSWORD}@"), 1);
    assert!(
        url.contains(PASSWORD),
        "the test URL has user root: {}",
        db.url
    );
    ConnectionUrl::new(url)
}

fn pg_task(query: &str, into: &str, schema: &[(&str, ColumnType)]) -> IngestTask {
    IngestTask {
        source: IngestSource {
            format: SourceFormat::Postgres,
            path: None,
            delimiter: ',',
            header: true,
            connection: Some("src".into()),
            query: Some(query.into()),
        },
        into: into.into(),
        schema: schema
            .iter()
            .map(|(n, t)| (n.to_string(), *t))
            .collect::<IndexMap<_, _>>(),
        mode: IngestMode::Append,
        on_schema_drift: SchemaDrift::Fail,
        on_bad_rows: BadRows::Fail,
    }
}

async fn ingest(
    t: &TestLake,
    task: &IngestTask,
    b: &Batch,
    url: Option<&ConnectionUrl>,
) -> Result<IngestOutcome, LakeError> {
    t.lake
        .ingest(&IngestRequest {
            task,
            batch: b,
            base_dir: t.base(),
            connection_url: url,
        })
        .await
}

/// Every text the error shows: Display, Debug and its source chain.
fn all_text(e: &LakeError) -> String {
    let mut text = format!("{e} {e:?}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(" {s} {s:?}"));
        source = s.source();
    }
    text
}

const TYPES: &str = r#"
CREATE TABLE everything (
    id      int4 PRIMARY KEY,
    small   int2,
    big     int8,
    f4      float4,
    f8      float8,
    amount  numeric(12, 4),
    name    text,
    code    varchar(8),
    flag    boolean,
    day     date,
    at      timestamp,
    at_tz   timestamptz,
    doc     json,
    docb    jsonb,
    uid     uuid,
    initials char(3),
    tags    text[]
);
INSERT INTO everything VALUES
    (1, 7, 9000000000, 1.5, 2.25, 12345.6789, 'héllo', 'AB', true, '2026-03-01',
     '2026-03-01 10:00:00.123456', '2026-03-01 10:00:00+02', '{"a": [1, 2]}', '{"b": 1}',
     'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'AB', '{a,b}'),
    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL);
"#;

#[tokio::test]
async fn every_supported_type_loads_with_its_nulls() {
    let Some(db) = database(TYPES).await else {
        return;
    };
    let url = url_with_password(&db);
    let t = TestLake::new();
    let task = pg_task(
        "SELECT * FROM everything ORDER BY id;",
        "raw.everything",
        &[],
    );
    let out = ingest(&t, &task, &batch("r1"), Some(&url)).await.unwrap();
    assert_eq!((out.rows, out.version, out.rejected), (2, 0, 0));
    assert_eq!(out.files, ["postgres:src"]);
    assert!(out.bytes > 0);
    let types: Vec<(&str, &str)> = out
        .dataset
        .schema
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_str()))
        .collect();
    let expected = [
        ("id", "Int32"),
        ("small", "Int16"),
        ("big", "Int64"),
        ("f4", "Float32"),
        ("f8", "Float64"),
        ("amount", "Float64"),
        ("name", "Utf8"),
        ("code", "Utf8"),
        ("flag", "Boolean"),
        ("day", "Date32"),
    ];
    assert_eq!(&types[..expected.len()], &expected, "{types:?}");
    assert!(types[10].1.starts_with("Timestamp(µs"), "{types:?}");
    assert!(
        !types[10].1.contains("UTC"),
        "timestamp has no zone: {types:?}"
    );
    assert!(types[11].1.contains("UTC"), "timestamptz is UTC: {types:?}");
    assert_eq!(
        &types[12..],
        &[
            ("doc", "Utf8"),
            ("docb", "Utf8"),
            ("uid", "Utf8"),
            ("initials", "Utf8"),
            ("tags", "Utf8"),
            ("_batch_id", "Utf8"),
            ("_ingested_at", types[18].1),
            ("_source", "Utf8"),
        ]
    );

    let rows = t
        .rows(
            "select id, small, big, f4, f8, amount, name, code, flag, cast(day as varchar), \
             cast(at as varchar), cast(at_tz as varchar), doc, docb, uid, initials, tags, _source \
             from raw.everything",
        )
        .await;
    assert_eq!(
        rows[0],
        [
            "1",
            "7",
            "9000000000",
            "1.5",
            "2.25",
            "12345.6789",
            "héllo",
            "AB",
            "true",
            "2026-03-01",
            "2026-03-01T10:00:00.123456",
            "2026-03-01T08:00:00Z",
            r#"{"a": [1, 2]}"#,
            r#"{"b": 1}"#,
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "AB ",
            "{a,b}",
            "postgres:src",
        ]
    );
    let mut nulls = vec![""; 17];
    nulls[0] = "2";
    nulls.push("postgres:src");
    assert_eq!(rows[1], nulls, "every NULL loads as a null");
}

#[tokio::test]
async fn declared_types_cast_and_keep_numeric_exact_as_string() {
    let Some(db) = database(TYPES).await else {
        return;
    };
    let url = url_with_password(&db);
    let t = TestLake::new();
    let task = pg_task(
        "select id, big, amount from everything",
        "raw.typed",
        &[("amount", ColumnType::String), ("big", ColumnType::Float64)],
    );
    let out = ingest(&t, &task, &batch("r1"), Some(&url)).await.unwrap();
    let types: Vec<&str> = out.dataset.schema[..3]
        .iter()
        .map(|c| c.data_type.as_str())
        .collect();
    assert_eq!(types, ["Int32", "Float64", "Utf8"]);
    let rows = t.rows("select id, big, amount from raw.typed").await;
    assert_eq!(rows[0], ["1", "9000000000.0", "12345.6789"]);

    let missing = pg_task(
        "select id from everything",
        "raw.other",
        &[("nope", ColumnType::Int64)],
    );
    let err = ingest(&t, &missing, &batch("r1"), Some(&url))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("column `nope` does not exist"), "{err}");
}

const MANY: &str = "CREATE TABLE events AS \
    SELECT n AS id, 'user' || (n % 97) AS user_id, n * 0.5 AS amount \
    FROM generate_series(1, 20000) AS n;";

#[tokio::test]
async fn rerunning_a_task_instance_replaces_its_batch() {
    let Some(db) = database(MANY).await else {
        return;
    };
    let url = url_with_password(&db);
    let t = TestLake::new();
    let task = pg_task("select * from events", "raw.events", &[]);
    // 20,000 rows: several record batches of 8,192, one commit.
    let first = ingest(&t, &task, &batch("r1"), Some(&url)).await.unwrap();
    assert_eq!((first.rows, first.version), (20000, 0));
    let again = ingest(&t, &task, &batch("r1"), Some(&url)).await.unwrap();
    assert_eq!(again.version, 1);
    assert_eq!(t.count("raw.events").await, 20000, "no duplicates");
    let other = ingest(&t, &task, &batch("r2"), Some(&url)).await.unwrap();
    assert_eq!(other.version, 2);
    assert_eq!(t.count("raw.events").await, 40000);
    let sums = t
        .rows("select _batch_id, count(*), sum(id) from raw.events group by _batch_id")
        .await;
    assert_eq!(sums.len(), 2);
    assert!(
        sums.iter().all(|r| r[1] == "20000" && r[2] == "200010000"),
        "{sums:?}"
    );
}

#[tokio::test]
async fn a_failing_query_leaves_the_dataset_unchanged() {
    let Some(db) = database(MANY).await else {
        return;
    };
    let url = url_with_password(&db);
    let t = TestLake::new();
    let good = pg_task("select id from events", "raw.events", &[]);
    ingest(&t, &good, &batch("r1"), Some(&url)).await.unwrap();

    // Fails when planned: the database's message, and nothing written.
    let typo = pg_task("select idd from events", "raw.events", &[]);
    let err = ingest(&t, &typo, &batch("r1"), Some(&url))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("connection `src`"), "{text}");
    assert!(text.contains("column \"idd\" does not exist"), "{text}");
    assert!(!all_text(&err).contains(PASSWORD), "{}", all_text(&err));

    // Fails after more than one batch was sent to the writer: still nothing written.
    let late = pg_task(
        "select id, 100 / (id - 15000) as ratio from events order by id",
        "raw.events",
        &[],
    );
    let err = ingest(&t, &late, &batch("r1"), Some(&url))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("division by zero"), "{err}");
    assert!(!all_text(&err).contains(PASSWORD), "{}", all_text(&err));

    // The snapshot is read-only: a query that writes is refused.
    let writes = pg_task(
        "with x as (insert into events values (0, 'x', 0) returning id) select id from x",
        "raw.events",
        &[],
    );
    let err = ingest(&t, &writes, &batch("r1"), Some(&url))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("read-only transaction"), "{err}");

    let versions = t.rows("select count(*), max(id) from raw.events").await;
    assert_eq!(versions, [["20000", "20000"]]);
    let table = t
        .lake
        .table(&weir_lake::DatasetName::parse("raw.events").unwrap())
        .await
        .unwrap();
    assert_eq!(table.version(), Some(0), "no commit after the first");
}

#[tokio::test]
async fn an_unknown_connection_names_it_and_the_variable() {
    // No database needed: the lake refuses before connecting.
    let t = TestLake::new();
    let mut task = pg_task("select 1", "raw.x", &[]);
    task.source.connection = Some("crm-eu".into());
    let err = ingest(&t, &task, &batch("r1"), None).await.unwrap_err();
    assert!(
        matches!(err, LakeError::UnknownConnection { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("connection `crm-eu` is not configured"),
        "{text}"
    );
    assert!(text.contains("WEIR_CONN_CRM_EU"), "{text}");
    assert!(text.contains("weir connections set crm-eu"), "{text}");
}

#[tokio::test]
async fn a_password_never_appears_in_connection_errors() {
    let Some(db) = database("select 1").await else {
        return;
    };
    let t = TestLake::new();
    let task = pg_task("select 1 as one", "raw.x", &[]);
    let with_password = url_with_password(&db);

    // Nothing listens on port 1: the error names the host and port only.
    let refused = ConnectionUrl::new(format!("postgres://root:{PASSWORD}@127.0.0.1:1/x"));
    let err = ingest(&t, &task, &batch("r1"), Some(&refused))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("cannot connect to connection `src` at 127.0.0.1:1"),
        "{text}"
    );
    assert!(!all_text(&err).contains(PASSWORD), "{}", all_text(&err));
    assert!(!text.contains("postgres://"), "{text}");

    // A database that does not exist: the server's message, no URL.
    let missing = ConnectionUrl::new(with_database(with_password.expose(), "no_such_database"));
    let err = ingest(&t, &task, &batch("r1"), Some(&missing))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("no_such_database"), "{text}");
    assert!(!all_text(&err).contains(PASSWORD), "{}", all_text(&err));

    // A URL that does not parse shows only its masked form.
    let broken = ConnectionUrl::new(format!("postgres://root:{PASSWORD}@127.0.0.1:port/x"));
    let err = ingest(&t, &task, &batch("r1"), Some(&broken))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("root:***@"), "{err}");
    assert!(!all_text(&err).contains(PASSWORD), "{}", all_text(&err));

    // The request's Debug masks the URL too.
    let request = IngestRequest {
        task: &task,
        batch: &batch("r1"),
        base_dir: t.base(),
        connection_url: Some(&with_password),
    };
    assert!(!format!("{request:?}").contains(PASSWORD));
}
