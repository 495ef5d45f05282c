//! Users and API tokens (admins only): create, change roles, delete, revoke, through the API.
//! A new token is shown once, in the page, and never again.

use askama::Template;
use axum::extract::State;
use weir_store::Role;

use super::format;
use super::page::{Chrome, Nav, PageResult, render};
use crate::app::AppState;
use crate::auth::WebUser;

struct UserRow {
    username: String,
    role: &'static str,
    created: String,
}

struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    role: &'static str,
    created: String,
    created_by: String,
    expires: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "access.html")]
struct AccessPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    tokens: Vec<TokenRow>,
    roles: [&'static str; 3],
}

pub async fn page(State(state): State<AppState>, WebUser(user): WebUser) -> PageResult {
    user.require(Role::Admin)?;
    let (users, tokens) =
        tokio::try_join!(state.store.list_users(), state.store.list_api_tokens())?;
    render(&AccessPage {
        chrome: Chrome::new(&user, Nav::Access, "Users and tokens"),
        users: users
            .iter()
            .map(|u| UserRow {
                username: u.username.clone(),
                role: u.role.as_str(),
                created: format::time(u.created_at),
            })
            .collect(),
        tokens: tokens
            .iter()
            .map(|t| TokenRow {
                id: t.id,
                name: t.name.clone(),
                prefix: t.prefix.clone(),
                role: t.role.as_str(),
                created: format::time(t.created_at),
                created_by: t.created_by.clone().unwrap_or_default(),
                expires: t
                    .expires_at
                    .map(format::time)
                    .unwrap_or_else(|| "never".into()),
                last_used: format::opt_time(t.last_used_at),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
        roles: ["viewer", "operator", "admin"],
    })
}
