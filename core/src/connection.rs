//! Connections to the databases that tasks read (`ingest` from `format: postgres`): their names,
//! the environment variable that sets one, and [`ConnectionUrl`], a URL whose password never
//! reaches a log, an error or a `Debug` print. [`mask_password`] is the one masking rule, also
//! for the server's own database URL.

use std::fmt;

/// The prefix of the environment variables that set connections: `WEIR_CONN_<NAME>`.
pub const ENV_PREFIX: &str = "WEIR_CONN_";

/// What a masked password reads as.
pub const MASK: &str = "***";

const MAX_NAME_LEN: usize = 64;

/// Checks a connection name: 1 to 64 of `A-Z a-z 0-9 _ -`, starting with a letter or `_`, so
/// that it names an environment variable without escaping.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a connection name cannot be empty".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "`{name:.20}...` is longer than {MAX_NAME_LEN} characters"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-')))
    {
        return Err(format!(
            "`{name}` contains `{bad}`; connection names use letters, digits, `_` and `-`"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Err(format!(
            "`{name}` starts with `{}`; start a connection name with a letter or `_`",
            &name[..1]
        ));
    }
    Ok(())
}

/// The environment variable that sets the connection `name`: `WEIR_CONN_` and the name upper-
/// cased, `-` read as `_` (`crm-eu` is `WEIR_CONN_CRM_EU`).
pub fn env_variable(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| match c {
            '-' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    format!("{ENV_PREFIX}{upper}")
}

/// The URL with its password replaced by `***`: the one in the user part
/// (`scheme://user:password@host`) and a `password=` query parameter. URLs without either come
/// back as they are.
pub fn mask_password(url: &str) -> String {
    let masked = match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((credentials, host)) => match credentials.split_once(':') {
                Some((user, _password)) => format!("{scheme}://{user}:{MASK}@{host}"),
                None => url.to_string(),
            },
            None => url.to_string(),
        },
        None => url.to_string(),
    };
    mask_query_password(&masked)
}

/// `...?password=x&...` with `x` masked.
fn mask_query_password(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}={MASK}"),
            _ => p.to_string(),
        })
        .collect();
    format!("{base}?{}", params.join("&"))
}

/// The password of a URL, as written (percent-encoded or not), if it has one.
fn passwords(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some((_, rest)) = url.split_once("://")
        && let Some((credentials, _)) = rest.rsplit_once('@')
        && let Some((_, password)) = credentials.split_once(':')
    {
        found.push(password.to_string());
    }
    if let Some((_, query)) = url.split_once('?') {
        for p in query.split('&') {
            if let Some((key, value)) = p.split_once('=')
                && key.eq_ignore_ascii_case("password")
            {
                found.push(value.to_string());
            }
        }
    }
    let decoded: Vec<String> = found.iter().map(|p| percent_decode(p)).collect();
    found.extend(decoded);
    found.retain(|p| !p.is_empty());
    found.sort();
    found.dedup();
    // Longest first, so that a password containing another is replaced whole.
    found.sort_by_key(|p| std::cmp::Reverse(p.len()));
    found
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A connection's URL. `Debug` and `Display` show it with the password masked; only
/// [`ConnectionUrl::expose`] gives the real URL, for connecting.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionUrl(String);

impl ConnectionUrl {
    pub fn new(url: impl Into<String>) -> Self {
        ConnectionUrl(url.into())
    }

    /// The real URL, for connecting only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with its password replaced by `***`.
    pub fn masked(&self) -> String {
        mask_password(&self.0)
    }

    /// Whether the URL carries a password.
    pub fn has_password(&self) -> bool {
        !passwords(&self.0).is_empty()
    }

    /// `text` (an error message, say) with this URL masked and its password, as written or
    /// percent-decoded, replaced by `***` wherever it appears: for messages that come from a
    /// driver, which might echo what it was given.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.replace(&self.0, &self.masked());
        for password in passwords(&self.0) {
            out = out.replace(&password, MASK);
        }
        out
    }
}

impl fmt::Debug for ConnectionUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnectionUrl({})", self.masked())
    }
}

impl fmt::Display for ConnectionUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_in_the_user_part_and_the_query() {
        let cases = [
            (
                "postgres://weir:s3cret@db.internal:5432/weir",
                "postgres://weir:***@db.internal:5432/weir",
            ),
            (
                "postgres://db/x?user=a&password=s3cret&sslmode=require",
                "postgres://db/x?user=a&password=***&sslmode=require",
            ),
            ("postgres://root@localhost/x", "postgres://root@localhost/x"),
            ("sqlite://.weir/weir.db", "sqlite://.weir/weir.db"),
            // An unencoded `@` in the password: everything before the last `@` is credentials.
            ("postgres://u:p@ss@h/db", "postgres://u:***@h/db"),
        ];
        for (url, masked) in cases {
            assert_eq!(mask_password(url), masked, "{url}");
        }
    }

    #[test]
    fn a_connection_url_shows_its_password_only_when_exposed() {
        let url = ConnectionUrl::new("postgres://weir:s3cret@db:5432/crm");
        let shown = format!("{url:?} {url} {}", url.masked());
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(url.expose().contains("s3cret"));
        assert!(url.has_password());
        assert!(!ConnectionUrl::new("postgres://root@db/crm").has_password());
    }

    #[test]
    fn scrub_removes_the_password_as_written_and_decoded() {
        let url = ConnectionUrl::new("postgres://weir:p%40ss%2Fw0rd@db/crm");
        let text = format!(
            "failed for {} with p@ss/w0rd and p%40ss%2Fw0rd",
            url.expose()
        );
        let scrubbed = url.scrub(&text);
        assert!(!scrubbed.contains("p@ss/w0rd"), "{scrubbed}");
        assert!(!scrubbed.contains("p%40ss"), "{scrubbed}");
        assert!(
            scrubbed.contains("postgres://weir:***@db/crm"),
            "{scrubbed}"
        );
    }

    #[test]
    fn names_map_to_environment_variables() {
        assert_eq!(env_variable("crm"), "WEIR_CONN_CRM");
        assert_eq!(env_variable("crm-eu_2"), "WEIR_CONN_CRM_EU_2");
        assert!(check_name("crm-eu_2").is_ok());
        assert!(check_name("_x").is_ok());
        for bad in ["", "2crm", "-x", "a.b", "a b", "ä"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(check_name(&"x".repeat(65)).is_err());
    }
}
