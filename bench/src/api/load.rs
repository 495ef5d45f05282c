//! Requests: sequential ones for latency, concurrent ones for throughput (wrk when it is
//! installed, which costs the two cores less than a Rust client would, else a tokio client).

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::measure::Samples;

pub fn client(token: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse()?,
    );
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .build()?)
}

/// Sequential requests; None if the path is not served (404) by this build.
pub async fn latency(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    n: usize,
) -> anyhow::Result<Option<Samples>> {
    let mut times = Vec::with_capacity(n);
    for i in 0..n + 10 {
        let start = Instant::now();
        let response = client.get(format!("{base}{path}")).send().await?;
        let status = response.status();
        response.bytes().await?;
        if status == 404 {
            return Ok(None);
        }
        anyhow::ensure!(status.is_success(), "{path}: {status}");
        if i >= 10 {
            times.push(start.elapsed());
        }
    }
    Ok(Some(Samples::new(&times)))
}

pub struct Load {
    pub requests: u64,
    pub errors: u64,
    pub per_second: f64,
    pub tool: &'static str,
}

pub async fn throughput(
    base: &str,
    path: &str,
    token: &str,
    connections: usize,
    requests: u64,
    at_least: Duration,
) -> anyhow::Result<Load> {
    if which("wrk") {
        return wrk(base, path, token, connections, requests, at_least);
    }
    let client = client(token)?;
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (client, done, errors) = (client.clone(), done.clone(), errors.clone());
        let url = format!("{base}{path}");
        tasks.push(tokio::spawn(async move {
            while done.load(Ordering::Relaxed) < requests || start.elapsed() < at_least {
                match client.get(&url).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let n = done.load(Ordering::Relaxed);
    Ok(Load {
        requests: n,
        errors: errors.load(Ordering::Relaxed),
        per_second: n as f64 / start.elapsed().as_secs_f64(),
        tool: "load tool: built-in tokio client (wrk not installed)",
    })
}

fn which(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

/// wrk runs for a duration: long enough for `requests` at a first estimate of the rate.
fn wrk(
    base: &str,
    path: &str,
    token: &str,
    connections: usize,
    requests: u64,
    at_least: Duration,
) -> anyhow::Result<Load> {
    let mut total = 0u64;
    let mut errors = 0u64;
    let mut seconds = 0.0;
    while total < requests || seconds < at_least.as_secs_f64() {
        let output = Command::new("wrk")
            .args(["-t2", &format!("-c{connections}"), "-d10s", "--latency"])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .arg(format!("{base}{path}"))
            .output()?;
        let text = String::from_utf8_lossy(&output.stdout);
        let field = |prefix: &str| -> Option<f64> {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(prefix))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        };
        let done = text
            .lines()
            .find(|l| l.contains("requests in"))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| anyhow::anyhow!("cannot read wrk's output:\n{text}"))?;
        errors += field("Non-2xx or 3xx responses:").unwrap_or(0.0) as u64;
        total += done;
        seconds += 10.0;
    }
    Ok(Load {
        requests: total,
        errors,
        per_second: total as f64 / seconds,
        tool: "load tool: wrk -t2",
    })
}
