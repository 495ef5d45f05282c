//! DAG files that did not load, each mistake with its position and hint.

use askama::Template;
use axum::extract::State;

use super::page::{Chrome, Nav, PageResult, render};
use crate::api::views::ImportErrorView;
use crate::app::AppState;
use crate::auth::WebUser;

#[derive(Template)]
#[template(path = "import_errors.html")]
struct ImportErrorsPage {
    chrome: Chrome,
    errors: Vec<ImportErrorView>,
}

pub async fn page(State(state): State<AppState>, WebUser(user): WebUser) -> PageResult {
    let errors = state.store.list_import_errors().await?;
    render(&ImportErrorsPage {
        chrome: Chrome::new(&user, Nav::ImportErrors, "Import errors"),
        errors: errors.iter().map(ImportErrorView::from).collect(),
    })
}
