//! A validation as pages show it: its summary (success, passed / failed / warned) and each
//! expectation's result, read from the JSON the validate task stored (see weir-lake's
//! `ExpectationResult`), with its sample failing rows as a table. Each outcome has a color
//! *and* a mark (✓ passed, ✗ failed, ! warned), so it reads without colors.

use serde_json::Value;
use weir_store::ValidationRecord;

use super::format;

/// The validate task keeps at most this many failing rows per expectation; a page shows no
/// more even if a report holds more.
const SAMPLE_ROWS: usize = 20;

/// How an outcome is drawn: the state class that colors it, its mark and its word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub class: &'static str,
    pub mark: &'static str,
    pub word: &'static str,
}

pub const PASSED: Outcome = Outcome {
    class: "s-success",
    mark: "✓",
    word: "passed",
};
pub const FAILED: Outcome = Outcome {
    class: "s-failed",
    mark: "✗",
    word: "failed",
};
pub const WARNED: Outcome = Outcome {
    class: "s-up_for_retry",
    mark: "!",
    word: "warned",
};

/// One validation's facts, for the history and the summaries.
pub struct ValidationRow {
    pub id: i64,
    pub validated: String,
    pub dag_id: Option<String>,
    pub run_id: Option<String>,
    pub task_id: Option<String>,
    pub try_number: Option<i32>,
    pub version: i64,
    pub scope: String,
    pub outcome: Outcome,
    pub passed: i32,
    pub failed: i32,
    pub warned: i32,
    pub rows: String,
}

impl ValidationRow {
    pub fn new(v: &ValidationRecord) -> Self {
        let n = &v.validation;
        ValidationRow {
            id: v.id,
            validated: format::time(v.validated_at),
            dag_id: n.dag_id.clone(),
            run_id: n.run_id.clone(),
            task_id: n.task_id.clone(),
            try_number: n.try_number,
            version: n.version,
            scope: n.scope.clone(),
            outcome: if !n.success {
                FAILED
            } else if n.warned > 0 {
                WARNED
            } else {
                PASSED
            },
            passed: n.passed,
            failed: n.failed,
            warned: n.warned,
            rows: format::count(n.rows),
        }
    }
}

pub struct ExpectationRow {
    pub name: String,
    pub kind: String,
    pub severity: String,
    pub outcome: Outcome,
    pub observed: String,
    pub unexpected_count: String,
    pub unexpected_percent: String,
    pub message: Option<String>,
    pub samples: Samples,
}

/// Failing rows as a table: the columns in the order they first appear, one cell per column.
pub struct Samples {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Each expectation of a stored report; entries that are no object are skipped.
pub fn expectations(results: &Value) -> Vec<ExpectationRow> {
    let Some(items) = results.as_array() else {
        return Vec::new();
    };
    items.iter().filter_map(expectation).collect()
}

fn expectation(r: &Value) -> Option<ExpectationRow> {
    let r = r.as_object()?;
    let text = |key: &str| r.get(key).map(format::json_value).unwrap_or_default();
    let severity = r
        .get("severity")
        .and_then(Value::as_str)
        .unwrap_or("error")
        .to_string();
    let passed = r.get("passed").and_then(Value::as_bool).unwrap_or(false);
    let outcome = match (passed, severity.as_str()) {
        (true, _) => PASSED,
        (false, "warn") => WARNED,
        (false, _) => FAILED,
    };
    let samples = samples(
        r.get("samples")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice),
    );
    Some(ExpectationRow {
        name: text("name"),
        kind: text("kind"),
        severity,
        outcome,
        observed: r
            .get("observed")
            .map(format::json_value)
            .unwrap_or_else(|| "–".into()),
        unexpected_count: r
            .get("unexpected_count")
            .and_then(Value::as_i64)
            .map(format::count)
            .unwrap_or_else(|| "–".into()),
        unexpected_percent: r
            .get("unexpected_percent")
            .and_then(Value::as_f64)
            .map(|p| format!("{p:.2} %"))
            .unwrap_or_else(|| "–".into()),
        message: r.get("message").and_then(Value::as_str).map(str::to_string),
        samples,
    })
}

fn samples(rows: &[Value]) -> Samples {
    let rows: Vec<&serde_json::Map<String, Value>> = rows
        .iter()
        .filter_map(Value::as_object)
        .take(SAMPLE_ROWS)
        .collect();
    let mut columns: Vec<String> = Vec::new();
    for row in &rows {
        for key in row.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    let cells = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| row.get(c).map(format::json_value).unwrap_or_default())
                .collect()
        })
        .collect();
    Samples {
        columns,
        rows: cells,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn results_read_with_their_outcomes_and_samples() {
        let results = json!([
            {"name": "not_null(user_id)", "kind": "not_null", "severity": "error", "passed": true, "observed": 0},
            {"name": "between(amount)", "kind": "between", "severity": "warn", "passed": false,
             "observed": 2, "unexpected_count": 2, "unexpected_percent": 12.5,
             "samples": [{"amount": -1, "user_id": "u1"}, {"amount": 20000, "note": null}]},
            {"name": "unique(event_id)", "kind": "unique", "passed": false, "observed": 1, "message": "1 duplicate"},
            "not an object",
        ]);
        let rows = expectations(&results);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].outcome, PASSED);
        assert_eq!(rows[1].outcome, WARNED);
        assert_eq!(rows[2].outcome, FAILED, "severity defaults to error");
        assert_eq!(rows[1].unexpected_percent, "12.50 %");
        assert_eq!(rows[1].samples.columns, ["amount", "user_id", "note"]);
        assert_eq!(rows[1].samples.rows[1], ["20000", "", "null"]);
        assert_eq!(rows[2].message.as_deref(), Some("1 duplicate"));
        let many: Vec<Value> = (0..50).map(|i| json!({"i": i})).collect();
        assert_eq!(samples(&many).rows.len(), SAMPLE_ROWS);
    }
}
