//! A real `weir server` process over the benchmark's database.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    pub base: String,
    child: Child,
    /// A state directory that goes with the server.
    _home: Option<tempfile::TempDir>,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Server {
    pub async fn start(weir: &Path, url: &str, dags: &Path) -> anyhow::Result<Server> {
        Self::start_in(weir, url, dags, None).await
    }

    /// A server with `server.dag_list_cache_ttl = 0s`: every DAG list request reads the
    /// database, to measure what a request costs when its page is stale.
    pub async fn start_uncached(weir: &Path, url: &str, dags: &Path) -> anyhow::Result<Server> {
        let home = tempfile::tempdir()?;
        let config = home.path().join("weir.toml");
        std::fs::write(&config, "[server]\ndag_list_cache_ttl = \"0s\"\n")?;
        let port = free_port()?;
        let mut server = Self::spawn(weir, url, dags, home.path(), Some(&config), port).await?;
        server._home = Some(home);
        Ok(server)
    }

    /// A server with its state directory (`WEIR_HOME`) in `home`, or in a folder of the
    /// system's temporary folder named after its port.
    pub async fn start_in(
        weir: &Path,
        url: &str,
        dags: &Path,
        home: Option<&Path>,
    ) -> anyhow::Result<Server> {
        let port = free_port()?;
        let home = home.map_or_else(
            || std::env::temp_dir().join(format!("weir-bench-api-{port}")),
            Path::to_path_buf,
        );
        Self::spawn(weir, url, dags, &home, None, port).await
    }

    async fn spawn(
        weir: &Path,
        url: &str,
        dags: &Path,
        home: &Path,
        config: Option<&Path>,
        port: u16,
    ) -> anyhow::Result<Server> {
        let mut command = Command::new(weir);
        if let Some(file) = config {
            command.env("WEIR_CONFIG", file);
        }
        let child = command
            .arg("server")
            .env("WEIR_DATABASE_URL", url)
            .env("WEIR_PORT", port.to_string())
            .env("WEIR_HOME", home)
            .env("WEIR_DAGS_FOLDER", dags)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        let server = Server {
            base: format!("http://127.0.0.1:{port}"),
            child,
            _home: None,
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if client
                .get(format!("{}/api/v1/health", server.base))
                .send()
                .await
                .is_ok()
            {
                return Ok(server);
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "weir server did not answer in 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The server's resident memory.
    pub fn rss_mb(&self) -> anyhow::Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| anyhow::anyhow!("no VmRSS"))?;
        Ok(kb / 1024.0)
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
