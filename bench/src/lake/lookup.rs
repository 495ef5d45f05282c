//! Online lookups through the API: a real `weir server` over the SQLite state the materialize
//! child wrote (online rows and the feature view), GET /api/v1/features/{view}/{entity} for
//! known entities, one request at a time, so each latency is the server's plus a loopback hop.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::ensure;

use super::dag;
use crate::api::{load, seed, server::Server};
use crate::measure::Samples;

/// Untimed requests first: connections, caches and the SQLite page cache warm up.
const WARMUPS: usize = 200;

/// Where the server runs: its binary, its SQLite state and `WEIR_HOME`.
pub struct Target<'a> {
    pub weir: &'a Path,
    pub state_url: &'a str,
    pub home: &'a Path,
    pub dags: &'a Path,
}

/// The latency of one GET per key, in order, after [`WARMUPS`] untimed ones.
pub async fn lookups(target: &Target<'_>, keys: &[String]) -> anyhow::Result<Samples> {
    ensure!(!keys.is_empty(), "the materialization wrote no online rows");
    let token = {
        let store = weir_store::connect(target.state_url).await?;
        seed::admin_token(store.as_ref()).await?
    };
    let server = Server::start_in(
        target.weir,
        target.state_url,
        target.dags,
        Some(target.home),
    )
    .await?;
    let result = timed(&server.base, &token, keys).await;
    server.stop();
    result
}

async fn timed(base: &str, token: &str, keys: &[String]) -> anyhow::Result<Samples> {
    let client = load::client(token)?;
    let url = |key: &str| format!("{base}/api/v1/features/{}/{}", dag::VIEW, encode(key));
    // The server answers its health check while still starting (503): warm up until
    // WARMUPS lookups have succeeded, within a deadline.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut warm = 0;
    for key in keys.iter().cycle() {
        if warm == WARMUPS {
            break;
        }
        let response = client.get(url(key)).send().await?;
        let ok = response.status().is_success();
        response.bytes().await?;
        if ok {
            warm += 1;
        } else {
            ensure!(
                Instant::now() < deadline,
                "GET {}: no 200 in 30 s",
                url(key)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let mut times = Vec::with_capacity(keys.len());
    for key in keys {
        let url = url(key);
        let start = Instant::now();
        let response = client.get(&url).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        let elapsed = start.elapsed();
        ensure!(
            status.is_success(),
            "GET {url}: {status}: {}",
            String::from_utf8_lossy(&body)
        );
        times.push(elapsed);
    }
    Ok(Samples::new(&times))
}

/// Percent-encodes a key for a path segment (the generated keys are `u<n>`; this keeps any
/// other key correct too).
fn encode(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_encoded_for_a_path_segment() {
        assert_eq!(super::encode("u42"), "u42");
        assert_eq!(super::encode("c7|DE /x"), "c7%7CDE%20%2Fx");
    }
}
