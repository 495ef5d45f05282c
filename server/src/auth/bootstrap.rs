//! `weir standalone` creates an admin with a random password on first start, like
//! `airflow standalone`: printed once, and kept in the state directory for later.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use weir_store::{NewUser, Role, Store};

use super::password::hash_password;
use super::secrets::random_password;

pub const ADMIN_USERNAME: &str = "admin";

/// Where standalone keeps the generated admin password.
pub fn password_file(home: &Path) -> PathBuf {
    home.join("standalone_admin_password.txt")
}

/// What standalone tells the user about logging in.
pub enum AdminLogin {
    Created { password: String, file: PathBuf },
    Exists { file: Option<PathBuf> },
}

/// Creates the `admin` user if there are no users at all.
pub async fn ensure_admin(store: &dyn Store, home: &Path) -> anyhow::Result<AdminLogin> {
    let file = password_file(home);
    if !store.list_users().await?.is_empty() {
        return Ok(AdminLogin::Exists {
            file: file.exists().then_some(file),
        });
    }
    let password = random_password();
    let hash = hash_password(&password)?;
    store
        .create_user(&NewUser {
            username: ADMIN_USERNAME.into(),
            password_hash: hash,
            role: Role::Admin,
        })
        .await
        .context("creating the admin user")?;
    write_private(&file, &password)?;
    Ok(AdminLogin::Created { password, file })
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(file, "{text}").with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
