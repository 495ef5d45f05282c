//! Log lines and outputs: written under the lease, read at any time.

use sqlx::PgPool;
use sqlx::types::Json;

use crate::clock;
use crate::error::{Result, StoreError};
use crate::model::{LogLine, LogRecord, TaskOutputRecord};
use crate::rows::{LogRow, OutputRow, convert};

const APPEND: &str = include_str!("queries/logs/append.sql");
const HOLDS: &str = include_str!("queries/leases/holds.sql");
const READ: &str = include_str!("queries/logs/read.sql");
const SET_OUTPUT: &str = include_str!("queries/outputs/set.sql");
const GET_OUTPUT: &str = include_str!("queries/outputs/get.sql");

pub(super) async fn append(
    pool: &PgPool,
    ti_id: i64,
    try_number: i32,
    token: i64,
    lines: &[LogLine],
) -> Result<()> {
    let lost = || StoreError::LeaseLost { ti_id, token };
    if lines.is_empty() {
        let held: Option<i64> = sqlx::query_scalar(HOLDS)
            .bind(ti_id)
            .bind(token)
            .bind(try_number)
            .fetch_optional(pool)
            .await?;
        return held.map(|_| ()).ok_or_else(lost);
    }
    let times: Vec<_> = lines.iter().map(|l| clock::truncate(l.logged_at)).collect();
    let streams: Vec<&str> = lines.iter().map(|l| l.stream.as_str()).collect();
    let texts: Vec<&str> = lines.iter().map(|l| l.line.as_str()).collect();
    let done = sqlx::query(APPEND)
        .bind(ti_id)
        .bind(token)
        .bind(try_number)
        .bind(times)
        .bind(streams)
        .bind(texts)
        .execute(pool)
        .await?;
    if done.rows_affected() == lines.len() as u64 {
        Ok(())
    } else {
        Err(lost())
    }
}

pub(super) async fn read(
    pool: &PgPool,
    ti_id: i64,
    try_number: i32,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<LogRecord>> {
    let rows: Vec<LogRow> = sqlx::query_as(READ)
        .bind(ti_id)
        .bind(try_number)
        .bind(after_seq)
        .bind(limit.max(0))
        .fetch_all(pool)
        .await?;
    convert(rows)
}

pub(super) async fn set_output(
    pool: &PgPool,
    ti_id: i64,
    token: i64,
    value: &serde_json::Value,
) -> Result<()> {
    let done = sqlx::query(SET_OUTPUT)
        .bind(ti_id)
        .bind(token)
        .bind(Json(value))
        .bind(clock::now())
        .execute(pool)
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::LeaseLost { ti_id, token })
    }
}

pub(super) async fn get_output(pool: &PgPool, ti_id: i64) -> Result<Option<TaskOutputRecord>> {
    let row: Option<OutputRow> = sqlx::query_as(GET_OUTPUT)
        .bind(ti_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(TaskOutputRecord::from))
}
