//! /metrics in Prometheus text format. Counts by state come from the store at scrape time; the
//! scheduler and pickup delay histograms are fed by a collector that reads the task instances
//! started since it last looked (the delays are stored per task instance, whoever scheduled
//! and ran it), so they are cumulative as Prometheus expects.

use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;
use weir_store::{Store, TaskInstanceRecord};

/// Upper bounds of the delay buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0,
];

#[derive(Debug, Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    /// The sum in microseconds, to keep it in an integer.
    sum_us: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, seconds: f64) {
        let seconds = seconds.max(0.0);
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.counts[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (i, bound) in BUCKETS.iter().enumerate() {
            let n = self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {n}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// The server's metrics that are not read from the store at scrape time.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Ready (scheduled, or created when queued at once) to queued.
    pub scheduler_delay: Histogram,
    /// Queued to started.
    pub pickup_delay: Histogram,
    pub http_requests: AtomicU64,
    /// Where the collector continues: the start time of the last task instance it saw.
    watermark: Mutex<Option<DateTime<Utc>>>,
    seen_at_watermark: Mutex<Vec<i64>>,
}

impl Metrics {
    pub fn new() -> Self {
        Metrics::default()
    }

    /// Adds the delays of task instances that started since the last call.
    pub async fn collect(&self, store: &dyn Store) -> weir_store::Result<usize> {
        let since = self
            .watermark
            .lock()
            .map(|w| w.unwrap_or_else(|| Utc::now() - chrono::TimeDelta::minutes(5)))
            .unwrap_or_else(|_| Utc::now());
        let started = store.task_instances_started_since(since, 10_000).await?;
        let mut seen = self
            .seen_at_watermark
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        let mut added = 0;
        let mut newest = since;
        for ti in &started {
            // Rows started exactly at the watermark were seen by the previous call.
            if ti.started_at == Some(since) && seen.contains(&ti.id) {
                continue;
            }
            self.observe(ti);
            added += 1;
            if let Some(s) = ti.started_at
                && s > newest
            {
                newest = s;
                seen.clear();
            }
            if ti.started_at == Some(newest) {
                seen.push(ti.id);
            }
        }
        if let Ok(mut w) = self.watermark.lock() {
            *w = Some(newest);
        }
        if let Ok(mut s) = self.seen_at_watermark.lock() {
            *s = seen;
        }
        Ok(added)
    }

    fn observe(&self, ti: &TaskInstanceRecord) {
        let ready = ti.scheduled_at.unwrap_or(ti.created_at);
        if let Some(queued) = ti.queued_at {
            self.scheduler_delay.observe(seconds(queued - ready));
            if let Some(started) = ti.started_at {
                self.pickup_delay.observe(seconds(started - queued));
            }
        }
    }

    pub fn render_histograms(&self, out: &mut String) {
        self.scheduler_delay.render(
            out,
            "weir_scheduler_delay_seconds",
            "Time from a task instance being ready to being queued.",
        );
        self.pickup_delay.render(
            out,
            "weir_pickup_delay_seconds",
            "Time from a task instance being queued to its attempt starting on a worker.",
        );
    }
}

fn seconds(d: chrono::TimeDelta) -> f64 {
    d.num_microseconds().unwrap_or(0) as f64 / 1e6
}

/// Feeds the histograms every `every` until shutdown.
pub async fn run_collector(
    metrics: std::sync::Arc<Metrics>,
    store: std::sync::Arc<dyn Store>,
    every: Duration,
    shutdown: CancellationToken,
) {
    loop {
        if let Err(e) = metrics.collect(store.as_ref()).await {
            tracing::warn!(error = %e, "metrics collection failed");
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative() {
        let h = Histogram::default();
        h.observe(0.002);
        h.observe(0.2);
        h.observe(100.0);
        let mut out = String::new();
        h.render(&mut out, "x", "help");
        assert!(out.contains("x_bucket{le=\"0.001\"} 0"), "{out}");
        assert!(out.contains("x_bucket{le=\"0.0025\"} 1"), "{out}");
        assert!(out.contains("x_bucket{le=\"0.25\"} 2"), "{out}");
        assert!(out.contains("x_bucket{le=\"30\"} 2"), "{out}");
        assert!(out.contains("x_bucket{le=\"+Inf\"} 3"), "{out}");
        assert!(out.contains("x_count 3"), "{out}");
    }
}
