//! `GET /login`: the form that posts to `POST /login` (auth/session.rs).

use askama::Template;
use axum::extract::Query;
use serde::Deserialize;

use super::assets;
use super::page::{PageResult, render};
use crate::auth::session::safe_next;

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    failed: bool,
    css: String,
    favicon: String,
}

pub async fn page(Query(query): Query<LoginQuery>) -> PageResult {
    render(&LoginPage {
        // Only a path on this server goes back into the form.
        next: safe_next(query.next.as_deref()),
        failed: query.error.is_some(),
        css: assets::url("weir.css"),
        favicon: assets::url("favicon.svg"),
    })
}
