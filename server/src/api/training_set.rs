//! A training set without leakage: entity rows with timestamps in, each row with a feature
//! view's values as of its own timestamp out (the lake's point-in-time join).
//!
//! `POST /features/{view}/historical` and `weir features historical` share this, so that both
//! check rows alike: every row needs the view's key columns and a timestamp (RFC 3339, or a
//! date; a time without an offset is UTC), key values are read in the type of the view's key
//! column (the text `42` finds the integer key 42), and every other column (a label, a row id)
//! passes through untouched. Only the keys and the timestamp reach the join, so a column the
//! view does not know never fails it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Number, Value};
use weir_lake::materialize::{AS_OF, HistoricalRequest};
use weir_lake::{DatasetName, Lake, LakeError};
use weir_store::{FeatureViewInfo, FeatureViewRecord};

/// The most entity rows one join takes.
pub const MAX_ROWS: usize = 100_000;
/// The column holding each row's time, unless the request names another.
pub const DEFAULT_TIMESTAMP_COLUMN: &str = "ts";
/// The column each answered row gains: the as-of time of the snapshot its features come from
/// (null when no snapshot is as old as the row).
pub const AS_OF_COLUMN: &str = AS_OF;
/// Problems reported at once; a file with a million bad rows needs only the first few.
const MAX_PROBLEMS: usize = 20;

/// One wrong cell of the entity rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RowProblem {
    /// 0-based index into the rows.
    pub row: usize,
    pub column: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TrainingSetError {
    #[error("{rows} entity rows: at most {MAX_ROWS} are joined at once (hint: split them)")]
    TooManyRows { rows: usize },
    /// Rows that cannot be joined; the first few problems (`total` counts them all).
    #[error("{}", describe(.problems, *.total))]
    BadRows {
        problems: Vec<RowProblem>,
        total: usize,
    },
    /// The timestamp column is named like a key or a feature of the view.
    #[error("{0}")]
    BadTimestampColumn(String),
    /// The view is registered, but this lake has no offline store for it.
    #[error(
        "feature view `{view}` has no offline store `features.{view}` in the lake {lake} (hint: give the server and the workers the same WEIR_LAKE_URL)"
    )]
    NotInLake { view: String, lake: String },
    #[error("the point-in-time join answered {got} rows for {sent}")]
    RowCount { sent: usize, got: usize },
    #[error(transparent)]
    Lake(#[from] LakeError),
}

fn describe(problems: &[RowProblem], total: usize) -> String {
    let first = problems
        .first()
        .map(|p| format!("row {}, column `{}`: {}", p.row, p.column, p.message))
        .unwrap_or_default();
    match total {
        0 | 1 => first,
        n => format!("{first} (and {} more problems)", n - 1),
    }
}

/// The answer: each row as given, then the view's features, then [`AS_OF_COLUMN`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingSet {
    /// The features each row gained, in the view's order.
    pub features: Vec<String>,
    pub rows: Vec<Map<String, Value>>,
}

impl TrainingSet {
    /// Rows whose time is before the view's first snapshot: their features are null.
    pub fn rows_without_snapshot(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.get(AS_OF_COLUMN).is_none_or(Value::is_null))
            .count()
    }
}

/// The registered view named `view`, or a message that lists the known ones.
pub fn find_view(views: Vec<FeatureViewRecord>, view: &str) -> Result<FeatureViewInfo, String> {
    let mut known = Vec::new();
    for v in views {
        if v.info.view == view {
            return Ok(v.info);
        }
        known.push(v.info.view);
    }
    Err(format!(
        "no feature view `{view}`; known: {}",
        if known.is_empty() {
            "none yet (hint: a materialize task creates one)".to_string()
        } else {
            known.join(", ")
        }
    ))
}

