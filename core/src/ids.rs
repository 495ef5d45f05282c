//! Ids of DAGs and tasks: checked once at the boundary, then trusted everywhere.

use std::fmt;

use serde::{Deserialize, Serialize};

const MAX_ID_LEN: usize = 250;

/// The hint for every invalid id.
pub const ID_HINT: &str =
    "use letters, digits, `_`, `.` and `-`, starting with a letter, digit or `_`";

/// Checks an id: 1 to 250 of `A-Z a-z 0-9 _ . -`, starting with a letter, digit or `_`. Ids
/// appear in URLs, file names and logs, so nothing there may need escaping, and `..` is no id.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("an id cannot be empty".into());
    }
    if id.len() > MAX_ID_LEN {
        return Err(format!(
            "`{id:.20}...` is longer than {MAX_ID_LEN} characters"
        ));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "`{id}` contains `{bad}`; ids use letters, digits, `_`, `.` and `-`"
        ));
    }
    if id.starts_with(['.', '-']) {
        return Err(format!(
            "`{id}` starts with `{}`; start an id with a letter, digit or `_`",
            &id[..1]
        ));
    }
    Ok(())
}

/// Checks a run id: like other ids, but `:` and `+` are allowed too, so that ids made from
/// timestamps (`manual__2026-01-01T00:00:00+00:00`, as in Airflow) stay readable.
pub fn check_run_id(id: &str) -> Result<(), String> {
    let plain: String = id
        .chars()
        .map(|c| if matches!(c, ':' | '+') { '_' } else { c })
        .collect();
    check_id(&plain).map_err(|e| e.replace(&plain, id))
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Result<Self, String> {
                let id = id.into();
                check_id(&id)?;
                Ok($name(id))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// A DAG's id, unique across the DAG folder.
    DagId
);
id_type!(
    /// A task's id, unique within its DAG.
    TaskId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_safe_ids_only() {
        assert!(DagId::new("user_features.daily-v2").is_ok());
        for bad in ["", "a b", "..", "-x", "../etc", "a/b", "<script>", "é"] {
            assert!(DagId::new(bad).is_err(), "{bad}");
        }
        assert!(TaskId::new("x".repeat(251)).is_err());
        assert!(check_run_id("manual__2026-01-01T00:00:00+00:00").is_ok());
        assert!(check_run_id("a/b").is_err());
    }
}
