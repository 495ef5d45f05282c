//! What the scheduler knows of each active run's task instances, kept up to date by reading
//! only what finished since the last look instead of every task instance on every tick: with a
//! 10,000-task fan-out, every finished task wakes the scheduler, and re-reading the whole run
//! each time would cost more than running the tasks.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use weir_core::dag::Dag;
use weir_core::state::{RunState, TaskState};
use weir_store::{RunRecord, Store, TaskInstanceRecord, TaskStateChange};

/// Finish times come from the workers' clocks: a catch-up read goes back this far to cover skew
/// between machines (NTP keeps it to milliseconds) and reports that commit while a read is under
/// way. The periodic full read repairs anything a larger skew would hide.
const CLOCK_MARGIN: TimeDelta = TimeDelta::seconds(1);
/// Between catch-ups, a look reads only what finished since shortly before the last look: every
/// row in the window is read again at each look, and a scheduler looks at every finished batch,
/// so reading the whole second each time sent each finished row to the scheduler some fifty
/// times in a fast fan-out. A report that commits later than this after its finish time is
/// seen at the next catch-up instead.
const RECENT_MARGIN: TimeDelta = TimeDelta::milliseconds(25);
const CATCH_UP_EVERY: Duration = Duration::from_millis(500);
/// A full re-read now and then repairs anything a delta cannot see (a clear, a hand-back).
const FULL_RELOAD_EVERY: Duration = Duration::from_secs(30);

/// What the scheduler derives once per view from the run's DAG version, so that a tick over a
/// run of thousands of tasks hashes no task ids: for each task instance (by position in the
/// view), its task in the DAG, the positions of its upstreams, and whether it is a leaf.
pub(crate) struct Plan {
    /// The task's index in `dag.tasks`; None for a task instance whose task is not in the DAG.
    pub task: Vec<Option<usize>>,
    /// The positions of the task's upstreams; None for an upstream without a task instance
    /// (it counts as removed).
    pub upstream: Vec<Vec<Option<u32>>>,
    /// No task of the DAG needs it: the leaves decide a run's outcome.
    pub leaf: Vec<bool>,
}

impl Plan {
    fn new(dag: &Dag, tis: &[TaskInstanceRecord]) -> Plan {
        let position: HashMap<&str, u32> = tis
            .iter()
            .enumerate()
            .map(|(i, t)| (t.task_id.as_str(), i as u32))
            .collect();
        let index: HashMap<&str, usize> = dag
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.task_id.as_str(), i))
            .collect();
        let needed: HashSet<&str> = dag
            .tasks
            .iter()
            .flat_map(|t| t.needs.iter().map(|n| n.as_str()))
            .collect();
        let task: Vec<Option<usize>> = tis
            .iter()
            .map(|t| index.get(t.task_id.as_str()).copied())
            .collect();
        let upstream = task
            .iter()
            .map(|task| match task {
                Some(i) => dag.tasks[*i]
                    .needs
                    .iter()
                    .map(|up| position.get(up.as_str()).copied())
                    .collect(),
                None => Vec::new(),
            })
            .collect();
        let leaf = tis
            .iter()
            .map(|t| !needed.contains(t.task_id.as_str()))
            .collect();
        Plan {
            task,
            upstream,
            leaf,
        }
    }
}

struct RunView {
    tis: Vec<TaskInstanceRecord>,
    position: HashMap<i64, usize>,
    /// Built on first use; dropped when task instances are added to the view.
    plan: Option<Plan>,
    /// Every finish before this has been read (given the clock margin): the next catch-up
    /// reads from here.
    synced_at: DateTime<Utc>,
    /// When the last look's read began, and when the last catch-up was.
    last_read: DateTime<Utc>,
    caught_up: Instant,
    /// The run's state when the view was last in step: a change (a clear sends a run back to
    /// queued) means the task instances may have moved in ways a delta does not show.
    run_state: RunState,
    loaded_at: Instant,
}

#[derive(Default)]
pub(crate) struct RunViews {
    views: HashMap<i64, RunView>,
}

impl RunViews {
    /// The run's task instances as they are now.
    pub async fn refresh(
        &mut self,
        store: &dyn Store,
        run: &RunRecord,
    ) -> anyhow::Result<&[TaskInstanceRecord]> {
        let read_started = Utc::now();
        let fresh = match self.views.get(&run.id) {
            Some(v) => v.run_state == run.state && v.loaded_at.elapsed() < FULL_RELOAD_EVERY,
            None => false,
        };
        if fresh {
            let view = self.views.get_mut(&run.id).expect("checked");
            let catch_up = view.caught_up.elapsed() >= CATCH_UP_EVERY;
            let since = if catch_up {
                view.synced_at
            } else {
                view.synced_at.max(view.last_read - RECENT_MARGIN)
            };
            let changed = store.task_instances_finished_since(run.id, since).await?;
            for ti in changed {
                match view.position.get(&ti.id) {
                    Some(&i) => view.tis[i] = ti,
                    None => {
                        view.position.insert(ti.id, view.tis.len());
                        view.tis.push(ti);
                        view.plan = None;
                    }
                }
            }
            view.last_read = read_started;
            if catch_up {
                view.synced_at = read_started - CLOCK_MARGIN;
                view.caught_up = Instant::now();
            }
        } else {
            let tis = store.task_instances(run.id).await?;
            let position = tis.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
            self.views.insert(
                run.id,
                RunView {
                    tis,
                    position,
                    plan: None,
                    synced_at: read_started - CLOCK_MARGIN,
                    last_read: read_started,
                    caught_up: Instant::now(),
                    run_state: run.state,
                    loaded_at: Instant::now(),
                },
            );
        }
        Ok(&self.views[&run.id].tis)
    }

    /// Records the scheduler's own changes. If fewer applied than were asked (another scheduler
    /// moved some first), the view is dropped and read again in full next time.
    pub fn applied(&mut self, run_pk: i64, changes: &[TaskStateChange], applied: u64) {
        if applied as usize != changes.len() {
            self.views.remove(&run_pk);
            return;
        }
        let Some(view) = self.views.get_mut(&run_pk) else {
            return;
        };
        for change in changes {
            if let Some(&i) = view.position.get(&change.ti_id) {
                view.tis[i].state = change.to;
            }
        }
    }

    pub fn run_moved(&mut self, run_pk: i64, state: RunState) {
        if let Some(view) = self.views.get_mut(&run_pk) {
            view.run_state = state;
        }
    }

    /// Forgets runs that are no longer active.
    pub fn retain_active(&mut self, active: &[RunRecord]) {
        let keep: std::collections::HashSet<i64> = active.iter().map(|r| r.id).collect();
        self.views.retain(|pk, _| keep.contains(pk));
    }

    /// The run's task instances as of the last `refresh`, with their plan for `dag` (the run's
    /// DAG version); None if the run has no view.
    pub fn planned(&mut self, run_pk: i64, dag: &Dag) -> Option<(&[TaskInstanceRecord], &Plan)> {
        let view = self.views.get_mut(&run_pk)?;
        if view.plan.is_none() {
            view.plan = Some(Plan::new(dag, &view.tis));
        }
        Some((view.tis.as_slice(), view.plan.as_ref().expect("just built")))
    }

    /// Queued and running task instances of a run, as last seen.
    pub fn busy(&self, run_pk: i64) -> u32 {
        self.views.get(&run_pk).map_or(0, |v| {
            v.tis
                .iter()
                .filter(|t| matches!(t.state, TaskState::Queued | TaskState::Running))
                .count() as u32
        })
    }
}
