//! Columns named by validate and materialize tasks, checked against a schema that an ingest
//! task of the same DAG declares for the dataset, so a misspelt column fails at parse time.

use std::collections::HashMap;

use super::reader::Ctx;
use super::task::TaskDraft;
use crate::dag::task_types::LINEAGE_COLUMNS;
use crate::diag::{Code, did_you_mean};

pub(super) fn check_columns(ctx: &mut Ctx<'_>, drafts: &[TaskDraft]) {
    let declared: HashMap<&str, &[String]> = drafts
        .iter()
        .filter_map(|d| d.produces.as_ref())
        .map(|(dataset, columns)| (dataset.as_str(), columns.as_slice()))
        .collect();
    if declared.is_empty() {
        return;
    }
    for draft in drafts {
        for col in &draft.columns {
            let Some(columns) = declared.get(col.dataset.as_str()) else {
                continue;
            };
            let known = columns.iter().any(|c| c == &col.column)
                || LINEAGE_COLUMNS.contains(&col.column.as_str());
            if known {
                continue;
            }
            let hint = match did_you_mean(&col.column, columns.iter().map(String::as_str)) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!("`{}` has the columns {}", col.dataset, columns.join(", ")),
            };
            ctx.error(
                col.span,
                Code::UnknownColumn,
                format!(
                    "task `{}` names column `{}`, which the declared schema of `{}` does not have",
                    draft.task.task_id, col.column, col.dataset
                ),
            )
            .hint = Some(hint);
        }
    }
}
