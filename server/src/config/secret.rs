//! A database URL whose password never reaches a log, an error body or `weir config`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        DatabaseUrl(url.into())
    }

    /// The real URL, for connecting only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with its password replaced by `***` (the rule connections share).
    pub fn masked(&self) -> String {
        weir_core::connection::mask_password(&self.0)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.masked())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Serializing shows the masked form: the only serialization is for display.
impl Serialize for DatabaseUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.masked())
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(DatabaseUrl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_everywhere_but_expose() {
        let url = DatabaseUrl::new("postgres://weir:s3cret@db.internal:5432/weir");
        assert_eq!(url.masked(), "postgres://weir:***@db.internal:5432/weir");
        assert!(!format!("{url:?} {url}").contains("s3cret"));
        assert!(url.expose().contains("s3cret"));
        assert_eq!(
            DatabaseUrl::new("sqlite://.weir/weir.db").masked(),
            "sqlite://.weir/weir.db"
        );
        assert_eq!(
            DatabaseUrl::new("postgres://root@localhost/x").masked(),
            "postgres://root@localhost/x"
        );
    }
}
