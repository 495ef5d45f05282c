//! A DAG's YAML at one version (the latest, a chosen one, or the one a run used) with line
//! numbers, and a line diff between two versions.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use similar::{ChangeTag, TextDiff};

use super::dag_header::{self, DagHeader};
use super::format;
use super::page::{Chrome, Nav, PageError, PageResult, render};
use crate::api::dags::version_source;
use crate::api::runs::find_run;
use crate::app::AppState;
use crate::auth::WebUser;

#[derive(Debug, Deserialize)]
pub struct CodeQuery {
    version: Option<i32>,
    /// Show the version this run used.
    run_id: Option<String>,
    /// Compare `version` with this older (or newer) version.
    diff: Option<i32>,
}

struct Line {
    number: usize,
    text: String,
}

struct DiffLine {
    sign: &'static str,
    class: &'static str,
    old: String,
    new: String,
    text: String,
}

struct VersionOption {
    version: i32,
    label: String,
}

#[derive(Template)]
#[template(path = "code.html")]
struct CodePage {
    chrome: Chrome,
    head: DagHeader,
    file: String,
    version: i32,
    versions: Vec<VersionOption>,
    lines: Vec<Line>,
    diff_with: Option<i32>,
    diff: Vec<DiffLine>,
}

pub async fn page(
    State(state): State<AppState>,
    WebUser(user): WebUser,
    Path(dag_id): Path<String>,
    Query(query): Query<CodeQuery>,
) -> PageResult {
    let (record, _) = dag_header::load(&state, &dag_id).await?;
    let versions = state.store.list_dag_versions(&dag_id).await?;
    let version = match (&query.run_id, query.version) {
        (Some(run_id), _) if !run_id.is_empty() => {
            let run = find_run(&state, &dag_id, run_id).await?;
            versions
                .iter()
                .find(|v| v.id == run.dag_version_id)
                .map(|v| v.version)
        }
        (_, Some(v)) => Some(v),
        _ => record
            .latest_version
            .or(versions.first().map(|v| v.version)),
    }
    .ok_or_else(|| PageError {
        status: axum::http::StatusCode::NOT_FOUND,
        message: format!("DAG `{dag_id}` has no stored version yet"),
    })?;
    let source = version_source(&state, &dag_id, version).await?;
    let mut diff = Vec::new();
    if let Some(other) = query.diff.filter(|d| *d != version) {
        let old = version_source(&state, &dag_id, other).await?;
        diff = line_diff(&old.source, &source.source);
    }
    let page = CodePage {
        chrome: Chrome::new(&user, Nav::Dags, format!("{dag_id} code")),
        head: DagHeader::new(&record, "code"),
        file: source.file.clone(),
        version,
        versions: versions
            .iter()
            .map(|v| VersionOption {
                version: v.version,
                label: format!(
                    "version {} · {}{}",
                    v.version,
                    format::time(v.created_at),
                    v.git_commit
                        .as_deref()
                        .map(|c| format!(" · {}", &c[..c.len().min(10)]))
                        .unwrap_or_default()
                ),
            })
            .collect(),
        lines: source
            .source
            .lines()
            .enumerate()
            .map(|(i, text)| Line {
                number: i + 1,
                text: text.to_string(),
            })
            .collect(),
        diff_with: query.diff.filter(|d| *d != version),
        diff,
    };
    render(&page)
}

/// The lines of `new` against `old`, with both line numbers.
fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    let diff = TextDiff::from_lines(old, new);
    diff.iter_all_changes()
        .map(|c| {
            let (sign, class) = match c.tag() {
                ChangeTag::Delete => ("-", "del"),
                ChangeTag::Insert => ("+", "add"),
                ChangeTag::Equal => (" ", "same"),
            };
            let num = |n: Option<usize>| n.map(|n| (n + 1).to_string()).unwrap_or_default();
            DiffLine {
                sign,
                class,
                old: num(c.old_index()),
                new: num(c.new_index()),
                text: c.value().trim_end_matches('\n').to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_numbers_both_sides() {
        let d = line_diff("a\nb\nc\n", "a\nB\nc\nd\n");
        let signs: String = d.iter().map(|l| l.sign).collect();
        assert_eq!(signs, " -+ +");
        assert_eq!((d[1].old.as_str(), d[1].new.as_str()), ("2", ""));
        assert_eq!((d[2].old.as_str(), d[2].new.as_str()), ("", "2"));
        assert_eq!(d[4].text, "d");
    }
}
