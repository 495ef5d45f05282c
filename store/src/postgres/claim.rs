//! The claim: one statement that picks, leases and records the attempt (see queries/claim.sql).

use sqlx::PgPool;

use crate::clock;
use crate::error::Result;
use crate::model::{ClaimRequest, ClaimedTask};
use crate::rows::ClaimedRow;

pub(crate) const CLAIM: &str = include_str!("queries/claim.sql");

pub(super) async fn claim(pool: &PgPool, request: &ClaimRequest) -> Result<Vec<ClaimedTask>> {
    if request.max == 0 || request.queues.is_empty() {
        return Ok(Vec::new());
    }
    let now = clock::now();
    let rows: Vec<ClaimedRow> = sqlx::query_as(CLAIM)
        .bind(&request.queues)
        .bind(i64::try_from(request.max).unwrap_or(i64::MAX))
        .bind(&request.worker_id)
        .bind(now)
        .bind(clock::add(now, request.lease))
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(ClaimedTask::from).collect())
}
