//! Users, API tokens and dashboard sessions. Only hashes are stored.

use chrono::{DateTime, Utc};

use super::{SqliteStore, found, ts, ts_opt};
use crate::clock;
use crate::error::Result;
use crate::model::{
    ApiTokenRecord, NewApiToken, NewSession, NewUser, Role, SessionRecord, UserRecord,
};
use crate::rows::{ApiTokenRow, SessionRow, UserRow, convert};

const CREATE_USER: &str = include_str!("queries/auth/create_user.sql");
const GET_USER: &str = include_str!("queries/auth/get_user.sql");
const LIST_USERS: &str = include_str!("queries/auth/list_users.sql");
const UPDATE_USER: &str = include_str!("queries/auth/update_user.sql");
const DELETE_USER: &str = include_str!("queries/auth/delete_user.sql");
const DELETE_USER_SESSIONS: &str = include_str!("queries/auth/delete_user_sessions.sql");
const CREATE_TOKEN: &str = include_str!("queries/auth/create_token.sql");
const FIND_TOKEN: &str = include_str!("queries/auth/find_token.sql");
const TOUCH_TOKEN: &str = include_str!("queries/auth/touch_token.sql");
const LIST_TOKENS: &str = include_str!("queries/auth/list_tokens.sql");
const REVOKE_TOKEN: &str = include_str!("queries/auth/revoke_token.sql");
const CREATE_SESSION: &str = include_str!("queries/auth/create_session.sql");
const GET_SESSION: &str = include_str!("queries/auth/get_session.sql");
const DELETE_SESSION: &str = include_str!("queries/auth/delete_session.sql");
const DELETE_EXPIRED_SESSIONS: &str = include_str!("queries/auth/delete_expired_sessions.sql");

pub(super) async fn create_user(db: &SqliteStore, user: &NewUser) -> Result<UserRecord> {
    let row: UserRow = sqlx::query_as(CREATE_USER)
        .bind(&user.username)
        .bind(&user.password_hash)
        .bind(user.role.as_str())
        .bind(ts(clock::now()))
        .fetch_one(&db.writer)
        .await?;
    row.try_into()
}

pub(super) async fn get_user(db: &SqliteStore, username: &str) -> Result<Option<UserRecord>> {
    let row: Option<UserRow> = sqlx::query_as(GET_USER)
        .bind(username)
        .fetch_optional(&db.reader)
        .await?;
    row.map(UserRecord::try_from).transpose()
}

pub(super) async fn list_users(db: &SqliteStore) -> Result<Vec<UserRecord>> {
    let rows: Vec<UserRow> = sqlx::query_as(LIST_USERS).fetch_all(&db.reader).await?;
    convert(rows)
}

pub(super) async fn update_user(
    db: &SqliteStore,
    username: &str,
    password_hash: &str,
    role: Role,
) -> Result<()> {
    let mut tx = db.writer.begin_with("BEGIN IMMEDIATE").await?;
    let before: Option<UserRow> = sqlx::query_as(GET_USER)
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?;
    let before: Option<UserRecord> = before.map(UserRecord::try_from).transpose()?;
    let done = sqlx::query(UPDATE_USER)
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(ts(clock::now()))
        .execute(&mut *tx)
        .await?;
    found(done.rows_affected(), || format!("user `{username}`"))?;
    if let Some(before) = before.filter(|b| b.password_hash != password_hash) {
        sqlx::query(DELETE_USER_SESSIONS)
            .bind(before.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn delete_user(db: &SqliteStore, username: &str) -> Result<bool> {
    let done = sqlx::query(DELETE_USER)
        .bind(username)
        .execute(&db.writer)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn create_token(db: &SqliteStore, token: &NewApiToken) -> Result<ApiTokenRecord> {
    let row: ApiTokenRow = sqlx::query_as(CREATE_TOKEN)
        .bind(&token.name)
        .bind(&token.token_hash)
        .bind(&token.prefix)
        .bind(token.role.as_str())
        .bind(token.created_by.as_deref())
        .bind(ts_opt(token.expires_at))
        .bind(ts(clock::now()))
        .fetch_one(&db.writer)
        .await?;
    row.try_into()
}

pub(super) async fn find_token(
    db: &SqliteStore,
    token_hash: &str,
) -> Result<Option<ApiTokenRecord>> {
    let row: Option<ApiTokenRow> = sqlx::query_as(FIND_TOKEN)
        .bind(token_hash)
        .fetch_optional(&db.reader)
        .await?;
    row.map(ApiTokenRecord::try_from).transpose()
}

pub(super) async fn touch_token(db: &SqliteStore, id: i64, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(TOUCH_TOKEN)
        .bind(id)
        .bind(ts(at))
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub(super) async fn list_tokens(db: &SqliteStore) -> Result<Vec<ApiTokenRecord>> {
    let rows: Vec<ApiTokenRow> = sqlx::query_as(LIST_TOKENS).fetch_all(&db.reader).await?;
    convert(rows)
}

pub(super) async fn revoke_token(db: &SqliteStore, id: i64) -> Result<bool> {
    let done = sqlx::query(REVOKE_TOKEN)
        .bind(id)
        .bind(ts(clock::now()))
        .execute(&db.writer)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn create_session(db: &SqliteStore, session: &NewSession) -> Result<()> {
    sqlx::query(CREATE_SESSION)
        .bind(&session.session_hash)
        .bind(session.user_id)
        .bind(&session.csrf_token)
        .bind(ts(session.expires_at))
        .bind(ts(clock::now()))
        .execute(&db.writer)
        .await?;
    Ok(())
}

pub(super) async fn get_session(
    db: &SqliteStore,
    session_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionRecord>> {
    let row: Option<SessionRow> = sqlx::query_as(GET_SESSION)
        .bind(session_hash)
        .bind(ts(now))
        .fetch_optional(&db.reader)
        .await?;
    row.map(SessionRecord::try_from).transpose()
}

pub(super) async fn delete_session(db: &SqliteStore, session_hash: &str) -> Result<bool> {
    let done = sqlx::query(DELETE_SESSION)
        .bind(session_hash)
        .execute(&db.writer)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn delete_expired_sessions(db: &SqliteStore, now: DateTime<Utc>) -> Result<u64> {
    let done = sqlx::query(DELETE_EXPIRED_SESSIONS)
        .bind(ts(now))
        .execute(&db.writer)
        .await?;
    Ok(done.rows_affected())
}
