//! Writes of several partitions: parallel files on a new table and for a new batch, deltalake's
//! path for a re-run, and nothing committed when one partition fails.

use std::sync::Arc;

use datafusion::arrow::array::{Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::MemTable;
use datafusion::prelude::{DataFrame, SessionContext, col, lit};

use super::{Replace, WriteSpec, write};
use crate::dataset::{DatasetName, Lake, table_version};
use crate::root::LakeRoot;
use crate::session::new_session;

/// `batch` rows `n` = 0..rows in `partitions` partitions, with a `label` column.
fn rows(ctx: &SessionContext, batch: &str, rows: i64, partitions: i64, label: &str) -> DataFrame {
    let schema = Arc::new(Schema::new(vec![
        Field::new("_batch_id", DataType::Utf8, true),
        Field::new("n", DataType::Int64, true),
        Field::new("label", DataType::Utf8, true),
    ]));
    let per = rows / partitions;
    let parts = (0..partitions)
        .map(|p| {
            let n: Vec<i64> = (p * per..(p + 1) * per).collect();
            vec![
                RecordBatch::try_new(
                    schema.clone(),
                    vec![
                        Arc::new(StringArray::from(vec![batch; n.len()])),
                        Arc::new(Int64Array::from(n.clone())),
                        Arc::new(StringArray::from(vec![label; n.len()])),
                    ],
                )
                .unwrap(),
            ]
        })
        .collect();
    ctx.read_table(Arc::new(MemTable::try_new(schema, parts).unwrap()))
        .unwrap()
}

fn spec(batch: &str) -> WriteSpec {
    WriteSpec {
        replace: Replace::Where(col("_batch_id").eq(lit(batch))),
        merge_schema: false,
        overwrite_schema: false,
        commit_info: serde_json::Map::new(),
    }
}

async fn count(lake: &Lake, sql: &str) -> i64 {
    let batches = lake.query(sql).await.unwrap();
    let c = datafusion::arrow::compute::cast(batches[0].column(0), &DataType::Int64).unwrap();
    c.as_any().downcast_ref::<Int64Array>().unwrap().value(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_write_files_of_their_own_and_reruns_replace() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(LakeRoot::local(dir.path()).unwrap());
    let name = DatasetName::parse("raw.t").unwrap();
    let ctx = new_session();

    // A new table: one file per partition, in one commit.
    let table = lake.handle(&name).await.unwrap();
    let table = write(table, &ctx, rows(&ctx, "a", 3000, 3, "first"), spec("a"), "t")
        .await
        .unwrap();
    assert_eq!(table_version(&table), 0);
    assert_eq!(table.snapshot().unwrap().log_data().iter().count(), 3);
    assert_eq!(count(&lake, "SELECT count(*) FROM raw.t").await, 3000);

    // Another batch appends.
    let table = lake.handle(&name).await.unwrap();
    let table = write(table, &ctx, rows(&ctx, "b", 1000, 2, "first"), spec("b"), "t")
        .await
        .unwrap();
    assert_eq!(table_version(&table), 1);
    assert_eq!(count(&lake, "SELECT count(*) FROM raw.t").await, 4000);

    // A re-run of batch a replaces its rows (deltalake's path), and only those.
    let table = lake.handle(&name).await.unwrap();
    let table = write(table, &ctx, rows(&ctx, "a", 2000, 2, "again"), spec("a"), "t")
        .await
        .unwrap();
    assert_eq!(table_version(&table), 2);
    assert_eq!(count(&lake, "SELECT count(*) FROM raw.t").await, 3000);
    assert_eq!(
        count(&lake, "SELECT count(*) FROM raw.t WHERE label = 'again'").await,
        2000
    );
    assert_eq!(
        count(&lake, "SELECT count(*) FROM raw.t WHERE _batch_id = 'b'").await,
        1000
    );
    let commits: Vec<_> = futures::TryStreamExt::try_collect(table.history(None))
        .await
        .unwrap();
    let added = |i: usize| {
        commits[i].info["operationMetrics"]["num_added_rows"]
            .as_u64()
            .unwrap()
    };
    // Newest first.
    assert_eq!((added(0), added(1), added(2)), (2000, 1000, 3000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_partition_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let lake = Lake::new(LakeRoot::local(dir.path()).unwrap());
    let name = DatasetName::parse("raw.t").unwrap();
    let ctx = new_session();
    let table = lake.handle(&name).await.unwrap();
    write(table, &ctx, rows(&ctx, "a", 100, 2, "ok"), spec("a"), "t")
        .await
        .unwrap();

    // The cast fails on the rows of the last partition only.
    ctx.register_table(
        "src",
        Arc::new(
            MemTable::try_new(
                Arc::new(Schema::new(vec![
                    Field::new("_batch_id", DataType::Utf8, true),
                    Field::new("n", DataType::Utf8, true),
                    Field::new("label", DataType::Utf8, true),
                ])),
                (0..3)
                    .map(|p| {
                        let n = if p == 2 { "x" } else { "1" };
                        vec![
                            RecordBatch::try_new(
                                Arc::new(Schema::new(vec![
                                    Field::new("_batch_id", DataType::Utf8, true),
                                    Field::new("n", DataType::Utf8, true),
                                    Field::new("label", DataType::Utf8, true),
                                ])),
                                vec![
                                    Arc::new(StringArray::from(vec!["b"; 10])),
                                    Arc::new(StringArray::from(vec![n; 10])),
                                    Arc::new(StringArray::from(vec!["bad"; 10])),
                                ],
                            )
                            .unwrap(),
                        ]
                    })
                    .collect(),
            )
            .unwrap(),
        ),
    )
    .unwrap();
    let failing = ctx
        .sql("SELECT _batch_id, arrow_cast(n, 'Int64') AS n, label FROM src")
        .await
        .unwrap();
    let table = lake.handle(&name).await.unwrap();
    let err = write(table, &ctx, failing, spec("b"), "t").await;
    assert!(err.is_err());
    let table = lake.handle(&name).await.unwrap();
    assert_eq!(table_version(&table), 0);
    assert_eq!(count(&lake, "SELECT count(*) FROM raw.t").await, 100);
}
