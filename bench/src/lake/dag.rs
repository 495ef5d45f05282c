//! The benchmark's DAG: `ingest_clicks -> validate_clicks -> user_stats` over the generated
//! CSV, written to a file so that the in-process tasks and `weir tasks test` run the very same
//! task definitions.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub const DAG_ID: &str = "lake_bench";
pub const INGEST: &str = "ingest_clicks";
pub const VALIDATE: &str = "validate_clicks";
pub const MATERIALIZE: &str = "user_stats";
/// The dataset the ingest writes and the other two read.
pub const DATASET: &str = "raw.clicks";
/// The feature view, and so the online store's view name.
pub const VIEW: &str = "user_stats";
/// The expectations of `validate_clicks`.
pub const EXPECTATIONS: usize = 6;
/// The features of `user_stats`.
pub const FEATURES: usize = 5;

/// The DAG's YAML for a CSV at `csv`: no templates, so it runs the same on every date.
pub fn yaml(csv: &Path, start_date: NaiveDate) -> String {
    // A JSON string is a YAML double-quoted scalar: any path is quoted safely.
    let path = serde_json::to_string(&csv.display().to_string()).expect("a string serializes");
    format!(
        r#"dag_id: {DAG_ID}
description: The lake benchmark's data tasks on generated clickstream.
timezone: UTC
start_date: {start_date}
tasks:
  {INGEST}:
    type: ingest
    source:
      format: csv
      path: {path}
    into: {DATASET}
    schema:
      event_id: string
      user_id: string
      item_id: string
      event_type: string
      amount: float64
      ts: timestamp
  {VALIDATE}:
    type: validate
    needs: {INGEST}
    dataset: {DATASET}
    expect:
      - not_null: user_id
      - unique: event_id
      - between: {{column: amount, min: 0, max: 10000}}
      - in_set: {{column: event_type, values: [view, click, purchase]}}
      - row_count: {{min: 1}}
      - not_null: ts
  {MATERIALIZE}:
    type: materialize
    needs: {VALIDATE}
    source: {DATASET}
    entity: user_id
    timestamp: ts
    window: 7d
    features:
      events: count(*)
      spend: sum(amount)
      purchases:
        expr: count(*)
        filter: "event_type = 'purchase'"
      distinct_items: count(distinct item_id)
      last_amount: last_value(amount)
"#
    )
}

/// Writes the DAG into `folder` (a DAG folder of its own) and returns the file's path.
pub fn write(folder: &Path, csv: &Path, start_date: NaiveDate) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(folder)?;
    let path = folder.join(format!("{DAG_ID}.yaml"));
    std::fs::write(&path, yaml(csv, start_date))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use weir_core::dag::TaskKind;

    #[test]
    fn the_dag_parses_with_its_three_data_tasks() {
        let csv = Path::new("/tmp/a folder/with \"quotes\"/clicks.csv");
        let source = yaml(csv, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        let dag = weir_core::dag::parse_str("lake_bench.yaml", &source)
            .unwrap_or_else(|e| panic!("{e:?}\n{source}"));
        assert_eq!(dag.dag_id.as_str(), DAG_ID);
        let TaskKind::Ingest(ingest) = &dag.task(INGEST).unwrap().kind else {
            panic!("{INGEST} is an ingest");
        };
        assert_eq!(ingest.source.path.as_deref(), Some(csv.to_str().unwrap()));
        assert_eq!(ingest.into, DATASET);
        let TaskKind::Validate(validate) = &dag.task(VALIDATE).unwrap().kind else {
            panic!("{VALIDATE} is a validate");
        };
        assert_eq!(validate.expect.len(), EXPECTATIONS);
        let TaskKind::Materialize(view) = &dag.task(MATERIALIZE).unwrap().kind else {
            panic!("{MATERIALIZE} is a materialize");
        };
        assert_eq!((view.view.as_str(), view.features.len()), (VIEW, FEATURES));
        assert!(view.online);
    }
}
