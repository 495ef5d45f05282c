//! Connections to the databases tasks read: set, look up, list (masked), delete.

use sqlx::PgPool;
use weir_core::connection::ConnectionUrl;

use crate::clock;
use crate::error::Result;
use crate::model::ConnectionRecord;
use crate::rows::ConnectionRow;
use crate::rules;

const SET: &str = include_str!("queries/connections/set.sql");
const GET_URL: &str = include_str!("queries/connections/get_url.sql");
const LIST: &str = include_str!("queries/connections/list.sql");
const DELETE: &str = include_str!("queries/connections/delete.sql");

pub(super) async fn set(
    pool: &PgPool,
    name: &str,
    url: &ConnectionUrl,
    description: Option<&str>,
) -> Result<()> {
    rules::check_connection(name, url.expose())?;
    sqlx::query(SET)
        .bind(name)
        .bind(url.expose())
        .bind(description)
        .bind(clock::now())
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn url(pool: &PgPool, name: &str) -> Result<Option<ConnectionUrl>> {
    let url: Option<String> = sqlx::query_scalar(GET_URL)
        .bind(name)
        .fetch_optional(pool)
        .await?;
    Ok(url.map(ConnectionUrl::new))
}

pub(super) async fn list(pool: &PgPool) -> Result<Vec<ConnectionRecord>> {
    let rows: Vec<ConnectionRow> = sqlx::query_as(LIST).fetch_all(pool).await?;
    Ok(rows.into_iter().map(ConnectionRecord::from).collect())
}

pub(super) async fn delete(pool: &PgPool, name: &str) -> Result<bool> {
    let done = sqlx::query(DELETE).bind(name).execute(pool).await?;
    Ok(done.rows_affected() > 0)
}
