//! A dataset version's schema as a table, compared with the version before it: which columns
//! are new, which changed type, which are gone. The registry stores the schema as JSON
//! (`[{name, data_type, nullable}, ...]`); anything else in it is shown as best it can be.

use std::collections::HashMap;

use serde_json::Value;

use super::format;

pub struct Column {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
    /// Not in the previous version.
    pub added: bool,
    /// The previous version's type, when it differed.
    pub was: Option<String>,
}

pub struct SchemaView {
    pub columns: Vec<Column>,
    /// Columns of the previous version that this one no longer has.
    pub removed: Vec<String>,
    /// The version compared against, if there is one.
    pub previous: Option<i64>,
}

/// `(name, type, nullable)` of each column of a stored schema.
fn columns(schema: &Value) -> Vec<(String, String, bool)> {
    let Some(items) = schema.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|c| {
            let name = c.get("name")?.as_str()?.to_string();
            let data_type = c
                .get("data_type")
                .map(format::json_value)
                .unwrap_or_default();
            let nullable = c.get("nullable").and_then(Value::as_bool).unwrap_or(true);
            Some((name, data_type, nullable))
        })
        .collect()
}

impl SchemaView {
    /// `schema` of a version, against `previous` (the version before it and its schema).
    pub fn compare(schema: &Value, previous: Option<(i64, &Value)>) -> Self {
        let before: Option<HashMap<String, String>> = previous.map(|(_, s)| {
            columns(s)
                .into_iter()
                .map(|(name, data_type, _)| (name, data_type))
                .collect()
        });
        let now = columns(schema);
        let shown = now
            .iter()
            .map(|(name, data_type, nullable)| {
                let old = before.as_ref().map(|b| b.get(name));
                Column {
                    name: name.clone(),
                    data_type: data_type.clone(),
                    nullable: *nullable,
                    added: matches!(old, Some(None)),
                    was: old.flatten().filter(|t| *t != data_type).cloned(),
                }
            })
            .collect();
        let removed = match previous {
            Some((_, s)) => columns(s)
                .into_iter()
                .map(|(name, _, _)| name)
                .filter(|name| !now.iter().any(|(n, _, _)| n == name))
                .collect(),
            None => Vec::new(),
        };
        SchemaView {
            columns: shown,
            removed,
            previous: previous.map(|(v, _)| v),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn new_changed_and_removed_columns_are_marked() {
        let v0 = json!([
            {"name": "id", "data_type": "Int64", "nullable": false},
            {"name": "amount", "data_type": "Int32", "nullable": true},
            {"name": "gone", "data_type": "Utf8", "nullable": true},
        ]);
        let v1 = json!([
            {"name": "id", "data_type": "Int64", "nullable": false},
            {"name": "amount", "data_type": "Float64", "nullable": true},
            {"name": "country", "data_type": "Utf8", "nullable": true},
        ]);
        let view = SchemaView::compare(&v1, Some((0, &v0)));
        let marks: Vec<(&str, bool, Option<&str>)> = view
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.added, c.was.as_deref()))
            .collect();
        assert_eq!(
            marks,
            [
                ("id", false, None),
                ("amount", false, Some("Int32")),
                ("country", true, None)
            ]
        );
        assert_eq!(view.removed, ["gone"]);
        assert!(!view.columns[0].nullable);
        // The first version has nothing to compare with: nothing is "added".
        let first = SchemaView::compare(&v0, None);
        assert!(first.columns.iter().all(|c| !c.added) && first.removed.is_empty());
        assert!(SchemaView::compare(&json!("odd"), None).columns.is_empty());
    }
}
