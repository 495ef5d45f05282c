//! Pools: slots and how many are in use; admins create, resize and delete them (API calls).

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::page::{Chrome, Nav, PageResult, render};
use crate::api::views::PoolView;
use crate::app::AppState;
use crate::auth::WebUser;

#[derive(Debug, Deserialize)]
pub struct PoolsQuery {
    fragment: Option<String>,
}

#[derive(Template)]
#[template(path = "pools.html", blocks = ["live"])]
struct PoolsPage {
    chrome: Chrome,
    pools: Vec<PoolView>,
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<PoolsQuery>,
) -> PageResult {
    let pools = state.store.list_pools().await?;
    let page = PoolsPage {
        chrome: Chrome::new(&user, Nav::Pools, "Pools"),
        pools: pools.iter().map(PoolView::from).collect(),
    };
    if query.fragment.is_some() {
        return render(&page.as_live());
    }
    render(&page)
}
