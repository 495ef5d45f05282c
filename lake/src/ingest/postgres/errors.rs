//! What a failing connection or query says: the database's message, the host and port, the
//! connection's name; never its URL or password. Every message from the driver is scrubbed of
//! the password as well, in case it echoes what it was given.

use weir_core::connection::ConnectionUrl;

use crate::error::LakeError;

/// Where the source is, to name it in errors.
#[derive(Debug, Clone)]
pub struct Place {
    pub connection: String,
    pub host: String,
    pub port: u16,
    pub url: ConnectionUrl,
}

impl Place {
    fn scrub(&self, text: &str) -> String {
        self.url.scrub(text)
    }

    /// The URL does not parse as a PostgreSQL URL.
    pub fn bad_url(connection: &str, url: &ConnectionUrl, e: &sqlx::Error) -> LakeError {
        LakeError::Invalid(format!(
            "connection `{connection}`: `{}` is not a PostgreSQL URL: {} (hint: write postgres://user:password@host:5432/database)",
            url.masked(),
            url.scrub(&e.to_string())
        ))
    }

    /// Connecting or logging in failed.
    pub fn connect_failed(&self, e: &sqlx::Error) -> LakeError {
        let reason = match e {
            sqlx::Error::Database(db) => db.message().to_string(),
            sqlx::Error::Io(io) => io.to_string(),
            sqlx::Error::Tls(tls) => format!("TLS: {tls}"),
            sqlx::Error::PoolTimedOut => "timed out".to_string(),
            other => other.to_string(),
        };
        LakeError::Sql {
            what: format!(
                "cannot connect to connection `{}` at {}:{}",
                self.connection, self.host, self.port
            ),
            reason: self.scrub(&reason),
        }
    }

    /// The query failed to plan or run (or the snapshot could not start).
    pub fn query_failed(&self, e: &sqlx::Error) -> LakeError {
        let reason = match e {
            sqlx::Error::Database(db) => {
                let mut text = db.message().to_string();
                if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                    if let Some(detail) = pg.detail() {
                        text.push_str(&format!(" ({detail})"));
                    }
                    if let Some(hint) = pg.hint() {
                        text.push_str(&format!(" (hint: {hint})"));
                    }
                }
                match db.code() {
                    Some(code) => format!("{text} [SQLSTATE {code}]"),
                    None => text,
                }
            }
            sqlx::Error::Io(io) => format!("the connection broke: {io}"),
            other => other.to_string(),
        };
        self.query_error(reason)
    }

    /// The query's rows cannot be loaded as read.
    pub fn query_error(&self, reason: String) -> LakeError {
        LakeError::Sql {
            what: format!("the query on connection `{}`", self.connection),
            reason: self.scrub(&reason),
        }
    }
}
