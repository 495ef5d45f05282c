//! Weir's functions against DataFusion's own, over several partitions so that the partial and
//! final aggregations (and so the states between them) are exercised.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, AsArray, Int64Array, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema, TimeUnit, UInt64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::MemTable;
use datafusion::prelude::SessionContext;

use crate::session::new_session;

/// `t(g, s, n, ts)`: 3 groups, strings and integers with repeats and nulls, in 4 partitions;
/// `ts` is unique but null on one row of each group.
fn session() -> SessionContext {
    let schema = Arc::new(Schema::new(vec![
        Field::new("g", DataType::Int64, false),
        Field::new("s", DataType::Utf8, true),
        Field::new("n", DataType::Int64, true),
        Field::new("ts", ts_type(), true),
    ]));
    let mut partitions = Vec::new();
    for p in 0..4i64 {
        let rows = 500i64;
        let g: Vec<i64> = (0..rows).map(|i| (i * 7 + p) % 3).collect();
        let s: Vec<Option<String>> = (0..rows)
            .map(|i| (i % 11 != 0).then(|| format!("v{}", (i * 13 + p) % 37)))
            .collect();
        let n: Vec<Option<i64>> = (0..rows)
            .map(|i| (i % 5 != 0).then_some((i + p) % 17))
            .collect();
        // A permutation of 0..2000 (2003 is prime): every time differs.
        let ts: Vec<Option<i64>> = (0..rows)
            .map(|i| (p > 0 || i >= 3).then_some((p * rows + i) * 7919 % 2003))
            .collect();
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(g)),
                Arc::new(StringArray::from(s)),
                Arc::new(Int64Array::from(n)),
                Arc::new(TimestampMicrosecondArray::from(ts).with_timezone("UTC")),
            ],
        )
        .unwrap();
        partitions.push(vec![batch]);
    }
    let ctx = new_session();
    ctx.register_table(
        "t",
        Arc::new(MemTable::try_new(schema, partitions).unwrap()),
    )
    .unwrap();
    ctx
}

fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Every column of the result as text, nulls as `NULL`.
async fn text_columns(ctx: &SessionContext, sql: &str) -> Vec<Vec<String>> {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let width = batches[0].num_columns();
    (0..width)
        .map(|c| {
            batches
                .iter()
                .flat_map(|b| {
                    let col =
                        datafusion::arrow::compute::cast(b.column(c), &DataType::Utf8).unwrap();
                    let col = col.as_string::<i32>();
                    (0..col.len())
                        .map(|i| {
                            if col.is_null(i) {
                                "NULL".to_string()
                            } else {
                                col.value(i).to_string()
                            }
                        })
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .collect()
}

/// `ours` and `theirs` give the same per group of `t` and over the whole table.
async fn assert_same_as_datafusion(ctx: &SessionContext, ours: &str, theirs: &str) {
    let grouped = format!("SELECT g, {ours} AS a, {theirs} AS b FROM t GROUP BY g ORDER BY g");
    let cols = text_columns(ctx, &grouped).await;
    assert_eq!(cols[0], ["0", "1", "2"], "{grouped}");
    assert_eq!(cols[1], cols[2], "{grouped}");
    let whole = format!("SELECT {ours} AS a, {theirs} AS b FROM t");
    let cols = text_columns(ctx, &whole).await;
    assert_eq!(cols[0], cols[1], "{whole}");
}

async fn int_columns(ctx: &SessionContext, sql: &str) -> Vec<Vec<i64>> {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let width = batches[0].num_columns();
    (0..width)
        .map(|c| {
            batches
                .iter()
                .flat_map(|b| {
                    let col =
                        datafusion::arrow::compute::cast(b.column(c), &DataType::Int64).unwrap();
                    col.as_primitive::<Int64Type>().values().to_vec()
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn count_distinct_matches_datafusion_grouped_and_not() {
    let ctx = session();
    for (ours, theirs) in [
        ("weir_count_distinct(s)", "count(DISTINCT s)"),
        ("weir_count_distinct(n)", "count(DISTINCT n)"),
        (
            "weir_count_distinct(s) FILTER (WHERE n > 8)",
            "count(DISTINCT s) FILTER (WHERE n > 8)",
        ),
        (
            "weir_count_distinct(s) FILTER (WHERE n > 100)",
            "count(DISTINCT s) FILTER (WHERE n > 100)",
        ),
    ] {
        assert_same_as_datafusion(&ctx, ours, theirs).await;
    }
    // No rows at all: 0, as count.
    let cols = int_columns(
        &ctx,
        "SELECT weir_count_distinct(s) AS a, count(DISTINCT s) AS b FROM t WHERE g > 5",
    )
    .await;
    assert_eq!(cols, vec![vec![0], vec![0]]);
}

#[tokio::test]
async fn hash64_is_null_for_null_and_equal_for_equal_values() {
    let ctx = session();
    let batches = ctx
        .sql("SELECT s, weir_hash64(s) AS h FROM t ORDER BY s NULLS FIRST")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut seen = std::collections::HashMap::new();
    for b in &batches {
        let s = b.column(0).as_string::<i32>();
        let h = b.column(1).as_primitive::<UInt64Type>();
        for i in 0..b.num_rows() {
            assert_eq!(s.is_null(i), h.is_null(i));
            if s.is_valid(i) {
                let prior = seen.insert(s.value(i).to_string(), h.value(i));
                assert!(prior.is_none_or(|p| p == h.value(i)));
            }
        }
    }
    let distinct_hashes: std::collections::HashSet<u64> = seen.values().copied().collect();
    assert_eq!(distinct_hashes.len(), seen.len());
}

#[tokio::test]
async fn distinct_hashes_counts_as_count_distinct_over_partitions() {
    let ctx = session();
    for (ours, theirs) in [
        ("weir_distinct_hashes(s)", "count(DISTINCT s)"),
        ("weir_distinct_hashes(n)", "count(DISTINCT n)"),
        (
            "weir_distinct_hashes(s) FILTER (WHERE n > 8)",
            "count(DISTINCT s) FILTER (WHERE n > 8)",
        ),
        (
            "weir_distinct_hashes(s) FILTER (WHERE n > 100)",
            "count(DISTINCT s) FILTER (WHERE n > 100)",
        ),
    ] {
        assert_same_as_datafusion(&ctx, ours, theirs).await;
    }
    // A value repeated across partitions counts once; no rows at all count 0.
    let cols = int_columns(
        &ctx,
        "SELECT weir_distinct_hashes(g) AS a, weir_distinct_hashes(s) FILTER (WHERE g > 5) AS b FROM t",
    )
    .await;
    assert_eq!(cols, vec![vec![3], vec![0]]);
}

#[tokio::test]
async fn first_and_last_value_match_datafusion_grouped_and_not() {
    let ctx = session();
    for (ours, theirs) in [
        ("weir_last_value(s, ts)", "last_value(s ORDER BY ts)"),
        ("weir_last_value(n, ts)", "last_value(n ORDER BY ts)"),
        ("weir_first_value(s, ts)", "first_value(s ORDER BY ts)"),
        ("weir_first_value(n, ts)", "first_value(n ORDER BY ts)"),
        // Without the rows whose time is null (they sort last): the latest timed row.
        (
            "weir_last_value(s, ts) FILTER (WHERE ts IS NOT NULL)",
            "last_value(s ORDER BY ts) FILTER (WHERE ts IS NOT NULL)",
        ),
        (
            "weir_last_value(n, ts) FILTER (WHERE n > 8)",
            "last_value(n ORDER BY ts) FILTER (WHERE n > 8)",
        ),
        // No row passes: null, as theirs.
        (
            "weir_first_value(s, ts) FILTER (WHERE n > 100)",
            "first_value(s ORDER BY ts) FILTER (WHERE n > 100)",
        ),
    ] {
        assert_same_as_datafusion(&ctx, ours, theirs).await;
    }
    // The null-time rows do win `last` (nulls sort last), and a text order key is refused.
    let cols = text_columns(
        &ctx,
        "SELECT weir_last_value(ts, ts) AS a, weir_first_value(ts, ts) AS b FROM t",
    )
    .await;
    assert_eq!(cols[0], ["NULL"]);
    assert_ne!(cols[1], ["NULL"]);
    let err = ctx
        .sql("SELECT weir_last_value(n, s) FROM t")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("orders by a timestamp"), "{err}");
}
