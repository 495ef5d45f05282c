//! The worker: claims queued task instances with a lease, keeps the leases alive by heartbeat,
//! runs each attempt, and reports. It meets the scheduler only in the store.
//!
//! Shutdown (the cancel token, e.g. SIGTERM): no new claims; running attempts may finish within
//! the grace period; what is still running then is stopped and reported as failed with the
//! reason, so it is retried if it has tries left.

mod attempt;
pub mod context;
mod data_attempt;
mod logs;
mod reports;
pub(crate) mod retry;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use weir_core::dag::Dag;
use weir_store::{ClaimRequest, ClaimedTask, Store, StoreEvent, VersionCache, WorkerInfo};

pub use attempt::AttemptEnd;

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub worker_id: String,
    pub hostname: String,
    pub queues: Vec<String>,
    pub capacity: usize,
    /// How long a lease lasts without a heartbeat.
    pub lease: Duration,
    pub heartbeat_interval: Duration,
    pub shutdown_grace: Duration,
    pub kill_grace: Duration,
    /// The fallback poll when no wake-up arrives.
    pub poll_interval: Duration,
    /// Where $WEIR_OUTPUT files are created.
    pub output_dir: PathBuf,
    /// The lake that data tasks read and write; without one they fail with a clear reason.
    pub lake: Option<weir_lake::Lake>,
    /// Where relative paths of data task sources start (the worker's working directory).
    pub data_dir: PathBuf,
    /// The `weir` executable, given to shell tasks as `$WEIR_BIN` so that they can call the
    /// command line (`"$WEIR_BIN" demo-data ...`) wherever weir is installed.
    pub weir_bin: Option<PathBuf>,
}

/// An attempt whose lease this worker holds: executing, or executed with its report queued.
struct Running {
    token: i64,
    cancel: CancellationToken,
    executing: bool,
}

/// The attempts this worker holds. Capacity counts executing attempts only; attempts whose
/// reports are being written may add as many again, so that a store that is slow to commit
/// slows the claims down instead of piling them up.
#[derive(Default)]
struct Held {
    attempts: HashMap<i64, Running>,
}

impl Held {
    fn start(&mut self, ti: i64, token: i64, cancel: CancellationToken) {
        let running = Running {
            token,
            cancel,
            executing: true,
        };
        self.attempts.insert(ti, running);
    }

    /// The attempt's report is queued: its slot is free, its lease still held. The token tells
    /// a late message from an earlier attempt of the same task instance.
    fn executed(&mut self, (ti, token): (i64, i64)) {
        if let Some(r) = self.attempts.get_mut(&ti)
            && r.token == token
        {
            r.executing = false;
        }
    }

    /// The attempt has ended: reported, handed back or its lease lost.
    fn ended(&mut self, ti: i64) {
        self.attempts.remove(&ti);
    }

    /// Counted, not kept: at most twice the capacity attempts are held.
    fn free_slots(&self, capacity: usize) -> usize {
        let executing = self.attempts.values().filter(|r| r.executing).count();
        capacity
            .saturating_sub(executing)
            .min((2 * capacity).saturating_sub(self.attempts.len()))
    }
}

pub struct Worker {
    store: Arc<dyn Store>,
    options: Arc<WorkerOptions>,
    versions: VersionCache,
}

impl Worker {
    pub fn new(store: Arc<dyn Store>, mut options: WorkerOptions) -> Self {
        // Leases must be renewed well before they expire: with the default 5s heartbeat and a
        // 2s lease, a healthy worker's leases would expire and its running tasks be retried
        // elsewhere. A third of the lease leaves room for a missed heartbeat.
        options.heartbeat_interval = options
            .heartbeat_interval
            .min(options.lease / 3)
            .max(Duration::from_millis(100));
        Worker {
            store,
            options: Arc::new(options),
            versions: VersionCache::default(),
        }
    }