/// Joins `rows` with `view`'s offline store, each row as of its value in `timestamp`.
pub async fn build(
    lake: &Lake,
    view: &FeatureViewInfo,
    timestamp: &str,
    rows: Vec<Map<String, Value>>,
) -> Result<TrainingSet, TrainingSetError> {
    if rows.len() > MAX_ROWS {
        return Err(TrainingSetError::TooManyRows { rows: rows.len() });
    }
    check_timestamp_column(view, timestamp)?;
    let name = DatasetName::features(&view.view)?;
    let Some(table) = lake.try_table(&name).await? else {
        return Err(TrainingSetError::NotInLake {
            view: view.view.clone(),
            lake: lake.root().to_string(),
        });
    };
    let schema = lake.describe(&name, &table)?.schema;
    let kinds: HashMap<&str, KeyKind> = schema
        .iter()
        .map(|c| (c.name.as_str(), KeyKind::of(&c.data_type)))
        .collect();
    let keys: Vec<(&str, KeyKind)> = view
        .entity
        .iter()
        .map(|k| {
            (
                k.as_str(),
                kinds.get(k.as_str()).copied().unwrap_or_default(),
            )
        })
        .collect();

    let mut check = RowCheck {
        view,
        keys: &keys,
        timestamp,
        problems: Problems::default(),
        clashes: HashSet::new(),
    };
    let join_rows: Vec<_> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| check.join_row(i, row))
        .collect();
    let problems = check.problems;
    if problems.total > 0 {
        return Err(TrainingSetError::BadRows {
            problems: problems.list,
            total: problems.total,
        });
    }
    if rows.is_empty() {
        return Ok(TrainingSet {
            features: view.features.clone(),
            rows,
        });
    }
    let request = HistoricalRequest::from_json(&view.view, timestamp, &join_rows)?;
    let joined = lake.historical_features_json(&request).await?;
    if joined.len() != rows.len() {
        return Err(TrainingSetError::RowCount {
            sent: rows.len(),
            got: joined.len(),
        });
    }
    let rows = rows
        .into_iter()
        .zip(joined)
        .map(|(mut row, found)| {
            for f in view
                .features
                .iter()
                .map(String::as_str)
                .chain([AS_OF_COLUMN])
            {
                row.insert(f.to_string(), found.get(f).cloned().unwrap_or(Value::Null));
            }
            row
        })
        .collect();
    Ok(TrainingSet {
        features: view.features.clone(),
        rows,
    })
}

fn check_timestamp_column(view: &FeatureViewInfo, timestamp: &str) -> Result<(), TrainingSetError> {
    let clash = if timestamp.trim().is_empty() {
        Some("it is empty".to_string())
    } else if view.entity.iter().any(|k| k == timestamp) {
        Some(format!(
            "it is a key column of feature view `{}`",
            view.view
        ))
    } else if view.features.iter().any(|f| f == timestamp) || timestamp == AS_OF_COLUMN {
        Some(format!(
            "feature view `{}` answers a column of that name",
            view.view
        ))
    } else {
        None
    };
    match clash {
        Some(why) => Err(TrainingSetError::BadTimestampColumn(format!(
            "the timestamp column `{timestamp}` cannot be used: {why}"
        ))),
        None => Ok(()),
    }
}

#[derive(Default)]
struct Problems {
    list: Vec<RowProblem>,
    total: usize,
}

impl Problems {
    fn add(&mut self, row: usize, column: &str, message: String) {
        self.total += 1;
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(RowProblem {
                row,
                column: column.to_string(),
                message,
            });
        }
    }
}

/// Checks the rows one by one, collecting what is wrong with them.
struct RowCheck<'a> {
    view: &'a FeatureViewInfo,
    keys: &'a [(&'a str, KeyKind)],
    timestamp: &'a str,
    problems: Problems,
    /// Passed-through columns already reported for shadowing an answered one.
    clashes: HashSet<String>,
}

impl RowCheck<'_> {
    /// The part of row `i` the join sees: its keys, typed, and its time as RFC 3339 in UTC.
    fn join_row(&mut self, i: usize, row: &Map<String, Value>) -> Map<String, Value> {
        let (view, timestamp) = (&self.view.view, self.timestamp);
        let mut out = Map::new();
        for &(key, kind) in self.keys {
            match row.get(key).filter(|v| !v.is_null()) {
                None => self.problems.add(
                    i,
                    key,
                    format!("missing the key column `{key}` of feature view `{view}`"),
                ),
                Some(v) => match kind.read(v) {
                    Ok(v) => {
                        out.insert(key.to_string(), v);
                    }
                    Err(why) => self.problems.add(i, key, why),
                },
            }
        }
        match row.get(timestamp).filter(|v| !v.is_null()) {
            None => self.problems.add(
                i,
                timestamp,
                format!("missing the timestamp column `{timestamp}`"),
            ),
            Some(v) => match parse_time(v) {
                Some(at) => {
                    out.insert(
                        timestamp.to_string(),
                        at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string().into(),
                    );
                }
                None => self.problems.add(
                    i,
                    timestamp,
                    format!(
                        "{v} is not a timestamp (hint: RFC 3339 such as 2026-03-01T00:00:00Z, or a date such as 2026-03-01)"
                    ),
                ),
            },
        }
        // A passed-through column named like an answered one would be overwritten.
        for column in row.keys() {
            let answered = self.view.features.contains(column) || column == AS_OF_COLUMN;
            if answered && self.clashes.insert(column.clone()) {
                self.problems.add(
                    i,
                    column,
                    format!(
                        "feature view `{view}` answers a column of this name: rename or drop it"
                    ),
                );
            }
        }
        out
    }
}

