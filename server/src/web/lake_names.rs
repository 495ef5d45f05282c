//! Names of the lake in dashboard paths: a dataset is `zone.name`, a feature view is `name`,
//! each part made of `A-Z a-z 0-9 _` (what the DAG parser and the lake accept). They are
//! checked before the store sees them, so `..%2F..` is a clear 400 and never a lookup.

use crate::api::problem::ApiError;

use super::page::PageError;

/// Longer names are no name the lake writes; the check also bounds what an error quotes.
const MAX_LEN: usize = 128;

fn is_part(part: &str) -> bool {
    !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `name` is a dataset name (`zone.name`).
pub fn is_dataset(name: &str) -> bool {
    name.len() <= MAX_LEN
        && name
            .split_once('.')
            .is_some_and(|(zone, rest)| is_part(zone) && is_part(rest))
}

/// A dataset name from the path, or a 400 that says what a name looks like.
pub fn check_dataset(name: &str) -> Result<(), PageError> {
    if is_dataset(name) {
        return Ok(());
    }
    Err(ApiError::BadRequest(format!(
        "`{}` is no dataset name: a dataset is `zone.name`, each part letters, digits and `_`",
        quoted(name)
    ))
    .into())
}

/// A feature view name from the path.
pub fn check_view(name: &str) -> Result<(), PageError> {
    if name.len() <= MAX_LEN && is_part(name) {
        return Ok(());
    }
    Err(ApiError::BadRequest(format!(
        "`{}` is no feature view name: views use letters, digits and `_`",
        quoted(name)
    ))
    .into())
}

/// What an error may quote of a rejected name: short, without control characters (the error
/// page escapes the rest).
fn quoted(name: &str) -> String {
    name.chars()
        .take(60)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_names_are_zone_dot_name() {
        assert!(is_dataset("raw.clicks"));
        assert!(is_dataset("features.user_stats_2"));
        for bad in [
            "",
            "raw",
            ".clicks",
            "raw.",
            "raw.a.b",
            "../etc",
            "raw/../x",
            "raw.cl icks",
            "raw.<b>",
        ] {
            assert!(!is_dataset(bad), "{bad}");
        }
        assert!(!is_dataset(&format!("raw.{}", "x".repeat(200))));
        assert!(check_view("user_stats").is_ok());
        assert!(check_view("user.stats").is_err());
        assert!(check_view("..").is_err());
    }
}