    /// Runs until `shutdown` fires and running attempts are finished or handed back.
    pub async fn run(mut self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let mut wakeups = self.store.subscribe();
        let mut attempts: JoinSet<(i64, AttemptEnd)> = JoinSet::new();
        let mut held = Held::default();
        let stop_attempts = CancellationToken::new();
        let mut last_heartbeat: Option<Instant> = None;
        let mut backoff = Duration::from_millis(100);
        // Whether the last claim found fewer tasks than it asked for: then a task finishing
        // elsewhere may free a pool slot that a queued task waits for, and is worth a look.
        let mut came_up_short = true;
        let (reports, mut executed) =
            reports::Reports::start(self.store.clone(), self.options.lease);
        tracing::info!(worker.id = %self.options.worker_id, queues = ?self.options.queues, capacity = self.options.capacity, "worker started");
        while !shutdown.is_cancelled() {
            if last_heartbeat.is_none_or(|t| t.elapsed() >= self.options.heartbeat_interval) {
                self.heartbeat(&held.attempts, "running").await;
                last_heartbeat = Some(Instant::now());
            }
            wakeups.drain();
            let free = held.free_slots(self.options.capacity);
            let mut claimed_any = false;
            if free > 0 {
                match self.claim(free).await {
                    Ok(claimed) => {
                        backoff = Duration::from_millis(100);
                        claimed_any = !claimed.is_empty();
                        came_up_short = claimed.len() < free;
                        for (task, dag) in claimed {
                            let cancel = stop_attempts.child_token();
                            held.start(task.ti_id, task.lease_token, cancel.clone());
                            let (store, reports, options, ti) = (
                                self.store.clone(),
                                reports.clone(),
                                self.options.clone(),
                                task.ti_id,
                            );
                            attempts.spawn(async move {
                                let end = attempt::run_attempt(
                                    store, reports, options, task, dag, cancel,
                                )
                                .await;
                                (ti, end)
                            });
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %format!("{err:#}"), "claim failed; retrying");
                        tokio::select! {
                            _ = shutdown.cancelled() => break,
                            _ = tokio::time::sleep(backoff) => {}
                        }
                        backoff = (backoff * 2).min(Duration::from_secs(10));
                        continue;
                    }
                }
            }
            if claimed_any && held.free_slots(self.options.capacity) > 0 {
                continue;
            }
            let until_heartbeat = self
                .options
                .heartbeat_interval
                .saturating_sub(last_heartbeat.map_or(Duration::ZERO, |t| t.elapsed()));
            tokio::select! {
                _ = shutdown.cancelled() => break,
                Some(attempt) = executed.recv() => {
                    // Take every attempt that is done executing too, so that the next claim
                    // asks for all the free slots at once instead of one statement per task.
                    held.executed(attempt);
                    tokio::task::yield_now().await;
                    while let Ok(attempt) = executed.try_recv() {
                        held.executed(attempt);
                    }
                }
                Some(done) = attempts.join_next(), if !attempts.is_empty() => {
                    let mut done = Some(done);
                    while let Some(result) = done {
                        if let Ok((ti, end)) = result {
                            held.ended(ti);
                            if let AttemptEnd::Unreported(e) = end {
                                tracing::warn!(ti, error = %e, "could not report an attempt; its lease will expire");
                            }
                        }
                        done = attempts.try_join_next();
                    }
                }
                _ = wakeups.wait_for(
                    self.options.poll_interval.min(until_heartbeat.max(Duration::from_millis(10))),
                    |event| event == StoreEvent::TasksQueued
                        || (came_up_short && event == StoreEvent::TaskInstances),
                ) => {}
            }
        }
        drop(executed);
        self.drain(attempts, held.attempts, stop_attempts).await;
        Ok(())
    }

    /// Claims up to `max` task instances and loads the DAG version of each.
    async fn claim(&mut self, max: usize) -> anyhow::Result<Vec<(ClaimedTask, Arc<Dag>)>> {
        let request = ClaimRequest {
            worker_id: self.options.worker_id.clone(),
            queues: self.options.queues.clone(),
            max,
            lease: self.options.lease,
        };
        let claimed = self.store.claim(&request).await?;
        let mut out = Vec::with_capacity(claimed.len());
        for task in claimed {
            let dag = self
                .versions
                .get(self.store.as_ref(), task.dag_version_id)
                .await?;
            out.push((task, dag));
        }
        Ok(out)
    }

    /// Extends the leases of running attempts, and stops those whose lease is lost.
    async fn heartbeat(&self, running: &HashMap<i64, Running>, state: &str) {
        let info = WorkerInfo {
            worker_id: self.options.worker_id.clone(),
            hostname: self.options.hostname.clone(),
            queues: self.options.queues.clone(),
            capacity: i32::try_from(self.options.capacity).unwrap_or(i32::MAX),
            state: state.into(),
        };
        if let Err(e) = self.store.heartbeat_worker(&info).await {
            tracing::warn!(error = %e, "worker heartbeat failed");
        }
        if running.is_empty() {
            return;
        }
        let leases: Vec<(i64, i64)> = running.iter().map(|(ti, r)| (*ti, r.token)).collect();
        match self
            .store
            .heartbeat_leases(&self.options.worker_id, &leases, self.options.lease)
            .await
        {
            Ok(lost) => {
                for ti in lost {
                    if let Some(r) = running.get(&ti) {
                        tracing::warn!(ti, "lease lost; stopping the attempt");
                        r.cancel.cancel();
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "lease heartbeat failed"),
        }
    }

    /// Lets running attempts finish within the grace period, heartbeating meanwhile, then
    /// stops the rest, which report themselves failed ("worker shut down").
    async fn drain(
        &self,
        mut attempts: JoinSet<(i64, AttemptEnd)>,
        mut running: HashMap<i64, Running>,
        stop: CancellationToken,
    ) {
        if attempts.is_empty() {
            return;
        }
        tracing::info!(
            running = running.len(),
            grace_s = self.options.shutdown_grace.as_secs(),
            "draining before shutdown"
        );
        let deadline = tokio::time::Instant::now() + self.options.shutdown_grace;
        let mut ticker = tokio::time::interval(self.options.heartbeat_interval);
        loop {
            tokio::select! {
                done = attempts.join_next() => match done {
                    Some(Ok((ti, _))) => { running.remove(&ti); }
                    Some(Err(_)) => {}
                    None => break,
                },
                _ = ticker.tick() => self.heartbeat(&running, "draining").await,
                _ = tokio::time::sleep_until(deadline), if !stop.is_cancelled() => {
                    tracing::warn!(running = running.len(), "grace period over; stopping running tasks");
                    stop.cancel();
                }
            }
        }
    }
}
