//! One dataset: its versions (paged), the schema of the latest or a chosen version compared
//! with the one before, its lineage as SVG, and its latest validation.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use super::dataset_schema::SchemaView;
use super::datasets::VersionRow;
use super::lake_names::check_dataset;
use super::lineage_graph::{self, LineageGraph};
use super::page::{Chrome, Nav, PageError, PageResult, render};
use super::pager::Pager;
use super::validation_report::{ExpectationRow, ValidationRow, expectations};
use crate::api::extract::PageParams;
use crate::api::problem::ApiError;
use crate::app::AppState;
use crate::auth::WebUser;
use crate::auth::principal::encode_query;

/// As many versions as the API reads for a dataset; paged on the page.
const MAX_VERSIONS: i64 = 10_000;

#[derive(Debug, Deserialize)]
pub struct DatasetQuery {
    version: Option<i64>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[derive(Template)]
#[template(path = "dataset.html")]
struct DatasetPage {
    chrome: Chrome,
    name: String,
    latest: VersionRow,
    versions: Vec<VersionRow>,
    pager: Pager,
    /// The version whose schema is shown.
    shown: i64,
    schema: SchemaView,
    lineage: LineageGraph,
    validation: Option<ValidationRow>,
    expectations: Vec<ExpectationRow>,
}

/// The 404 for a dataset the registry does not hold; it names no other dataset.
pub fn no_such_dataset(name: &str) -> PageError {
    ApiError::NotFound(format!(
        "no dataset `{name}`: the Datasets page lists every dataset of the lake"
    ))
    .into()
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(name): Path<String>,
    Query(query): Query<DatasetQuery>,
) -> PageResult {
    check_dataset(&name)?;
    let (limit, offset) = PageParams {
        limit: query.limit,
        offset: query.offset,
    }
    .resolve()?;
    let (versions, edges, latest_validation) = tokio::try_join!(
        state.store.dataset_versions(&name, MAX_VERSIONS),
        state.store.lineage(),
        state.store.validation_history(&name, 1),
    )?;
    let Some(latest) = versions.first() else {
        return Err(no_such_dataset(&name));
    };
    // Newest first: the version before index i is at i + 1.
    let at = match query.version {
        Some(v) => versions
            .iter()
            .position(|x| x.version == v)
            .ok_or_else(|| {
                PageError::from(ApiError::NotFound(format!(
                    "dataset `{name}` has no version {v}; its latest is {}",
                    latest.version
                )))
            })?,
        None => 0,
    };
    let shown = &versions[at];
    let schema = SchemaView::compare(
        &shown.schema,
        versions.get(at + 1).map(|p| (p.version, &p.schema)),
    );
    let validation = latest_validation.first();
    let path = format!("/datasets/{}", encode_query(&name));
    let chosen = query.version.map(|v| v.to_string());
    let page = DatasetPage {
        chrome: Chrome::new(&user, Nav::Datasets, name.clone()),
        latest: VersionRow::new(latest),
        versions: versions
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(VersionRow::new)
            .collect(),
        pager: Pager::new(
            &path,
            &[("version", chosen.as_deref())],
            versions.len() as i64,
            limit,
            offset,
        )
        .newest_first(),
        shown: shown.version,
        schema,
        lineage: lineage_graph::around(&name, &edges, &versions),
        expectations: validation
            .map(|v| expectations(&v.validation.results))
            .unwrap_or_default(),
        validation: validation.map(ValidationRow::new),
        name,
    };
    render(&page)
}
