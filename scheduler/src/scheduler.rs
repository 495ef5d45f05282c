//! The scheduler's loop: wake up on a store event, a DAG file change or the fallback poll, then
//! do one tick; repeat at once while ticks make progress.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;
use weir_store::{Store, StoreEvent};

use crate::dag_folder::{DagFolder, ScanReport};
use crate::options::SchedulerOptions;
use crate::run_views::RunViews;
use crate::{backfills, create_runs, schedule_tasks};
use weir_store::VersionCache;

/// What one tick did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TickReport {
    pub scan: ScanReport,
    pub runs_created: usize,
    pub state_changes: u64,
    pub runs_finished: usize,
    pub leases_reaped: usize,
}

impl TickReport {
    pub fn made_progress(&self) -> bool {
        self.scan.changed_anything()
            || self.runs_created > 0
            || self.state_changes > 0
            || self.runs_finished > 0
            || self.leases_reaped > 0
    }

    fn absorb(&mut self, other: &TickReport) {
        self.runs_created += other.runs_created;
        self.state_changes += other.state_changes;
        self.runs_finished += other.runs_finished;
        self.leases_reaped += other.leases_reaped;
    }
}

pub struct Scheduler {
    store: Arc<dyn Store>,
    options: SchedulerOptions,
    folder: DagFolder,
    versions: VersionCache,
    views: RunViews,
    not_due: create_runs::NotDueYet,
    /// The `now` of the last lease reaping.
    last_reap: Option<DateTime<Utc>>,
}

const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);
/// Leases are reaped at most this often: a tick runs at every finished task, and a reaping
/// statement per tick is a write that SQLite's one writer serializes with every claim and
/// report, for leases that last 30 s by default.
const REAP_EVERY: chrono::TimeDelta = chrono::TimeDelta::milliseconds(500);
/// A guard against a tick that always reports progress: `run_until_idle` is for tests and
/// must end.
const MAX_IDLE_TICKS: usize = 100_000;

impl Scheduler {
    pub fn new(store: Arc<dyn Store>, options: SchedulerOptions) -> Self {
        let folder = DagFolder::new(options.dags_folder.clone());
        Scheduler {
            store,
            options,
            folder,
            versions: VersionCache::default(),
            views: RunViews::default(),
            not_due: create_runs::NotDueYet::default(),
            last_reap: None,
        }
    }

    /// Re-parses changed DAG files and writes them to the store.
    pub async fn scan_dags(&mut self) -> anyhow::Result<ScanReport> {
        self.folder
            .scan(self.store.as_ref(), self.options.paused_on_create)
            .await
    }

    /// One pass: expire leases, create due runs, move task instances, finish runs.
    pub async fn tick(&mut self, now: DateTime<Utc>) -> anyhow::Result<TickReport> {
        let store = self.store.as_ref();
        let reaped = if self.last_reap.is_none_or(|t| now - t >= REAP_EVERY) {
            self.last_reap = Some(now);
            store.reap_expired_leases(now).await?
        } else {
            Vec::new()
        };
        for task in &reaped {
            tracing::warn!(ti = task.ti_id, worker.id = ?task.worker_id, state = %task.new_state, "lease expired");
        }
        let runs_created =
            create_runs::create_due_runs(store, &mut self.versions, &mut self.not_due, now).await?
                + backfills::drive_backfills(store, &mut self.versions).await?;
        let progress =
            schedule_tasks::schedule_active_runs(store, &mut self.versions, &mut self.views, now)
                .await?;
        Ok(TickReport {
            scan: ScanReport::default(),
            runs_created,
            state_changes: progress.state_changes,
            runs_finished: progress.runs_finished,
            leases_reaped: reaped.len(),
        })
    }

    /// Scans the DAGs, then ticks until a tick changes nothing: the deterministic way for tests
    /// (and `weir tasks test`-like tools) to drive the scheduler.
    pub async fn run_until_idle(&mut self) -> anyhow::Result<TickReport> {
        let mut total = TickReport {
            scan: self.scan_dags().await?,
            ..TickReport::default()
        };
        for _ in 0..MAX_IDLE_TICKS {
            let report = self.tick(Utc::now()).await?;
            total.absorb(&report);
            if !report.made_progress() {
                return Ok(total);
            }
        }
        anyhow::bail!("the scheduler did not settle after {MAX_IDLE_TICKS} ticks")
    }