/// A row's time: RFC 3339, a date-time without an offset (UTC), or a date (its midnight, UTC).
pub fn parse_time(value: &Value) -> Option<DateTime<Utc>> {
    let text = value.as_str()?.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z") {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// How a key column of the view is typed, so that a row's value can be read in that type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum KeyKind {
    Text,
    Integer,
    Float,
    /// Booleans, dates and the like: the value goes to the join as given.
    #[default]
    Other,
}

impl KeyKind {
    /// From an Arrow type's name, as the lake describes a column (`Utf8`, `Int64`, ...).
    fn of(data_type: &str) -> KeyKind {
        if data_type.contains("Utf8") {
            KeyKind::Text
        } else if data_type.starts_with("Int") || data_type.starts_with("UInt") {
            KeyKind::Integer
        } else if data_type.starts_with("Float") || data_type.starts_with("Decimal") {
            KeyKind::Float
        } else {
            KeyKind::Other
        }
    }

    fn read(self, value: &Value) -> Result<Value, String> {
        let scalar = !matches!(value, Value::Array(_) | Value::Object(_));
        let parsed = match (self, value) {
            (_, _) if !scalar => None,
            (KeyKind::Text, Value::String(_)) => Some(value.clone()),
            (KeyKind::Text, other) => Some(Value::String(other.to_string())),
            (KeyKind::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Some(value.clone()),
            (KeyKind::Integer, Value::String(s)) => s.trim().parse::<i64>().ok().map(Value::from),
            (KeyKind::Float, Value::Number(_)) => Some(value.clone()),
            (KeyKind::Float, Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(Value::Number),
            (KeyKind::Other, v) => Some(v.clone()),
            _ => None,
        };
        parsed.ok_or_else(|| match self {
            KeyKind::Integer => format!("{value} is not an integer, as the view's key is"),
            KeyKind::Float => format!("{value} is not a number, as the view's key is"),
            _ => format!("{value} is not a key value (hint: a string or a number)"),
        })
    }
}

/// The columns of rows in the order first seen: `first` (a file's header), then any others.
pub fn columns_of(first: &[String], rows: &[Map<String, Value>]) -> Vec<String> {
    let mut seen: HashSet<String> = first.iter().cloned().collect();
    let mut out = first.to_vec();
    for row in rows {
        for k in row.keys() {
            if seen.insert(k.clone()) {
                out.push(k.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn times_are_rfc3339_naive_utc_or_dates() {
        let at = |s: &str| parse_time(&json!(s)).map(|t| t.to_rfc3339());
        let midnight = Some("2026-03-01T00:00:00+00:00".to_string());
        assert_eq!(at("2026-03-01T00:00:00Z"), midnight);
        assert_eq!(at("2026-03-01T01:00:00+01:00"), midnight);
        assert_eq!(at("2026-03-01 00:00:00"), midnight);
        assert_eq!(at("2026-03-01T00:00:00.000"), midnight);
        assert_eq!(at("2026-03-01"), midnight);
        assert_eq!(at("yesterday"), None);
        assert_eq!(at("2026-13-01"), None);
        assert_eq!(parse_time(&json!(1_772_323_200)), None);
    }

    #[test]
    fn keys_are_read_in_the_views_type() {
        assert_eq!(KeyKind::of("Utf8View"), KeyKind::Text);
        assert_eq!(KeyKind::of("Int64"), KeyKind::Integer);
        assert_eq!(KeyKind::Integer.read(&json!("42")), Ok(json!(42)));
        assert_eq!(KeyKind::Text.read(&json!(42)), Ok(json!("42")));
        assert_eq!(KeyKind::Float.read(&json!("1.5")), Ok(json!(1.5)));
        assert!(KeyKind::Integer.read(&json!("u1")).is_err());
        assert!(KeyKind::Text.read(&json!({"a": 1})).is_err());
    }

    #[test]
    fn unknown_views_list_the_known_ones() {
        let err = find_view(Vec::new(), "x").unwrap_err();
        assert!(err.contains("none yet"), "{err}");
    }
}
