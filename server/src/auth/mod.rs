//! Authentication and roles, in the box: API tokens, dashboard sessions with CSRF protection,
//! argon2 passwords, and the viewer < operator < admin roles.

pub mod bootstrap;
pub mod password;
pub mod principal;
pub mod secrets;
pub mod session;
mod token_cache;

pub use principal::{ApiUser, CSRF_HEADER, Principal, Via, WebUser};
pub use token_cache::TokenCache;
pub use weir_store::Role;
