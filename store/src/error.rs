//! The store's errors: what a caller can act on, and everything else as `Database`.

/// An error of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The DAG, run, task instance or pool named does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The write conflicts with the current state (a unique key, a state that moved on).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The caller no longer holds the task instance's lease: it was reaped, cleared, finished or
    /// claimed again with a newer fencing token. Nothing was written.
    #[error("lease lost on task instance {ti_id} (token {token})")]
    LeaseLost { ti_id: i64, token: i64 },
    /// The caller asked for something the store refuses before touching the database, such as a
    /// state transition the state machine does not allow or a URL of no known backend.
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// The database failed, or holds what this version of Weir cannot read.
    #[error("database error: {0:#}")]
    Database(anyhow::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl From<sqlx::Error> for StoreError {
    /// Constraint violations are the caller's to act on; everything else is the database's.
    fn from(e: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        if let sqlx::Error::Database(db) = &e {
            let message = db.message().to_string();
            match db.kind() {
                ErrorKind::UniqueViolation => return StoreError::Conflict(message),
                ErrorKind::ForeignKeyViolation => {
                    return StoreError::NotFound(format!("a referenced row is missing: {message}"));
                }
                ErrorKind::CheckViolation | ErrorKind::NotNullViolation => {
                    return StoreError::Invalid(message);
                }
                _ => {}
            }
        }
        StoreError::Database(e.into())
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Database(anyhow::Error::new(e).context("migrating the database"))
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Database(anyhow::Error::new(e).context("reading or writing JSON"))
    }
}

impl StoreError {
    /// A value in the database that this version cannot read (an unknown state, say).
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Database(anyhow::anyhow!("unreadable value in the database: {what}"))
    }
}
