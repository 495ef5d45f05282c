//! Datasets: every dataset of the lake with its latest version (rows, bytes, the task that
//! wrote it, when), paged, live.

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use weir_store::DatasetVersionRecord;

use super::format;
use super::page::{Chrome, Nav, PageResult, render};
use super::pager::Pager;
use crate::api::extract::PageParams;
use crate::app::AppState;
use crate::auth::WebUser;

#[derive(Debug, Deserialize)]
pub struct DatasetsQuery {
    limit: Option<i64>,
    offset: Option<i64>,
    fragment: Option<String>,
}

/// A dataset version as the lists show it (here the latest; on a dataset's page each one).
pub struct VersionRow {
    pub dataset: String,
    pub version: i64,
    pub operation: String,
    pub rows: String,
    pub bytes: String,
    pub dag_id: Option<String>,
    pub run_id: Option<String>,
    pub task_id: Option<String>,
    pub committed: String,
    pub inputs: Vec<String>,
}

impl VersionRow {
    pub fn new(v: &DatasetVersionRecord) -> Self {
        VersionRow {
            dataset: v.dataset.clone(),
            version: v.version,
            operation: v.operation.clone(),
            rows: format::count(v.rows),
            bytes: format::bytes(v.bytes),
            dag_id: v.dag_id.clone(),
            run_id: v.run_id.clone(),
            task_id: v.task_id.clone(),
            committed: format::time(v.committed_at),
            inputs: v.inputs.clone(),
        }
    }
}

struct DatasetRow {
    latest: VersionRow,
    versions: i64,
}

#[derive(Template)]
#[template(path = "datasets.html", blocks = ["live"])]
struct DatasetsPage {
    chrome: Chrome,
    rows: Vec<DatasetRow>,
    pager: Pager,
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<DatasetsQuery>,
) -> PageResult {
    let (limit, offset) = PageParams {
        limit: query.limit,
        offset: query.offset,
    }
    .resolve()?;
    // The registry is one row per dataset: read whole, as the API does, and paged here.
    let datasets = state.store.list_datasets().await?;
    let total = datasets.len() as i64;
    let rows = datasets
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|d| DatasetRow {
            latest: VersionRow::new(&d.latest),
            versions: d.versions,
        })
        .collect();
    let page = DatasetsPage {
        chrome: Chrome::new(&user, Nav::Datasets, "Datasets"),
        rows,
        pager: Pager::new("/datasets", &[], total, limit, offset),
    };
    if query.fragment.is_some() {
        return render(&page.as_live());
    }
    render(&page)
}
