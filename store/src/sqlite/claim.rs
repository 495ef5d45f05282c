//! The claim: inside one `BEGIN IMMEDIATE` transaction, take the task instances, record their
//! attempts, and read back what the worker needs.

use super::{SqliteStore, json_list, ts};
use crate::clock;
use crate::error::Result;
use crate::events::StoreEvent;
use crate::model::{ClaimRequest, ClaimedTask};
use crate::rows::ClaimedRow;

const TAKE: &str = include_str!("queries/claim/take.sql");
const RECORD_ATTEMPTS: &str = include_str!("queries/claim/record_attempts.sql");
const DESCRIBE: &str = include_str!("queries/claim/describe.sql");

pub(super) async fn claim(db: &SqliteStore, request: &ClaimRequest) -> Result<Vec<ClaimedTask>> {
    if request.max == 0 || request.queues.is_empty() {
        return Ok(Vec::new());
    }
    let now = clock::now();
    let mut tx = db.writer.begin_with("BEGIN IMMEDIATE").await?;
    let ids: Vec<i64> = sqlx::query_scalar(TAKE)
        .bind(json_list(&request.queues)?)
        .bind(i64::try_from(request.max).unwrap_or(i64::MAX))
        .bind(&request.worker_id)
        .bind(ts(now))
        .bind(ts(clock::add(now, request.lease)))
        .fetch_all(&mut *tx)
        .await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = json_list(&ids)?;
    sqlx::query(RECORD_ATTEMPTS)
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    let rows: Vec<ClaimedRow> = sqlx::query_as(DESCRIBE)
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    db.wake(StoreEvent::TasksClaimed);
    Ok(rows.into_iter().map(ClaimedTask::from).collect())
}
