//! One feature view: its facts and freshness, and a lookup of one entity's online values
//! (`?entity=`, the key columns' values joined by `|`, as the online store keys them).

use askama::Template;
use axum::extract::{Path, Query, State};
use chrono::Utc;
use serde::Deserialize;

use super::features::ViewRow;
use super::format;
use super::lake_names::check_view;
use super::page::{Chrome, Nav, PageResult, render};
use crate::api::problem::ApiError;
use crate::app::AppState;
use crate::auth::WebUser;

/// The API's bound on an entity key.
const MAX_ENTITY_LEN: usize = 512;

#[derive(Debug, Deserialize)]
pub struct LookupQuery {
    entity: Option<String>,
}

/// What a lookup found: the entity's values, or why there are none.
enum Lookup {
    NotAsked,
    Invalid(String),
    Missing,
    Found {
        as_of: String,
        values: Vec<(String, String)>,
    },
}

#[derive(Template)]
#[template(path = "feature_view.html")]
struct FeatureViewPage {
    chrome: Chrome,
    v: ViewRow,
    /// The key as typed, to fill the form again.
    entity: String,
    lookup: Lookup,
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(view): Path<String>,
    Query(query): Query<LookupQuery>,
) -> PageResult {
    check_view(&view)?;
    let views = state.store.list_feature_views().await?;
    let Some(record) = views.iter().find(|v| v.info.view == view) else {
        return Err(ApiError::NotFound(format!(
            "no feature view `{view}`: the Features page lists every view"
        ))
        .into());
    };
    let entity = query.entity.unwrap_or_default();
    let lookup = if entity.is_empty() {
        Lookup::NotAsked
    } else if entity.len() > MAX_ENTITY_LEN || entity.chars().any(char::is_control) {
        Lookup::Invalid(format!(
            "an entity key is 1 to {MAX_ENTITY_LEN} printable characters"
        ))
    } else {
        match state.store.online_features(&view, &entity).await? {
            None => Lookup::Missing,
            Some(found) => Lookup::Found {
                as_of: format::time(found.as_of),
                values: values(&found.features, &record.info.features),
            },
        }
    };
    render(&FeatureViewPage {
        chrome: Chrome::new(&user, Nav::Features, format!("{view} features")),
        v: ViewRow::new(record, Utc::now()),
        entity,
        lookup,
    })
}

/// Feature name and value, in the view's feature order, then any others the row holds.
fn values(features: &serde_json::Value, order: &[String]) -> Vec<(String, String)> {
    let Some(map) = features.as_object() else {
        return vec![("value".into(), format::json_value(features))];
    };
    let known = order
        .iter()
        .filter_map(|name| map.get(name).map(|v| (name.clone(), format::json_value(v))));
    let others = map
        .iter()
        .filter(|(k, _)| !order.contains(k))
        .map(|(k, v)| (k.clone(), format::json_value(v)));
    known.chain(others).collect()
}
