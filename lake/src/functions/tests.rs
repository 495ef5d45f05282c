//! Weir's functions against DataFusion's own, over several partitions so that the partial and
//! final aggregations (and so the states between them) are exercised.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, Int64Array, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema, UInt64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::MemTable;
use datafusion::prelude::SessionContext;

use crate::session::new_session;

/// `t(g, s, n)`: 3 groups, strings and integers with repeats and nulls, in 4 partitions.
fn session() -> SessionContext {
    let schema = Arc::new(Schema::new(vec![
        Field::new("g", DataType::Int64, false),
        Field::new("s", DataType::Utf8, true),
        Field::new("n", DataType::Int64, true),
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
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(g)),
                Arc::new(StringArray::from(s)),
                Arc::new(Int64Array::from(n)),
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
        let grouped = format!("SELECT g, {ours} AS a, {theirs} AS b FROM t GROUP BY g ORDER BY g");
        let cols = int_columns(&ctx, &grouped).await;
        assert_eq!(cols[0], vec![0, 1, 2], "{grouped}");
        assert_eq!(cols[1], cols[2], "{grouped}");
        let whole = format!("SELECT {ours} AS a, {theirs} AS b FROM t");
        let cols = int_columns(&ctx, &whole).await;
        assert_eq!(cols[0], cols[1], "{whole}");
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
        let whole = format!(
            "SELECT {ours} AS a, {theirs} AS b, count(DISTINCT weir_hash64(s)) AS c FROM t"
        );
        let cols = int_columns(&ctx, &whole).await;
        assert_eq!(cols[0], cols[1], "{whole}");
        let grouped = format!("SELECT g, {ours} AS a, {theirs} AS b FROM t GROUP BY g ORDER BY g");
        let cols = int_columns(&ctx, &grouped).await;
        assert_eq!(cols[1], cols[2], "{grouped}");
    }
    // A value repeated across partitions counts once; no rows at all count 0.
    let cols = int_columns(
        &ctx,
        "SELECT weir_distinct_hashes(g) AS a, weir_distinct_hashes(s) FILTER (WHERE g > 5) AS b FROM t",
    )
    .await;
    assert_eq!(cols, vec![vec![3], vec![0]]);
}
