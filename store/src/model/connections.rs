use chrono::{DateTime, Utc};

/// A connection as the store lists it: never its password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRecord {
    pub name: String,
    /// The URL with its password masked as `***`.
    pub masked_url: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
