//! Feature views: each view with its entity and feature columns, its source, how fresh its
//! newest materialization is (flagged past two days), paged, live.

use askama::Template;
use axum::extract::{Query, State};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use weir_store::FeatureViewRecord;

use super::format;
use super::lake_names;
use super::page::{Chrome, Nav, PageResult, render};
use super::pager::Pager;
use crate::api::extract::PageParams;
use crate::app::AppState;
use crate::auth::WebUser;

/// A view whose newest as-of time is older than this is flagged stale: a daily job that
/// missed a day and then another.
pub const STALE_AFTER: TimeDelta = TimeDelta::days(2);

#[derive(Debug, Deserialize)]
pub struct FeaturesQuery {
    limit: Option<i64>,
    offset: Option<i64>,
    fragment: Option<String>,
}

/// A feature view as the list and its page show it.
pub struct ViewRow {
    pub view: String,
    pub entity: Vec<String>,
    pub features: Vec<String>,
    pub source: Option<String>,
    /// Whether `source` is a dataset name the page can link.
    pub source_links: bool,
    pub as_of: String,
    /// How old the newest as-of time is.
    pub age: String,
    pub stale: bool,
    pub rows: String,
    pub version: i64,
    pub dag_id: Option<String>,
    pub task_id: Option<String>,
    pub updated: String,
}

impl ViewRow {
    pub fn new(v: &FeatureViewRecord, now: DateTime<Utc>) -> Self {
        let info = &v.info;
        let age = now - info.as_of;
        ViewRow {
            view: info.view.clone(),
            entity: info.entity.clone(),
            features: info.features.clone(),
            source_links: info.source.as_deref().is_some_and(lake_names::is_dataset),
            source: info.source.clone(),
            as_of: format::time(info.as_of),
            age: format::age(age.num_milliseconds() as f64 / 1000.0),
            stale: age > STALE_AFTER,
            rows: format::count(info.rows),
            version: info.version,
            dag_id: info.dag_id.clone(),
            task_id: info.task_id.clone(),
            updated: format::time(v.updated_at),
        }
    }
}

#[derive(Template)]
#[template(path = "features.html", blocks = ["live"])]
struct FeaturesPage {
    chrome: Chrome,
    rows: Vec<ViewRow>,
    pager: Pager,
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<FeaturesQuery>,
) -> PageResult {
    let (limit, offset) = PageParams {
        limit: query.limit,
        offset: query.offset,
    }
    .resolve()?;
    let views = state.store.list_feature_views().await?;
    let now = Utc::now();
    let page = FeaturesPage {
        chrome: Chrome::new(&user, Nav::Features, "Feature views"),
        rows: views
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|v| ViewRow::new(v, now))
            .collect(),
        pager: Pager::new("/features", &[], views.len() as i64, limit, offset),
    };
    if query.fragment.is_some() {
        return render(&page.as_live());
    }
    render(&page)
}
