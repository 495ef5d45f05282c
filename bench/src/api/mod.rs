//! `weir-bench api`: the API server and the dashboard on PostgreSQL with 1,000 DAGs and one
//! 50-task DAG with 10,000 runs: page latency (sequential requests, so the latency is the
//! server's time plus a loopback hop), GET /api/v1/dags throughput under concurrent load, and
//! the server's memory over 100,000 requests. The server is a real `weir server` process.

pub(crate) mod load;
pub(crate) mod seed;
pub(crate) mod server;

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::json;
use weir_store::testing::{Backend, admin_url, test_store, with_database};

use crate::report::{Metric, Report};

const PAGE_P95_MS: f64 = 100.0;
const DAGS_RPS: f64 = 3_000.0;
/// "Memory stays flat": growth over 100,000 requests.
const RSS_GROWTH_MB: f64 = 20.0;

#[derive(Args)]
pub struct ApiArgs {
    /// DAG files of 20 tasks.
    #[arg(long, default_value_t = 1000)]
    dags: usize,
    /// Runs of the 50-task DAG `big`.
    #[arg(long, default_value_t = 10_000)]
    runs: usize,
    /// Requests of the load phase (at least; it also runs at least 10 s).
    #[arg(long, default_value_t = 100_000)]
    requests: u64,
    /// Concurrent connections of the load phase.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Smaller sizes for a smoke run (figures not comparable with the targets).
    #[arg(long)]
    quick: bool,
    /// The weir binary [default: build it in release and use target/release/weir].
    #[arg(long)]
    weir: Option<PathBuf>,
    /// Where to write the JSON results [default: bench/out/api.json].
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(mut args: ApiArgs) -> anyhow::Result<()> {
    if args.quick {
        args.dags = args.dags.min(100);
        args.runs = args.runs.min(500);
        args.requests = args.requests.min(10_000);
    }
    let weir = match &args.weir {
        Some(w) => w.clone(),
        None => crate::build_weir()?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let Some(admin) = admin_url() else {
            anyhow::bail!("the api benchmark needs PostgreSQL (WEIR_TEST_DATABASE_URL)");
        };
        let test_store = test_store(Backend::Postgres)
            .await
            .ok_or_else(|| anyhow::anyhow!("PostgreSQL is skipped"))?;
        let url = with_database(&admin, test_store.database_name().unwrap_or_default());
        let folder = tempfile::tempdir()?;
        eprintln!(
            "seeding {} DAGs and {} runs of a 50-task DAG...",
            args.dags, args.runs
        );
        let seeded =
            seed::seed(&test_store.store, &url, folder.path(), args.dags, args.runs).await?;
        let server = server::Server::start(&weir, &url, folder.path()).await?;
        let result = measure(&args, &server, &seeded).await;
        server.stop();
        let mut metrics = result?;
        let uncached = server::Server::start_uncached(&weir, &url, folder.path()).await?;
        let result = measure_uncached(&args, &uncached, &seeded).await;
        uncached.stop();
        metrics.extend(result?);
        let report = Report::new(
            "api",
            json!({"dags": args.dags, "runs": args.runs, "requests": args.requests,
                   "connections": args.connections, "backend": "postgres"}),
            metrics,
        );
        report.print_table();
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| crate::workspace_root().join("bench/out/api.json"));
        report.write_json(&out)?;
        eprintln!("wrote {}", out.display());
        Ok(())
    })
}

/// The same DAG list pages with the server's page cache off (`dag_list_cache_ttl = 0s`): what a
/// request costs when its page is stale (after every wake-up, or every 2 s). Figures only.
async fn measure_uncached(
    args: &ApiArgs,
    server: &server::Server,
    seeded: &seed::Seeded,
) -> anyhow::Result<Vec<Metric>> {
    let client = load::client(&seeded.token)?;
    let mut metrics = Vec::new();
    let pages: [(&'static str, String); 3] = [
        ("uncached: GET /api/v1/dags p95", "/api/v1/dags".into()),
        (
            "uncached: GET /api/v1/dags?offset=950 p95",
            format!("/api/v1/dags?offset={}", args.dags.saturating_sub(50)),
        ),
        ("uncached: DAGs page p95", "/dags".into()),
    ];
    for (name, path) in pages {
        if let Some(samples) = load::latency(&client, &server.base, &path, 200).await? {
            metrics.push(Metric::info(name, samples.percentile(95.0), "ms"));
        }
    }
    let load = load::throughput(
        &server.base,
        "/api/v1/dags",
        &seeded.token,
        args.connections,
        0,
        Duration::from_secs(10),
    )
    .await?;
    metrics.push(Metric::info(
        "uncached: GET /api/v1/dags throughput",
        load.per_second,
        "req/s",
    ));
    Ok(metrics)
}

async fn measure(
    args: &ApiArgs,
    server: &server::Server,
    seeded: &seed::Seeded,
) -> anyhow::Result<Vec<Metric>> {
    let client = load::client(&seeded.token)?;
    let mut metrics = Vec::new();
    let pages: [(&'static str, String, bool); 5] = [
        (
            "GET /api/v1/dags (50 DAGs, run strips) p95",
            "/api/v1/dags".into(),
            true,
        ),
        (
            "GET /api/v1/dags?offset=950 p95",
            format!("/api/v1/dags?offset={}", args.dags.saturating_sub(50)),
            false,
        ),
        (
            "GET /api/v1/dags/big/runs?limit=25 p95",
            "/api/v1/dags/big/runs?limit=25".into(),
            false,
        ),
        ("DAGs page p95", "/dags".into(), true),
        (
            "grid page (25 runs x 50 tasks) p95",
            "/dags/big/grid".into(),
            true,
        ),
    ];
    for (name, path, target) in pages {
        match load::latency(&client, &server.base, &path, 200).await? {
            Some(samples) => {
                let p95 = samples.percentile(95.0);
                metrics.push(if target {
                    Metric::below(name, p95, "ms", PAGE_P95_MS)
                } else {
                    Metric::info(name, p95, "ms")
                });
            }
            None => eprintln!("{path}: not served by this build; skipped"),
        }
    }
    let rss_before = server.rss_mb()?;
    let load = load::throughput(
        &server.base,
        "/api/v1/dags",
        &seeded.token,
        args.connections,
        args.requests,
        Duration::from_secs(10),
    )
    .await?;
    let rss_after = server.rss_mb()?;
    metrics.push(Metric::at_least(
        "GET /api/v1/dags throughput",
        load.per_second,
        "req/s",
        DAGS_RPS,
    ));
    metrics.push(Metric::info("load requests", load.requests as f64, "req"));
    metrics.push(Metric::info("load errors", load.errors as f64, "req"));
    metrics.push(Metric::info(load.tool, 0.0, "tool"));
    metrics.push(Metric::info("server RSS before load", rss_before, "MB"));
    metrics.push(Metric::at_most(
        "server RSS growth over the load",
        rss_after - rss_before,
        "MB",
        RSS_GROWTH_MB,
    ));
    Ok(metrics)
}
