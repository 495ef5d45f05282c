//! Backfills with their progress; operators start and cancel them (through the API).

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;

use super::format;
use super::page::{Chrome, Nav, PageResult, render};
use crate::api::extract::check_id;
use crate::api::views::BackfillView;
use crate::app::AppState;
use crate::auth::WebUser;

#[derive(Debug, Deserialize)]
pub struct BackfillsQuery {
    dag_id: Option<String>,
    fragment: Option<String>,
}

struct Row {
    b: BackfillView,
    range: String,
    created: String,
    done_pct: i64,
}

#[derive(Template)]
#[template(path = "backfills.html", blocks = ["live"])]
struct BackfillsPage {
    chrome: Chrome,
    rows: Vec<Row>,
    dag_id: String,
    live_url: String,
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Query(query): Query<BackfillsQuery>,
) -> PageResult {
    let dag_id = query.dag_id.filter(|d| !d.is_empty());
    if let Some(d) = &dag_id {
        check_id("DAG", d)?;
    }
    let list = state.store.list_backfills(dag_id.as_deref()).await?;
    let rows = list
        .iter()
        .map(|b| {
            let b = BackfillView::from(b);
            Row {
                range: format!(
                    "{} → {}",
                    format::time(b.from_date),
                    format::time(b.to_date)
                ),
                created: format::time(b.created_at),
                done_pct: if b.runs_total > 0 {
                    (b.runs_success + b.runs_failed) * 100 / b.runs_total
                } else {
                    0
                },
                b,
            }
        })
        .collect();
    let page = BackfillsPage {
        chrome: Chrome::new(&user, Nav::Backfills, "Backfills"),
        rows,
        live_url: format!(
            "/backfills?fragment=live&dag_id={}",
            crate::auth::principal::encode_query(dag_id.as_deref().unwrap_or_default())
        ),
        dag_id: dag_id.unwrap_or_default(),
    };
    if query.fragment.is_some() {
        return render(&page.as_live());
    }
    render(&page)
}
