//! Test support for this crate and the crates above it: a fresh, migrated store per test on
//! either backend, cleaned up when dropped.
//!
//! PostgreSQL: `WEIR_TEST_DATABASE_URL` names an admin connection (default
//! `postgres://root@127.0.0.1:5432/postgres`). Each store gets its own database
//! `weir_test_<random>`, dropped (`WITH (FORCE)`) when the [`TestStore`] is dropped, also while
//! a test panics, so tests run in parallel and leave nothing behind. If the variable is unset
//! and `WEIR_TEST_SKIP_POSTGRES=1`, [`test_store`] says so loudly on stderr and returns `None`;
//! otherwise a server that cannot be reached panics: never a silent skip.
//!
//! SQLite: a fresh file in a temporary folder, in a subfolder that does not exist yet.

use std::hash::{BuildHasher, RandomState};
use std::io::Write as _;
use std::sync::Arc;

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use crate::store::Store;

pub const DEFAULT_ADMIN_URL: &str = "postgres://root@127.0.0.1:5432/postgres";

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, migrated store; its database goes away with it.
pub struct TestStore {
    pub store: Arc<dyn Store>,
    pub backend: Backend,
    /// The URL the store was connected with.
    pub url: String,
    // Dropped after `store` (fields drop in order).
    _cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres(TestDatabase),
}

impl TestStore {
    /// The PostgreSQL database's name (None on SQLite).
    pub fn database_name(&self) -> Option<&str> {
        match &self._cleanup {
            Cleanup::Postgres(db) => Some(&db.name),
            Cleanup::Sqlite(_) => None,
        }
    }

    /// The SQLite file's folder (None on PostgreSQL).
    pub fn sqlite_dir(&self) -> Option<&std::path::Path> {
        match &self._cleanup {
            Cleanup::Sqlite(dir) => Some(dir.path()),
            Cleanup::Postgres(_) => None,
        }
    }
}

/// A fresh, migrated store on `backend`; `None` only when PostgreSQL is skipped on purpose.
pub async fn test_store(backend: Backend) -> Option<TestStore> {
    let (url, cleanup) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let path = dir.path().join("not-yet").join("weir.db");
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                Cleanup::Sqlite(dir),
            )
        }
        Backend::Postgres => {
            let db = TestDatabase::create(&admin_url()?).await;
            (db.url.clone(), Cleanup::Postgres(db))
        }
    };
    let store = crate::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("the {backend:?} test store connects: {e}"));
    store.migrate().await.expect("the migrations apply");
    Some(TestStore {
        store,
        backend,
        url,
        _cleanup: cleanup,
    })
}

/// The admin URL for PostgreSQL tests, or `None` when they are skipped (said on stderr, which
/// the test harness does not capture).
pub fn admin_url() -> Option<String> {
    if let Ok(url) = std::env::var("WEIR_TEST_DATABASE_URL") {
        return Some(url);
    }
    if std::env::var("WEIR_TEST_SKIP_POSTGRES").as_deref() == Ok("1") {
        let _ = writeln!(
            std::io::stderr(),
            "*** WEIR_TEST_SKIP_POSTGRES=1 and no WEIR_TEST_DATABASE_URL: \
             a PostgreSQL store test is SKIPPED ***"
        );
        return None;
    }
    Some(DEFAULT_ADMIN_URL.to_string())
}

/// A throwaway PostgreSQL database, dropped when this is dropped.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl TestDatabase {
    /// Creates `weir_test_<random>`; panics, saying how to fix it, if PostgreSQL is unreachable.
    pub async fn create(admin_url: &str) -> TestDatabase {
        let name = format!(
            "weir_test_{:016x}",
            RandomState::new().hash_one(std::process::id())
        );
        let mut admin = PgConnection::connect(admin_url).await.unwrap_or_else(|e| {
            panic!(
                "cannot connect to PostgreSQL at {}: {e}. Start it, point \
                 WEIR_TEST_DATABASE_URL at one, or set WEIR_TEST_SKIP_POSTGRES=1 to skip",
                crate::redact(admin_url)
            )
        });
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .expect("CREATE DATABASE");
        let _ = admin.close().await;
        TestDatabase {
            url: with_database(admin_url, &name),
            name,
            admin_url: admin_url.to_string(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // A runtime of its own on a thread of its own: this may run inside a runtime, or while
        // a test unwinds.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async move {
                let mut admin = PgConnection::connect(&admin_url).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await?;
                anyhow::Ok(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            let _ = writeln!(
                std::io::stderr(),
                "warning: could not drop the test database {}",
                self.name
            );
        }
    }
}

/// The URL with its database (the path) replaced, the query kept.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority..].find('/') {
        Some(slash) => &base[..authority + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        let cases = [
            (
                "postgres://root@127.0.0.1:5432/postgres",
                "postgres://root@127.0.0.1:5432/x",
            ),
            (
                "postgres://u:p@h/db?sslmode=disable",
                "postgres://u:p@h/x?sslmode=disable",
            ),
            ("postgres://h:5432", "postgres://h:5432/x"),
        ];
        for (url, expected) in cases {
            assert_eq!(with_database(url, "x"), expected);
        }
    }
}
