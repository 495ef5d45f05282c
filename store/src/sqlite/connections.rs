//! Connections to the databases tasks read: set, look up, list (masked), delete.

use weir_core::connection::ConnectionUrl;

use super::{SqliteStore, ts};
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
    db: &SqliteStore,
    name: &str,
    url: &ConnectionUrl,
    description: Option<&str>,
) -> Result<()> {
    rules::check_connection(name, url.expose())?;
    sqlx::query(SET)
        .bind(name)
        .bind(url.expose())
        .bind(description)
        .bind(ts(clock::now()))
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub(super) async fn url(db: &SqliteStore, name: &str) -> Result<Option<ConnectionUrl>> {
    let url: Option<String> = sqlx::query_scalar(GET_URL)
        .bind(name)
        .fetch_optional(&db.reader)
        .await?;
    Ok(url.map(ConnectionUrl::new))
}

pub(super) async fn list(db: &SqliteStore) -> Result<Vec<ConnectionRecord>> {
    let rows: Vec<ConnectionRow> = sqlx::query_as(LIST).fetch_all(&db.reader).await?;
    Ok(rows.into_iter().map(ConnectionRecord::from).collect())
}

pub(super) async fn delete(db: &SqliteStore, name: &str) -> Result<bool> {
    let done = sqlx::query(DELETE).bind(name).execute(&db.writer).await?;
    Ok(done.rows_affected() > 0)
}