    /// Runs until `cancel` fires. A failing tick (the database gone, say) is logged and retried
    /// with backoff; it never ends the loop.
    pub async fn run(mut self, cancel: CancellationToken) -> anyhow::Result<()> {
        let mut wakeups = self.store.subscribe();
        let (changes_tx, mut changes_rx) = tokio::sync::mpsc::channel::<()>(1);
        let _watcher = watch_folder(&self.options.dags_folder, changes_tx);
        let mut last_scan: Option<Instant> = None;
        let mut last_heartbeat: Option<Instant> = None;
        let mut backoff = Duration::from_millis(100);
        tracing::info!(scheduler.id = %self.options.scheduler_id, dags_folder = %self.options.dags_folder.display(), "scheduler started");
        while !cancel.is_cancelled() {
            let scan_due = last_scan.is_none_or(|t| t.elapsed() >= self.options.rescan_interval)
                || changes_rx.try_recv().is_ok();
            let result = async {
                if scan_due {
                    self.scan_dags().await?;
                    last_scan = Some(Instant::now());
                }
                if last_heartbeat.is_none_or(|t| t.elapsed() >= HEARTBEAT_EVERY) {
                    self.store
                        .heartbeat_scheduler(&self.options.scheduler_id, &self.options.hostname)
                        .await?;
                    last_heartbeat = Some(Instant::now());
                }
                wakeups.drain();
                self.tick(Utc::now()).await
            }
            .await;
            match result {
                Ok(report) => {
                    backoff = Duration::from_millis(100);
                    if report.made_progress() {
                        continue;
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %format!("{err:#}"), retry_in_ms = backoff.as_millis() as u64, "scheduler tick failed");
                    tokio::select! {
                        _ = cancel.cancelled() => break,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                    continue;
                }
            }
            tokio::select! {
                _ = cancel.cancelled() => break,
                woke = wakeups.wait_for(self.options.poll_interval, StoreEvent::concerns_schedulers) => {
                    if woke.is_some() {
                        settle(&mut wakeups).await;
                    }
                }
                Some(()) = changes_rx.recv() => { last_scan = None; }
            }
        }
        tracing::info!(scheduler.id = %self.options.scheduler_id, "scheduler stopped");
        Ok(())
    }
}

/// A wake-up is followed by more while tasks finish in a burst: wait until the store has been
/// quiet for `SETTLE_QUIET`, at most `SETTLE_MAX`, so that a burst costs one tick instead of one
/// per finished task. A lone finished task pays `SETTLE_QUIET` of latency.
const SETTLE_QUIET: Duration = Duration::from_millis(1);
const SETTLE_MAX: Duration = Duration::from_millis(20);

async fn settle(wakeups: &mut weir_store::Wakeups) {
    let deadline = Instant::now() + SETTLE_MAX;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        match wakeups
            .wait_for(SETTLE_QUIET.min(left), StoreEvent::concerns_schedulers)
            .await
        {
            Some(_) => continue,
            None => return,
        }
    }
}

/// File events from the DAG folder; the periodic rescan covers what a watcher misses (network
/// file systems, a watcher that could not start).
fn watch_folder(
    folder: &std::path::Path,
    changes: tokio::sync::mpsc::Sender<()>,
) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher;
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Opening, reading and closing without writing change nothing, and the scan's own read
        // of the folder makes such events: waking on them would rescan in an endless loop.
        // (Closing after a write is an access event too, and it does count.)
        use notify::event::{AccessKind, AccessMode, EventKind};
        let changes_nothing = |kind: &EventKind| {
            matches!(kind, EventKind::Access(access)
                if *access != AccessKind::Close(AccessMode::Write))
        };
        if event.is_ok_and(|e| !changes_nothing(&e.kind)) {
            let _ = changes.try_send(());
        }
    })
    .map_err(|e| tracing::warn!(error = %e, "cannot watch the DAG folder; relying on rescans"))
    .ok()?;
    watcher
        .watch(folder, notify::RecursiveMode::Recursive)
        .map_err(|e| tracing::warn!(error = %e, folder = %folder.display(), "cannot watch the DAG folder; relying on rescans"))
        .ok()?;
    Some(watcher)
}
