//! A dataset's validation reports: the history (newest first, paged) and one report with each
//! expectation's result and its sample failing rows.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use super::dataset::no_such_dataset;
use super::lake_names::check_dataset;
use super::page::{Chrome, Nav, PageResult, render};
use super::pager::Pager;
use super::validation_report::{ExpectationRow, ValidationRow, expectations};
use crate::api::extract::PageParams;
use crate::api::problem::ApiError;
use crate::app::AppState;
use crate::auth::WebUser;
use crate::auth::principal::encode_query;

/// As many reports as the API reads for a dataset.
const MAX_HISTORY: i64 = 10_000;

#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    limit: Option<i64>,
    offset: Option<i64>,
    fragment: Option<String>,
}

#[derive(Template)]
#[template(path = "validations.html", blocks = ["live"])]
struct HistoryPage {
    chrome: Chrome,
    name: String,
    rows: Vec<ValidationRow>,
    pager: Pager,
}

pub async fn history(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(name): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> PageResult {
    check_dataset(&name)?;
    let (limit, offset) = PageParams {
        limit: query.limit,
        offset: query.offset,
    }
    .resolve()?;
    let (history, versions) = tokio::try_join!(
        state.store.validation_history(&name, MAX_HISTORY),
        state.store.dataset_versions(&name, 1),
    )?;
    if history.is_empty() && versions.is_empty() {
        return Err(no_such_dataset(&name));
    }
    let page = HistoryPage {
        chrome: Chrome::new(&user, Nav::Datasets, format!("{name} validations")),
        rows: history
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(ValidationRow::new)
            .collect(),
        pager: Pager::new(
            &format!("/datasets/{}/validations", encode_query(&name)),
            &[],
            history.len() as i64,
            limit,
            offset,
        )
        .newest_first(),
        name,
    };
    if query.fragment.is_some() {
        return render(&page.as_live());
    }
    render(&page)
}

#[derive(Template)]
#[template(path = "validation.html")]
struct ReportPage {
    chrome: Chrome,
    name: String,
    v: ValidationRow,
    expectations: Vec<ExpectationRow>,
}

pub async fn report(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path((name, id)): Path<(String, String)>,
) -> PageResult {
    check_dataset(&name)?;
    // Parsed here, not by the extractor, so that a bad id gets the HTML error page.
    let id: i64 = id.parse().map_err(|_| {
        ApiError::BadRequest("a validation is named by its number: `validations/12`".into())
    })?;
    // The store reads a dataset's history, not one report by id: find it there.
    let history = state.store.validation_history(&name, MAX_HISTORY).await?;
    let Some(found) = history.iter().find(|v| v.id == id) else {
        return Err(ApiError::NotFound(format!(
            "dataset `{name}` has no validation {id}: its history lists the ones it has"
        ))
        .into());
    };
    render(&ReportPage {
        chrome: Chrome::new(&user, Nav::Datasets, format!("{name} validation {id}")),
        v: ValidationRow::new(found),
        expectations: expectations(&found.validation.results),
        name,
    })
}
